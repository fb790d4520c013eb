"""Dashboard sign-in: an API key becomes a signed, HttpOnly session cookie.

The cookie holds the key's SHA-256 (never the key) and an expiry, signed with HMAC-SHA256 by a
secret kept in the database; every request re-checks that the key is still valid."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from fastapi import Request, Response

from callscope.adapters.storage import Storage
from callscope.services.accounts import Principal, authenticate, hash_key
from callscope.services.secrets import stored_secret

COOKIE = "callscope_session"
LIFETIME = timedelta(days=7)


def sign_in(
    storage: Storage, raw_key: str, now: datetime, response: Response, secure: bool
) -> Principal:
    """Check the key (Unauthorized if bad) and set the session cookie on `response`."""
    principal = authenticate(storage, raw_key.strip())
    expires = int((now + LIFETIME).timestamp())
    body = f"{hash_key(raw_key.strip())}.{expires}"
    value = _b64(body.encode()) + "." + _signature(storage, body)
    response.set_cookie(
        COOKIE,
        value,
        max_age=int(LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/dashboard",
    )
    return principal


def signed_in(storage: Storage, request: Request, now: datetime) -> Principal | None:
    """Who the session cookie belongs to; None when it is missing, forged, expired or its key
    was revoked."""
    value = request.cookies.get(COOKIE, "")
    encoded, _, signature = value.partition(".")
    try:
        body = base64.urlsafe_b64decode(encoded + "==").decode()
    except (ValueError, UnicodeDecodeError):
        return None
    if not hmac.compare_digest(signature, _signature(storage, body)):
        return None
    key_hash, _, expires = body.partition(".")
    if not expires.isdigit() or int(expires) < now.timestamp():
        return None
    with storage.read() as uow:
        owner = uow.accounts.key_owner(key_hash)
    return Principal(owner[0], owner[1]) if owner else None


def sign_out(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/dashboard")


def _signature(storage: Storage, body: str) -> str:
    secret = stored_secret(storage, "dashboard_session", lambda: secrets.token_hex(32))
    return hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")
