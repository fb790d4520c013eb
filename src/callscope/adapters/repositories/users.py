"""People, their dashboard sessions and password reset links (hashes only, never secrets)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, delete, insert, select, update
from sqlalchemy.engine import Connection

from callscope.adapters.repositories._insert import insert_if_absent
from callscope.adapters.tables.users import (
    password_resets,
    sessions,
    users,
    workspace_grants,
    workspaces,
)
from callscope.domain.sites import Workspace
from callscope.domain.users import Credentials, DashboardSession, Role, User


class UserRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(
        self, account_id: int, email: str, role: Role, password_hash: str | None, now: datetime
    ) -> User:
        values = {
            "account_id": account_id,
            "email": email,
            "role": role.value,
            "password_hash": password_hash,
            "failures": 0,
            "created_at": now,
        }
        result = self._conn.execute(insert(users).values(**values))
        user_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        return User(user_id, account_id, email, role, now, password_hash is not None)

    def get(self, user_id: int) -> User | None:
        found = self._conn.execute(select(users).where(users.c.id == user_id)).mappings().first()
        return _user(found) if found else None

    def credentials(self, email: str) -> Credentials | None:
        query = select(users).where(users.c.email == email)
        found = self._conn.execute(query).mappings().first()
        if found is None:
            return None
        return Credentials(
            _user(found), found["password_hash"], int(found["failures"]), found["locked_until"]
        )

    def for_account(self, account_id: int) -> list[User]:
        query = select(users).where(users.c.account_id == account_id).order_by(users.c.id)
        return [_user(r) for r in self._conn.execute(query).mappings()]

    def set_password(self, user_id: int, password_hash: str) -> None:
        self._update(user_id, password_hash=password_hash, failures=0, locked_until=None)

    def set_role(self, user_id: int, role: Role) -> None:
        self._update(user_id, role=role.value)

    def note_failure(self, user_id: int, failures: int, locked_until: datetime | None) -> None:
        self._update(user_id, failures=failures, locked_until=locked_until)

    def note_success(self, user_id: int) -> None:
        self._update(user_id, failures=0, locked_until=None)

    def _update(self, user_id: int, **values: Any) -> None:
        self._conn.execute(update(users).where(users.c.id == user_id).values(**values))

    def add_session(self, token_hash: str, session: DashboardSession, now: datetime) -> None:
        values = {
            "token_hash": token_hash,
            "account_id": session.account_id,
            "user_id": session.user_id,
            "key_hash": session.key_hash,
            "csrf_token": session.csrf_token,
            "created_at": now,
            "expires_at": session.expires_at,
        }
        self._conn.execute(insert(sessions).values(**values))

    def session(self, token_hash: str) -> DashboardSession | None:
        query = select(sessions).where(sessions.c.token_hash == token_hash)
        found = self._conn.execute(query).mappings().first()
        if found is None:
            return None
        return DashboardSession(
            account_id=int(found["account_id"]),
            user_id=found["user_id"],
            key_hash=found["key_hash"],
            csrf_token=found["csrf_token"],
            expires_at=found["expires_at"],
            revoked_at=found["revoked_at"],
        )

    def revoke_session(self, token_hash: str, now: datetime) -> None:
        self._conn.execute(
            update(sessions)
            .where(sessions.c.token_hash == token_hash, sessions.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    def revoke_sessions_of(self, user_id: int, now: datetime) -> int:
        done = self._conn.execute(
            update(sessions)
            .where(sessions.c.user_id == user_id, sessions.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return int(done.rowcount)

    def add_reset(self, token_hash: str, user_id: int, now: datetime, until: datetime) -> None:
        values = {"token_hash": token_hash, "user_id": user_id, "created_at": now}
        self._conn.execute(insert(password_resets).values(**values, expires_at=until))

    def take_reset(self, token_hash: str, now: datetime) -> int | None:
        """The user a live, unused reset link is for, marking it used; None otherwise."""
        live = (
            password_resets.c.token_hash == token_hash,
            password_resets.c.used_at.is_(None),
            password_resets.c.expires_at > now,
        )
        user_id = self._conn.execute(
            select(password_resets.c.user_id).where(*live)
        ).scalar_one_or_none()
        if user_id is None:
            return None
        taken = self._conn.execute(update(password_resets).where(*live).values(used_at=now))
        return int(user_id) if taken.rowcount == 1 else None

    def reset_is_live(self, token_hash: str, now: datetime) -> bool:
        query = select(password_resets.c.user_id).where(
            password_resets.c.token_hash == token_hash,
            password_resets.c.used_at.is_(None),
            password_resets.c.expires_at > now,
        )
        return self._conn.execute(query).first() is not None

    def add_workspace(self, account_id: int, name: str, now: datetime) -> Workspace:
        values = {"account_id": account_id, "name": name, "created_at": now}
        result = self._conn.execute(insert(workspaces).values(**values))
        workspace_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        return Workspace(workspace_id, account_id, name)

    def workspaces(self, account_id: int) -> list[Workspace]:
        query = (
            select(workspaces)
            .where(workspaces.c.account_id == account_id)
            .order_by(workspaces.c.id)
        )
        return [
            Workspace(int(r["id"]), int(r["account_id"]), r["name"])
            for r in self._conn.execute(query).mappings()
        ]

    def grant(self, user_id: int, workspace_id: int) -> bool:
        values = {"user_id": user_id, "workspace_id": workspace_id}
        return insert_if_absent(self._conn, workspace_grants, values)

    def ungrant(self, user_id: int, workspace_id: int) -> None:
        self._conn.execute(
            delete(workspace_grants).where(
                workspace_grants.c.user_id == user_id,
                workspace_grants.c.workspace_id == workspace_id,
            )
        )

    def grants(self, user_id: int) -> frozenset[int]:
        query = select(workspace_grants.c.workspace_id).where(workspace_grants.c.user_id == user_id)
        return frozenset(int(w) for w in self._conn.execute(query).scalars())


def _user(row: RowMapping) -> User:
    return User(
        id=int(row["id"]),
        account_id=int(row["account_id"]),
        email=row["email"],
        role=Role(row["role"]),
        created_at=row["created_at"],
        has_password=row["password_hash"] is not None,
    )
