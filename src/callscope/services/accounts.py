"""Creating accounts and API keys, and telling who a key belongs to."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from callscope.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from callscope.domain.sites import Account, ApiKey
from callscope.services.ports import Accounts, Storage

KEY_PREFIX = "cs_"
SCOPES = ("admin", "read")


@dataclass(frozen=True)
class Principal:
    """Who is asking: an account, and whether they may change things ("admin") or only look
    ("read"); a person signed in to the dashboard also carries their user id and role."""

    account_id: int
    scope: str
    user_id: int | None = None
    role: str | None = None

    @property
    def manages(self) -> bool:
        return self.scope == "admin"

    def require_admin(self) -> None:
        if self.scope != "admin":
            who = f"the {self.role} role" if self.role else "this API key"
            raise Forbidden(f"{who} is read-only")


def hash_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def create_account(storage: Storage, name: str, now: datetime) -> tuple[Account, str]:
    """A new account and its first admin key, returned in clear this once only."""
    with storage.write() as uow:
        account = uow.accounts.add(name.strip() or "account", now)
        raw_key = _add_key(uow.accounts, account.id, "admin", now)
        uow.commit()
    return account, raw_key


def create_key(storage: Storage, account_id: int, scope: str, now: datetime) -> str:
    """A new key of `scope` ("admin" or "read"), returned in clear this once only."""
    with storage.write() as uow:
        raw_key = _add_key(uow.accounts, account_id, scope, now)
        uow.commit()
    return raw_key


def list_keys(storage: Storage, account_id: int) -> list[ApiKey]:
    with storage.read() as uow:
        return uow.accounts.keys(account_id)


def revoke_key(storage: Storage, account_id: int, key_id: int, now: datetime) -> None:
    """Revoke a key at once; the account's last live admin key stays, or nobody could manage it."""
    with storage.write() as uow:
        live = [k for k in uow.accounts.keys(account_id) if k.revoked_at is None]
        if key_id not in {k.id for k in live}:
            raise NotFound(f"no live key {key_id}")
        admins = [k for k in live if k.scope == "admin"]
        if [k.id for k in admins] == [key_id]:
            raise Conflict("that is the account's last admin key; create another first")
        uow.accounts.revoke_key(account_id, key_id, now)
        uow.commit()


def authenticate(storage: Storage, raw_key: str | None) -> Principal:
    if not raw_key or not raw_key.startswith(KEY_PREFIX):
        raise Unauthorized("missing or malformed API key (Authorization: Bearer cs_...)")
    # Looked up by its SHA-256: the stored value is useless to a thief and timing reveals
    # nothing about the key itself.
    with storage.read() as uow:
        owner = uow.accounts.key_owner(hash_key(raw_key))
    if owner is None:
        raise Unauthorized("unknown or revoked API key")
    return Principal(account_id=owner[0], scope=owner[1])


def _add_key(accounts: Accounts, account_id: int, scope: str, now: datetime) -> str:
    if scope not in SCOPES:
        raise InvalidInput(f"scope must be one of {', '.join(SCOPES)}")
    raw_key = KEY_PREFIX + secrets.token_urlsafe(32)
    accounts.add_key(account_id, hash_key(raw_key), raw_key[:8], scope, now)
    return raw_key
