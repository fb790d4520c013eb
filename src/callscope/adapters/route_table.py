"""An in-memory copy of number -> where to forward, so `route` answers without waiting behind
writes, and keeps answering from a recent copy while the database is unreachable."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from callscope.domain.errors import StorageError
from callscope.domain.flows import EMPTY_BLOCKLIST, Blocklist
from callscope.domain.sites import RouteEntry
from callscope.logs import log_event
from callscope.services.ports import Storage
from callscope.services.routing import lookup_route


class RouteTable:
    """A change of numbers in any process drops the copy at once (`forget`, called by
    `RouteChanges`). As a safety net, numbers added since are read when the copy is older than
    `max_age` seconds, and the whole table every `full_age` seconds, which also drops numbers
    gone from the database. Reading 15,000 numbers held the
    interpreter for ~50 ms, a stall every route request felt, so it is rare. A number missing
    from the copy is looked up directly (it may have been added a moment ago)."""

    def __init__(
        self,
        storage: Storage,
        max_age: float = 30.0,
        full_age: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
        bulk: Storage | None = None,
    ) -> None:
        self._storage = storage
        # Whole-table reads may go to a replica; the read after a change goes to the primary,
        # which has the change for certain.
        self._bulk = bulk or storage
        self._changed = False
        self._max_age = max_age
        self._full_age = full_age
        self._clock = clock
        self._entries: dict[str, RouteEntry] = {}
        self._blocklists: dict[int, Blocklist] = {}
        self._loaded_at: float | None = None
        self._full_at: float | None = None
        self._last_id = 0
        self._generation = 0  # moved by `forget`: a reload that read before it is not kept
        self._ever_loaded = False  # a dropped copy still answers while the database is away
        self._lock = threading.Lock()

    def lookup(self, number: str) -> RouteEntry | None:
        try:
            if self._stale():
                self._reload()
            found = self._entries.get(number)
            return found if found is not None else self._lookup_one(number)
        except StorageError as exc:
            if not self._ever_loaded:
                raise
            # Never lose a call: answer from the last copy while the database is away.
            log_event("route_table_degraded", error=str(exc), number=number)
            return self._entries.get(number)

    def blocklist(self, account_id: int) -> Blocklist:
        """The account's blocklist as of the last whole read (a change to it forgets the copy,
        like a change of numbers)."""
        return self._blocklists.get(account_id, EMPTY_BLOCKLIST)

    def held(self, number: str) -> RouteEntry | None:
        """The number's route from a fresh copy without any I/O; None: ask `lookup`."""
        return None if self._stale() else self._entries.get(number)

    def forget(self) -> None:
        """Mark the copy out of date (after numbers change), so the next lookup reads the whole
        table; until that read succeeds, a database outage is still answered from the copy."""
        self._generation += 1
        self._changed = True
        self._loaded_at = self._full_at = None

    def _stale(self) -> bool:
        return self._loaded_at is None or self._clock() - self._loaded_at > self._max_age

    def _reload(self) -> None:
        with self._lock:
            if not self._stale():
                return
            now, generation = self._clock(), self._generation
            whole = self._full_at is None or now - self._full_at > self._full_age
            source = self._storage if self._changed else self._bulk
            with source.read() as uow:
                rows = uow.numbers.routes(after_id=0 if whole else self._last_id)
                blocklists = uow.blocklist.everyone() if whole else self._blocklists
            found = dict(rows)
            self._blocklists = blocklists
            self._ever_loaded = True
            self._entries = found if whole else {**self._entries, **found}
            self._last_id = max((e.number_id for e in found.values()), default=self._last_id)
            if generation != self._generation:
                return  # numbers changed while this read ran: read again next time
            self._changed = False
            self._loaded_at = now
            if whole:
                self._full_at = now

    def _lookup_one(self, number: str) -> RouteEntry | None:
        entry = lookup_route(self._storage, number)
        if entry is not None:
            self._entries = {**self._entries, number: entry}
        return entry
