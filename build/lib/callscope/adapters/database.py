"""Engines for SQLite and PostgreSQL: one writer at a time on SQLite, pooled connections on both."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import StaticPool

WRITE = "callscope_write"
PING_AFTER_IDLE = 5.0  # seconds
_IDLE_SINCE = "callscope_idle_since"


def make_engine(url: str, pool_size: int = 5) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout and BEGIN IMMEDIATE for writes.
    PostgreSQL keeps `pool_size` connections and opens no more: a connection opened beyond the
    pool used to be closed again after its one transaction, and under load that churn (a new
    PostgreSQL process each time) cost more than the transactions."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    engine = create_engine(url, pool_size=pool_size, max_overflow=0, pool_timeout=30)
    _ping_after_idle(engine)
    return engine


def _ping_after_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only when it sat idle for PING_AFTER_IDLE seconds:
    one that served a moment ago is alive, and pinging each checkout (`pool_pre_ping`) cost a
    round trip per transaction. A connection broken while in use still fails its request, and
    SQLAlchemy then replaces the whole pool."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)  # what pool_pre_ping runs
        except Exception as exc:
            # The pool throws this connection away and tries a fresh one (up to three times).
            raise DisconnectionError() from exc


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
