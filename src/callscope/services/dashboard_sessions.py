"""Dashboard sessions kept on the server: a random id in the browser's cookie, only its SHA-256
stored, each with a CSRF token; revoked on sign-out, on a password change, and with the API key
that opened it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from callscope.domain.sites import Site
from callscope.domain.users import DashboardSession, Role
from callscope.services.accounts import Principal, authenticate, hash_key
from callscope.services.ports import Storage
from callscope.services.users import token_hash

LIFETIME = timedelta(days=7)


@dataclass(frozen=True)
class Viewer:
    """Who a live session belongs to, what they may do, and the CSRF token its forms carry."""

    principal: Principal
    csrf: str
    email: str | None = None
    workspaces: frozenset[int] | None = None  # granted workspaces; None: the whole account

    def sees(self, site: Site) -> bool:
        """Whether this viewer may see the site (the account is checked by the services)."""
        return self.workspaces is None or site.workspace_id in self.workspaces

    @property
    def whole_account(self) -> bool:
        return self.workspaces is None

    @property
    def account_id(self) -> int:
        return self.principal.account_id

    @property
    def manages(self) -> bool:
        return self.principal.manages

    @property
    def role(self) -> Role | None:
        return Role(self.principal.role) if self.principal.role else None


def open_for_user(storage: Storage, account_id: int, user_id: int, now: datetime) -> str:
    """A new session for a person who just signed in; returns the id for their cookie."""
    return _open(storage, DashboardSession(account_id, user_id, None, _csrf(), now + LIFETIME), now)


def open_for_key(storage: Storage, raw_key: str, now: datetime) -> str:
    """A new session opened with an API key (Unauthorized if the key is not valid)."""
    principal = authenticate(storage, raw_key)
    session = DashboardSession(
        principal.account_id, None, hash_key(raw_key), _csrf(), now + LIFETIME
    )
    return _open(storage, session, now)


def _open(storage: Storage, session: DashboardSession, now: datetime) -> str:
    token = secrets.token_urlsafe(32)
    with storage.write() as uow:
        uow.users.add_session(token_hash(token), session, now)
        uow.commit()
    return token


def _csrf() -> str:
    return secrets.token_urlsafe(32)


def viewer(storage: Storage, token: str, now: datetime) -> Viewer | None:
    """Who holds the session `token`; None when it is unknown, expired or revoked, or the person
    or key behind it is gone. The person's role is read afresh on every request."""
    if not token:
        return None
    with storage.read() as uow:
        session = uow.users.session(token_hash(token))
        if session is None or not session.live(now):
            return None
        if session.user_id is not None:
            user = uow.users.get(session.user_id)
            if user is None or user.account_id != session.account_id:
                return None
            scope = "admin" if user.role.manages else "read"
            principal = Principal(user.account_id, scope, user.id, user.role.value)
            grants = uow.users.grants(user.id) if user.role is not Role.OWNER else frozenset()
            return Viewer(principal, session.csrf_token, user.email, grants or None)
        owner = uow.accounts.key_owner(session.key_hash or "")
    if owner is None or owner[0] != session.account_id:
        return None
    return Viewer(Principal(owner[0], owner[1]), session.csrf_token)


def close(storage: Storage, token: str, now: datetime) -> None:
    """Sign out: the session stops working at once, in every server process."""
    if token:
        with storage.write() as uow:
            uow.users.revoke_session(token_hash(token), now)
            uow.commit()
