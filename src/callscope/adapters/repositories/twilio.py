"""Twilio auth tokens per account, and which account owns a dialed number or a call."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from callscope.adapters.tables.core import calls, sites, tracking_numbers
from callscope.adapters.tables.twilio import twilio_credentials


class TwilioCredentialRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def save(self, account_id: int, account_sid: str, auth_token: str, now: datetime) -> None:
        """Store (or replace) the account's credentials."""
        values = {
            "account_id": account_id,
            "account_sid": account_sid,
            "auth_token": auth_token,
            "updated_at": now,
        }
        dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(twilio_credentials).values(**values)
        changed = {k: v for k, v in values.items() if k != "account_id"}
        self._conn.execute(stmt.on_conflict_do_update(index_elements=["account_id"], set_=changed))

    def token(self, account_id: int) -> str | None:
        query = select(twilio_credentials.c.auth_token).where(
            twilio_credentials.c.account_id == account_id
        )
        found = self._scalar(query)
        return str(found) if found is not None else None

    def credentials(self, account_id: int) -> tuple[str, str] | None:
        """(account SID, auth token): the basic-auth pair Twilio's media URLs accept."""
        query = select(twilio_credentials.c.account_sid, twilio_credentials.c.auth_token).where(
            twilio_credentials.c.account_id == account_id
        )
        found = self._conn.execute(query).first()
        return (str(found[0]), str(found[1])) if found else None

    def owner_of_number(self, number: str) -> int | None:
        query = (
            select(sites.c.account_id)
            .join(tracking_numbers, tracking_numbers.c.site_id == sites.c.id)
            .where(tracking_numbers.c.number == number)
        )
        return self._scalar(query)  # type: ignore[no-any-return]

    def owner_of_call(self, call_id: str) -> int | None:
        query = (
            select(sites.c.account_id)
            .join(calls, calls.c.site_id == sites.c.id)
            .where(calls.c.call_id == call_id)
        )
        return self._scalar(query)  # type: ignore[no-any-return]

    def _scalar(self, query: Select[Any]) -> Any:
        return self._conn.execute(query.limit(1)).scalar_one_or_none()
