"""What `callscope replay`, the demo and pool sizing read from storage besides the use cases."""

from __future__ import annotations

from datetime import datetime

from callscope.domain.errors import NotFound
from callscope.services.ports import Storage


def site_numbers(storage: Storage, site_key: str) -> list[str]:
    """Every tracking number of the site, as a caller who saw them elsewhere might dial."""
    with storage.read() as uow:
        site = uow.sites.by_key(site_key)
        if site is None:
            raise NotFound("unknown site key")
        return [n.number for n in uow.numbers.for_site(site.id)]


def visit_spans(storage: Storage, site_id: int) -> list[tuple[datetime, datetime]]:
    """(start, last seen) of every stored visit of the site, for sizing its pool."""
    with storage.read() as uow:
        return uow.visits.spans(site_id)
