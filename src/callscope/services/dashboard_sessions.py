"""What a dashboard session cookie needs from storage: its signing secret and the key holder."""

from __future__ import annotations

import secrets

from callscope.services.accounts import Principal
from callscope.services.ports import Storage
from callscope.services.secrets import stored_secret


def session_secret(storage: Storage) -> str:
    """The secret session cookies are signed with, made once per database."""
    return stored_secret(storage, "dashboard_session", lambda: secrets.token_hex(32))


def key_holder(storage: Storage, key_hash: str) -> Principal | None:
    """Who holds the API key with this SHA-256; None when there is none or it was revoked."""
    with storage.read() as uow:
        owner = uow.accounts.key_owner(key_hash)
    return Principal(owner[0], owner[1]) if owner else None
