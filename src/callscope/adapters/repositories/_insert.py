"""INSERT ... ON CONFLICT DO NOTHING for the dialect in use (SQLite and PostgreSQL both have it)."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import ReturningInsert


def insert_if_absent(conn: Connection, table: Table, values: dict[str, Any]) -> bool:
    """Insert `values`; False when a row with the same unique key was already there."""
    statement = _statement(conn.dialect.name, table, tuple(sorted(values)))
    return conn.execute(statement, values).first() is not None


@cache
def _statement(dialect: str, table: Table, columns: tuple[str, ...]) -> ReturningInsert[Any]:
    """Built once per table and set of columns, so SQLAlchemy finds its compiled form in its
    cache without walking a new statement each time (this is on every call's path)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    binds = {name: bindparam(name, type_=table.c[name].type) for name in columns}
    # RETURNING, not rowcount: psycopg reports -1 as the rowcount of an INSERT here.
    key = next(iter(table.primary_key.columns))
    return insert(table).values(binds).on_conflict_do_nothing().returning(key)
