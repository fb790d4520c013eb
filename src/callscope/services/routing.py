"""Answering a telephony platform's question: where do I forward a call to this number?

Routing never fails a caller for lack of attribution: only an unknown dialed number is refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from callscope.adapters.storage import Storage
from callscope.domain.errors import NotFound
from callscope.domain.sites import NumberKind, TrackingNumber


@dataclass(frozen=True)
class Route:
    agent_number: str
    number: TrackingNumber


def route_call(
    storage: Storage, dialed: str, ext: str | None, caller: str | None, now: datetime
) -> Route:
    with storage.read() as uow:
        number = uow.numbers.by_number(dialed)
        if number is None:
            raise NotFound("not a tracking number")
        site = uow.sites.get(number.site_id)
        assert site is not None
        agent = number.agent_number(site)
    if ext and number.kind is NumberKind.EXTENSION:
        # Remember the typed code so a call record without it is still attributed.
        with storage.write() as uow:
            uow.calls.note_route(number.id, caller, ext, now)
            uow.commit()
    return Route(agent, number)
