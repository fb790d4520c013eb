"""Twilio auth tokens per callscope account: stored by an admin, found for a signed request.

A request's token belongs to the account owning the dialed number (or the call); the
`CALLSCOPE_TWILIO_AUTH_TOKEN` setting serves accounts that stored none. Each process keeps
what it looked up for a few seconds (per storage), so a webhook usually costs one query."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar
from weakref import WeakKeyDictionary

from callscope.services.ports import Storage, UnitOfWork

# A token stored (or replaced) by another process is used here within this time; one stored
# through this process at once. A number's owner is kept as long; a call's forever (a stored
# call never changes hands); nothing is kept for a number or call not found.
KEEP_SECONDS = 10.0
KEEP_SIZE = 10_000
K = TypeVar("K")
V = TypeVar("V")


@dataclass
class _Kept:
    number_owners: dict[str, tuple[float, int]] = field(default_factory=dict)
    call_owners: dict[str, int] = field(default_factory=dict)
    tokens: dict[int, tuple[float, str | None]] = field(default_factory=dict)


_KEPT: WeakKeyDictionary[Storage, _Kept] = WeakKeyDictionary()


def save_credentials(
    storage: Storage, account_id: int, account_sid: str, auth_token: str, now: datetime
) -> None:
    """Store (or replace) the account's Twilio credentials."""
    with storage.write() as uow:
        uow.twilio.save(account_id, account_sid, auth_token, now)
        uow.commit()
    _KEPT.setdefault(storage, _Kept()).tokens.pop(account_id, None)


def signing_token(
    storage: Storage, dialed: str | None, call_id: str | None, fallback: str | None
) -> str | None:
    """The token that must have signed a request about this tracking number and call: the
    owning account's, else `fallback`. None when the number and the call belong to two
    different accounts: no tenant's token may sign anything about another tenant's calls."""
    kept, now = _KEPT.setdefault(storage, _Kept()), time.monotonic()
    with storage.read() as uow:
        owners = {
            owner
            for owner in (
                _call_owner(kept, uow, call_id) if call_id else None,
                _number_owner(kept, uow, dialed, now) if dialed else None,
            )
            if owner is not None
        }
        if len(owners) != 1:
            return None if owners else fallback
        return _token(kept, uow, owners.pop(), now) or fallback


def _call_owner(kept: _Kept, uow: UnitOfWork, call_id: str) -> int | None:
    owner = kept.call_owners.get(call_id)
    if owner is None:
        owner = uow.twilio.owner_of_call(call_id)
        if owner is not None:
            _bound(kept.call_owners)[call_id] = owner
    return owner


def _number_owner(kept: _Kept, uow: UnitOfWork, dialed: str, now: float) -> int | None:
    found = kept.number_owners.get(dialed)
    if found is not None and now - found[0] < KEEP_SECONDS:
        return found[1]
    owner = uow.twilio.owner_of_number(dialed)
    if owner is not None:
        _bound(kept.number_owners)[dialed] = (now, owner)
    return owner


def _token(kept: _Kept, uow: UnitOfWork, account_id: int, now: float) -> str | None:
    found = kept.tokens.get(account_id)
    if found is not None and now - found[0] < KEEP_SECONDS:
        return found[1]
    token = uow.twilio.token(account_id)
    _bound(kept.tokens)[account_id] = (now, token)
    return token


def _bound(kept: dict[K, V]) -> dict[K, V]:
    """The dict, emptied first when full: a flood of ids must not grow memory without end."""
    if len(kept) >= KEEP_SIZE:
        kept.clear()
    return kept
