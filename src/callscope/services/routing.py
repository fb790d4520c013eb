"""Answering a telephony platform's question: where do I forward a call to this number?

Routing never fails a caller for lack of attribution: only an unknown dialed number is refused.
The answer comes from the in-memory route table, so it does not wait behind visit writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from callscope.domain.errors import NotFound, StorageError
from callscope.domain.sites import NumberKind, RouteEntry
from callscope.logs import log_event
from callscope.services.ports import Storage


class RouteLookup(Protocol):
    """A fast copy of the route table (the adapter keeps it in memory, fresh within seconds)."""

    def lookup(self, number: str) -> RouteEntry | None: ...
    def held(self, number: str) -> RouteEntry | None: ...


@dataclass(frozen=True)
class Route:
    agent_number: str
    number: RouteEntry


def route_call(
    storage: Storage,
    dialed: str,
    ext: str | None,
    caller: str | None,
    now: datetime,
    routes: RouteLookup | None = None,
) -> Route:
    """Without a route table (replay, tests) the number is looked up in the database."""
    entry = routes.lookup(dialed) if routes else lookup_route(storage, dialed)
    if entry is None:
        raise NotFound("not a tracking number")
    if ext and entry.kind is NumberKind.EXTENSION:
        _note_code(storage, entry, caller, ext, now)
    return Route(entry.agent_number, entry)


def route_from_memory(routes: RouteLookup, dialed: str, ext: str | None) -> Route | None:
    """The answer when the fresh in-memory table holds the number and nothing is to be stored
    (a typed extension code is): given without touching storage, so the server answers it
    on its event loop. None: use `route_call`."""
    entry = routes.held(dialed)
    if entry is None or (ext and entry.kind is NumberKind.EXTENSION):
        return None
    return Route(entry.agent_number, entry)


def _note_code(
    storage: Storage, entry: RouteEntry, caller: str | None, ext: str, now: datetime
) -> None:
    """Remember the typed code so a call record without it is still attributed; a database
    fault here must not stop the call from being forwarded."""
    try:
        with storage.write() as uow:
            uow.calls.note_route(entry.number_id, caller, ext, now)
            uow.commit()
    except StorageError as exc:
        log_event("route_note_lost", error=str(exc), dialed=None)


def lookup_route(storage: Storage, number: str) -> RouteEntry | None:
    """The route of one number, straight from the database."""
    with storage.read() as uow:
        rows = uow.numbers.routes(number)
    return rows[0][1] if rows else None
