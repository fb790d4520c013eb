"""Setting a site's call flow (or a number's override of it) and an account's blocklist; each
change reaches every server process's route table within a second, like a change of numbers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from callscope.domain.errors import NotFound
from callscope.domain.flows import BlockEntry, Flow, flow_from_dict
from callscope.services.ports import Storage, UnitOfWork
from callscope.services.sites import owned_site

SITE_FLOW = 0  # the number id under which a site's own flow is kept


def set_flow(
    storage: Storage,
    account_id: int,
    site_id: int,
    number_id: int | None,
    given: dict[str, Any],
    now: datetime,
) -> Flow:
    """Store the flow of the site (number_id None) or of one of its numbers, given in its JSON
    form; without a time zone it keeps the site's. InvalidInput (nothing stored) lists every
    problem of the flow."""
    with storage.write() as uow:
        site = owned_site(uow, account_id, site_id)
        key = _number_key(uow, site.id, number_id)
        flow = flow_from_dict({**given, "time_zone": given.get("time_zone") or site.timezone})
        uow.flows.put(site.id, key, flow, now)
        uow.numbers.routes_changed()
        uow.commit()
    return flow


def get_flow(storage: Storage, account_id: int, site_id: int, number_id: int | None) -> Flow:
    with storage.read() as uow:
        site = owned_site(uow, account_id, site_id)
        found = uow.flows.get(site.id, _number_key(uow, site.id, number_id))
    if found is None:
        raise NotFound("no call flow set" if number_id is None else "this number has no override")
    return found


def remove_flow(storage: Storage, account_id: int, site_id: int, number_id: int | None) -> None:
    """Drop the site's flow (calls go to its forward number again) or a number's override
    (the number follows its site's flow again)."""
    with storage.write() as uow:
        site = owned_site(uow, account_id, site_id)
        if not uow.flows.remove(site.id, _number_key(uow, site.id, number_id)):
            raise NotFound("no call flow set")
        uow.numbers.routes_changed()
        uow.commit()


def _number_key(uow: UnitOfWork, site_id: int, number_id: int | None) -> int:
    if number_id is None:
        return SITE_FLOW
    number = uow.numbers.get(number_id)
    if number is None or number.site_id != site_id:
        raise NotFound("unknown number")
    return int(number_id)


def block(
    storage: Storage,
    account_id: int,
    number: str | None,
    prefix: str | None,
    reason: str,
    now: datetime,
) -> BlockEntry:
    entry = BlockEntry(0, account_id, number, prefix, reason)  # InvalidInput before storage
    with storage.write() as uow:
        entry = uow.blocklist.add(entry, now)
        uow.numbers.routes_changed()
        uow.commit()
    return entry


def blocklist(storage: Storage, account_id: int) -> list[BlockEntry]:
    with storage.read() as uow:
        return uow.blocklist.for_account(account_id)


def unblock(storage: Storage, account_id: int, entry_id: int) -> None:
    with storage.write() as uow:
        if not uow.blocklist.remove(account_id, entry_id):
            raise NotFound("unknown blocklist entry")
        uow.numbers.routes_changed()
        uow.commit()
