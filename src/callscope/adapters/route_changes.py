"""Hearing at once that routing changed in any process: PostgreSQL LISTEN/NOTIFY, or on SQLite
the route version counter read a few times a second. Each change calls `on_change` (which drops
the in-memory route table); the table's periodic reads stay as the safety net."""

from __future__ import annotations

import threading
from collections.abc import Callable

import psycopg
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from callscope.adapters.repositories.sites import ROUTES_CHANNEL
from callscope.adapters.storage import Storage
from callscope.domain.errors import StorageError
from callscope.logs import log_event

POLL_SECONDS = 0.25  # SQLite: a one-row read this often is the whole cost
WAKE_SECONDS = 1.0  # PostgreSQL: how often the listener looks up to see whether to stop


class RouteChanges:
    """Watches for routing changes on a daemon thread until `stop()`."""

    def __init__(self, storage: Storage, on_change: Callable[[], None]) -> None:
        self._storage = storage
        self._on_change = on_change
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="route-changes", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=WAKE_SECONDS * 3)

    def _run(self) -> None:
        postgres = self._storage.engine.dialect.name == "postgresql"
        while not self._stopping.is_set():
            try:
                self._listen() if postgres else self._poll()
            except (psycopg.Error, SQLAlchemyError, StorageError) as exc:
                log_event("route_changes_error", error=type(exc).__name__)
                self._on_change()  # a notification may have been missed meanwhile
                self._stopping.wait(WAKE_SECONDS)

    def _listen(self) -> None:
        url = make_url(self._storage.engine.url).set(drivername="postgresql")
        conninfo = url.render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"LISTEN {ROUTES_CHANNEL}")
            self._on_change()  # changes made before this LISTEN took effect
            while not self._stopping.is_set():
                if any(True for _ in conn.notifies(timeout=WAKE_SECONDS)):
                    self._on_change()

    def _poll(self) -> None:
        seen = self._version()
        while not self._stopping.wait(POLL_SECONDS):
            version = self._version()
            if version != seen:
                seen = version
                self._on_change()

    def _version(self) -> int:
        with self._storage.read() as uow:
            return uow.numbers.routes_version()
