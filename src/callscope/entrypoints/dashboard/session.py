"""Dashboard sign-in, sessions and CSRF.

The session cookie holds a random id (its SHA-256 is all the server keeps): HttpOnly,
SameSite=Lax, Secure over https, scoped to /dashboard; a new id at every sign-in, so a cookie
planted beforehand is never adopted (no fixation). Every POST under /dashboard carries a CSRF
token: the session's own, or before sign-in one from a cookie of its own (double submit)."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated, Any

from fastapi import Depends, Request, Response

from callscope.domain.errors import NotFound
from callscope.entrypoints.dashboard import render
from callscope.entrypoints.http.deps import NowDep, StorageDep
from callscope.services import dashboard_sessions
from callscope.services.dashboard_sessions import LIFETIME, Viewer

COOKIE = "callscope_session"
CSRF_COOKIE = "callscope_csrf"
CSRF_FIELD = "csrf_token"
# Forms posted before there is a session: their token is the pre-session cookie's.
BEFORE_SESSION = ("/dashboard/signin", "/dashboard/password")


class SignInRequired(Exception):
    """A dashboard page was asked for without a valid session: the answer is the sign-in page."""


class CsrfRefused(Exception):
    """A form arrived without the token of the session (or page) it came from."""


class ReadOnly(Exception):
    """A viewer whose role only looks (analyst, read key) posted a change: 403."""


def start_session(response: Response, token: str, secure: bool) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/dashboard",
    )


def end_session(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/dashboard")


def before_session(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    """A sign-in or password page, its form carrying the pre-session CSRF token (the cookie's,
    made here when the browser has none)."""
    token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = render.page(name, status=status, csrf=token, **context)
    secure = request.url.scheme == "https"
    response.set_cookie(
        CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/dashboard"
    )
    return response


def current(storage: StorageDep, request: Request, now: NowDep) -> Viewer | None:
    """Who the request's session cookie belongs to (looked up once per request)."""
    if not hasattr(request.state, "viewer"):
        token = request.cookies.get(COOKIE, "")
        request.state.viewer = dashboard_sessions.viewer(storage, token, now)
    found: Viewer | None = request.state.viewer
    return found


def require_session(viewer: Annotated[Viewer | None, Depends(current)]) -> Viewer:
    """The signed-in viewer, else SignInRequired (a redirect to the sign-in form)."""
    if viewer is None:
        raise SignInRequired
    return viewer


def require_manager(viewer: Annotated[Viewer, Depends(require_session)]) -> Viewer:
    """A viewer who may change things (owner, admin, or an admin API key); else 403."""
    if not viewer.manages:
        raise ReadOnly
    return viewer


def require_whole_account(viewer: Annotated[Viewer, Depends(require_session)]) -> Viewer:
    """Account-wide pages (keys, people, workspaces, a new site) are not there for a person
    granted only some client workspaces (404, as for anything else outside them)."""
    if not viewer.whole_account:
        raise NotFound("not found")
    return viewer


def require_account_manager(viewer: Annotated[Viewer, Depends(require_manager)]) -> Viewer:
    return require_whole_account(viewer)


SignedInDep = Annotated[Viewer, Depends(require_session)]
ManagerDep = Annotated[Viewer, Depends(require_manager)]
AccountViewerDep = Annotated[Viewer, Depends(require_whole_account)]
AccountManagerDep = Annotated[Viewer, Depends(require_account_manager)]


def check_site_access(
    storage: StorageDep, request: Request, viewer: Annotated[Viewer | None, Depends(current)]
) -> None:
    """Every route about one site: a viewer granted only some workspaces gets 404 for the
    account's other sites, whatever the page or form (one check for the whole router)."""
    raw = request.path_params.get("site_id")
    if viewer is None or viewer.whole_account or raw is None or not str(raw).isdigit():
        return
    with storage.read() as uow:
        site = uow.sites.get(int(raw))
    if site is not None and not viewer.sees(site):
        raise NotFound(f"no site {raw}")


async def check_csrf(request: Request, viewer: Annotated[Viewer | None, Depends(current)]) -> None:
    """Every POST under /dashboard: the form's token must equal the session's (or, before
    sign-in, the page's cookie), compared in constant time; else CsrfRefused (403)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    form = await request.form()
    given = str(form.get(CSRF_FIELD) or "")
    if request.url.path in BEFORE_SESSION:
        expected = request.cookies.get(CSRF_COOKIE, "")
    else:
        expected = viewer.csrf if viewer else ""
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        raise CsrfRefused
