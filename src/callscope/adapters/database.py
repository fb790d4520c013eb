"""Engines for SQLite and PostgreSQL: one writer at a time on SQLite, pooled connections on both."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.pool import StaticPool

WRITE = "callscope_write"


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout and BEGIN IMMEDIATE for writes."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def load_table_modules() -> None:
    """Import every `callscope.adapters.tables_*` module: a feature that stores something of
    its own declares its tables there, on the shared `metadata`."""
    import callscope.adapters as package

    for module in pkgutil.iter_modules(package.__path__):
        if module.name.startswith("tables_"):
            importlib.import_module(f"callscope.adapters.{module.name}")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _sqlite_engine(url: str) -> Engine:
    memory = ":memory:" in url or url in ("sqlite://", "sqlite:///")
    # An in-memory database lives in one connection: share it (single-threaded use: replay).
    pool = {"poolclass": StaticPool} if memory else {}
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **pool)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event issue BEGIN itself, so writes can take the lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # One writer at a time (datasette's rule): a write transaction takes the lock at BEGIN,
        # so two writers never both read "number is free" and then race to claim it.
        immediate = conn.get_execution_options().get(WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine
