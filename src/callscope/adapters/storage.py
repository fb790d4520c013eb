"""The storage handle services receive: opens read or write units of work on one engine."""

from __future__ import annotations

from sqlalchemy import Engine

from callscope.adapters.database import create_schema, make_engine
from callscope.adapters.unit_of_work import UnitOfWork


class Storage:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def connect(cls, url: str, create: bool = True) -> Storage:
        storage = cls(make_engine(url))
        if create:
            create_schema(storage.engine)
        return storage

    def write(self) -> UnitOfWork:
        return UnitOfWork(self.engine, write=True)

    def read(self) -> UnitOfWork:
        return UnitOfWork(self.engine, write=False)

    def close(self) -> None:
        self.engine.dispose()
