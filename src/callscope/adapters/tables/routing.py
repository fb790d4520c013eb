"""A counter of changes to the routing configuration (numbers added, changed or removed), so
every server process can see at once that its in-memory route table is out of date."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, Table

from callscope.adapters.tables.base import metadata

# One row (id 1). PostgreSQL also notifies listeners on each change; SQLite has no such thing,
# so processes there read this row a few times a second.
route_version = Table(
    "route_version",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", BigInteger, nullable=False),
)
