"""Server secrets kept in the database (session signing, address hashing), made once."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from callscope.adapters.repositories._insert import insert_if_absent
from callscope.adapters.tables.reporting import dashboard_secrets


class SecretRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, name: str) -> str | None:
        query = select(dashboard_secrets.c.value).where(dashboard_secrets.c.name == name)
        found = self._conn.execute(query).scalar_one_or_none()
        return str(found) if found is not None else None

    def put_if_absent(self, name: str, value: str) -> bool:
        return insert_if_absent(self._conn, dashboard_secrets, {"name": name, "value": value})
