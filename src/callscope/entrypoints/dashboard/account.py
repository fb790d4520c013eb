"""Signing in and out of the dashboard, and setting a password from a link."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from callscope.domain.errors import InvalidInput, Unauthorized
from callscope.entrypoints.dashboard.routes import router
from callscope.entrypoints.dashboard.session import (
    COOKIE,
    before_session,
    end_session,
    start_session,
)
from callscope.entrypoints.http.deps import NowDep, StorageDep
from callscope.services import dashboard_sessions, users

NOTICES = {"password-set": "Your password is set. Sign in with it."}


@router.get("/signin")
def signin_form(request: Request, done: Annotated[str, Query(max_length=40)] = "") -> Response:
    return before_session(request, "signin.html", error=None, notice=NOTICES.get(done))


@router.post("/signin")
def signin(
    storage: StorageDep,
    request: Request,
    now: NowDep,
    email: Annotated[str, Form(max_length=300)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    api_key: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """E-mail and password (people), or an API key (machines, older bookmarks). Either way a
    new session id, and the one the browser held before (if any) is revoked."""
    try:
        if api_key.strip():
            token = dashboard_sessions.open_for_key(storage, api_key.strip(), now)
        else:
            user = users.sign_in(storage, email, password, now)
            token = dashboard_sessions.open_for_user(storage, user.account_id, user.id, now)
    except Unauthorized as exc:
        error = "That API key is not valid." if api_key.strip() else str(exc)
        status = 429 if isinstance(exc, users.Locked) else 401
        return before_session(request, "signin.html", status=status, error=error, email=email)
    dashboard_sessions.close(storage, request.cookies.get(COOKIE, ""), now)
    response = RedirectResponse("/dashboard", status_code=303)
    start_session(response, token, secure=request.url.scheme == "https")
    return response


@router.post("/signout")
def signout(storage: StorageDep, request: Request, now: NowDep) -> Response:
    dashboard_sessions.close(storage, request.cookies.get(COOKIE, ""), now)
    response = RedirectResponse("/dashboard/signin", status_code=303)
    end_session(response)
    return response


@router.get("/password")
def password_form(
    storage: StorageDep,
    request: Request,
    now: NowDep,
    token: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """The page a set-password or reset link opens."""
    live = bool(token) and users.link_is_live(storage, token, now)
    error = None if live else "This link has expired or was used already. Ask for a new one."
    return before_session(
        request, "password.html", status=200 if live else 410, token=token, error=error, live=live
    )


@router.post("/password")
def set_password(
    storage: StorageDep,
    request: Request,
    now: NowDep,
    token: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    confirm: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    try:
        if password != confirm:
            raise InvalidInput("The two passwords differ.")
        users.set_password(storage, token, password, now)
    except (InvalidInput, Unauthorized) as exc:
        live = users.link_is_live(storage, token, now)
        return before_session(
            request, "password.html", status=400, token=token, error=str(exc), live=live
        )
    return RedirectResponse("/dashboard/signin?done=password-set", status_code=303)
