"""The storage handle services receive: opens read or write units of work on one engine."""

from __future__ import annotations

import threading

from sqlalchemy import Engine

from callscope.adapters.database import make_engine
from callscope.adapters.schema import prepare
from callscope.adapters.unit_of_work import UnitOfWork


class Storage:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # SQLite takes one writer at a time; threads of this process queue on a lock instead of
        # polling SQLite's busy handler, whose growing sleeps made the tail latency.
        self._writer_lock = threading.RLock() if engine.dialect.name == "sqlite" else None

    @classmethod
    def connect(cls, url: str, auto_migrate: bool = True) -> Storage:
        """Storage on `url`, its schema created or migrated (or refused, see `schema.prepare`)."""
        storage = cls(make_engine(url))
        prepare(storage.engine, auto_migrate)
        return storage

    def write(self) -> UnitOfWork:
        return UnitOfWork(self.engine, write=True, writer_lock=self._writer_lock)

    def read(self) -> UnitOfWork:
        return UnitOfWork(self.engine, write=False)

    def close(self) -> None:
        self.engine.dispose()
