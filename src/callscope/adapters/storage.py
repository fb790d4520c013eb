"""The storage handle services receive: opens read or write units of work on one engine."""

from __future__ import annotations

from sqlalchemy import Engine

from callscope.adapters.database import make_engine
from callscope.adapters.schema import prepare
from callscope.adapters.unit_of_work import UnitOfWork
from callscope.adapters.writer_lock import WriterLock


class Storage:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # SQLite takes one writer at a time: writers queue on a lock (see writer_lock.py).
        self._writer_lock = _writer_lock(engine)

    @classmethod
    def connect(cls, url: str, auto_migrate: bool = True, pool_size: int = 5) -> Storage:
        """Storage on `url`, its schema created or migrated (or refused, see `schema.prepare`);
        `pool_size` connections at most (PostgreSQL)."""
        storage = cls(make_engine(url, pool_size))
        prepare(storage.engine, auto_migrate)
        return storage

    def write(self, one_statement: bool = False) -> UnitOfWork:
        """A unit of work for changes; `one_statement`: it makes a single change, durable as
        soon as it returns (PostgreSQL runs it without BEGIN and COMMIT round trips)."""
        return UnitOfWork(
            self.engine, write=True, writer_lock=self._writer_lock, one_statement=one_statement
        )

    def read(self) -> UnitOfWork:
        return UnitOfWork(self.engine, write=False)

    def close(self) -> None:
        self.engine.dispose()


def _writer_lock(engine: Engine) -> WriterLock | None:
    if engine.dialect.name != "sqlite":
        return None  # PostgreSQL's row locks order its writers
    path = engine.url.database
    in_memory = not path or path == ":memory:" or path.startswith("file::memory:")
    return WriterLock(None if in_memory else f"{path}-writer.lock")
