"""The per-address lease cap shared by every server process: a port the visit service uses
when one is configured (Redis), on top of the count of live leases in the database."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class LeaseSlots(Protocol):
    """At most `cap` pool leases per site and client address at once, across processes. Each
    method answers None (or does nothing) when the shared store cannot be reached: the visit
    then goes on under the database's count alone."""

    def reserve(
        self, site_id: int, client: str, visit_id: str, cap: int, now: datetime, until: datetime
    ) -> bool | None: ...

    def extend(
        self, site_id: int, client: str, visit_id: str, now: datetime, until: datetime
    ) -> None: ...

    def release(self, site_id: int, client: str, visit_id: str) -> None: ...
