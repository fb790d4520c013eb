"""Dashboard sign-in: an API key becomes a signed, HttpOnly session cookie.

The cookie holds the key's SHA-256 (never the key) and an expiry, signed with HMAC-SHA256 by a
secret kept in the database; every request re-checks that the key is still valid. The cookie is
SameSite=Lax, and every form that changes something also carries a token derived from the
session (another site cannot read it), checked on submission."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request, Response

from callscope.domain.errors import Forbidden
from callscope.entrypoints.http.deps import NowDep, StorageDep
from callscope.services.accounts import Principal, authenticate, hash_key
from callscope.services.dashboard_sessions import key_holder, session_secret
from callscope.services.ports import Storage

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
    return key_holder(storage, key_hash)


class SignInRequired(Exception):
    """A dashboard page was asked for without a valid session: the answer is the sign-in page."""


def require_session(storage: StorageDep, request: Request, now: NowDep) -> Principal:
    """The signed-in principal, else SignInRequired (a redirect to the sign-in form)."""
    who = signed_in(storage, request, now)
    if who is None:
        raise SignInRequired
    return who


SignedInDep = Annotated[Principal, Depends(require_session)]


def sign_out(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/dashboard")


def form_token(storage: Storage, request: Request) -> str:
    """The anti-forgery token of this session, for the forms its pages show."""
    return session_form_token(storage, request.cookies.get(COOKIE, ""))


def session_form_token(storage: Storage, cookie: str) -> str:
    return _signature(storage, "form." + cookie)


def check_form_token(storage: Storage, request: Request, token: str) -> None:
    """Forbidden unless `token` is this session's (a form posted from another site)."""
    if not hmac.compare_digest(token, form_token(storage, request)):
        raise Forbidden("the form has expired or came from elsewhere: reload the page")


def _signature(storage: Storage, body: str) -> str:
    return hmac.new(session_secret(storage).encode(), body.encode(), hashlib.sha256).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")
