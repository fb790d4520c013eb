"""INSERT ... ON CONFLICT DO NOTHING for the dialect in use (SQLite and PostgreSQL both have it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection


def insert_if_absent(conn: Connection, table: Table, values: dict[str, Any]) -> bool:
    """Insert `values`; False when a row with the same unique key was already there."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(**values).on_conflict_do_nothing()
    # RETURNING, not rowcount: psycopg reports -1 as the rowcount of an INSERT here.
    key = next(iter(table.primary_key.columns))
    return conn.execute(stmt.returning(key)).first() is not None
