"""Accounts and their API keys (stored as SHA-256 hashes, never in clear)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from callscope.adapters import rows
from callscope.adapters.tables.core import accounts, api_keys
from callscope.domain.sites import Account, ApiKey


class AccountRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, name: str, now: datetime) -> Account:
        result = self._conn.execute(insert(accounts).values(name=name, created_at=now))
        account_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        return Account(id=account_id, name=name, created_at=now)

    def get(self, account_id: int) -> Account | None:
        row = self._conn.execute(select(accounts).where(accounts.c.id == account_id))
        found = row.mappings().first()
        return rows.account(found) if found else None

    def add_key(
        self, account_id: int, key_hash: str, prefix: str, scope: str, now: datetime
    ) -> int:
        result = self._conn.execute(
            insert(api_keys).values(
                account_id=account_id, key_hash=key_hash, prefix=prefix, scope=scope, created_at=now
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def keys(self, account_id: int) -> list[ApiKey]:
        query = select(api_keys).where(api_keys.c.account_id == account_id).order_by(api_keys.c.id)
        return [
            ApiKey(r["id"], r["prefix"], r["scope"], r["created_at"], r["revoked_at"])
            for r in self._conn.execute(query).mappings()
        ]

    def revoke_key(self, account_id: int, key_id: int, now: datetime) -> bool:
        """Revoke one of the account's keys; False when it has no such live key."""
        revoked = self._conn.execute(
            update(api_keys)
            .where(
                api_keys.c.id == key_id,
                api_keys.c.account_id == account_id,
                api_keys.c.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
        return revoked.rowcount == 1

    def key_owner(self, key_hash: str) -> tuple[int, str] | None:
        """(account id, scope) of a key that exists and is not revoked."""
        query = select(api_keys.c.account_id, api_keys.c.scope).where(
            api_keys.c.key_hash == key_hash, api_keys.c.revoked_at.is_(None)
        )
        found = self._conn.execute(query).first()
        return (int(found.account_id), str(found.scope)) if found else None
