"""The account in the dashboard: a new site, API keys (shown once, revocable), people and their
roles, and client workspaces (an agency's clients, each granted to some people).
Only owners and admins (and admin API keys) may post; every post carries its CSRF token
(checked for the whole router in `routes.py`). A success redirects (post/redirect/get); a
mistake shows the page again with the message."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Query, Request, Response

from callscope.domain.errors import Conflict, Forbidden, InvalidInput
from callscope.domain.users import ROLES, Role, role_of
from callscope.entrypoints.dashboard import forms, render
from callscope.entrypoints.dashboard.context import account_context
from callscope.entrypoints.dashboard.routes import router
from callscope.entrypoints.dashboard.session import AccountManagerDep, AccountViewerDep
from callscope.entrypoints.http import admin
from callscope.entrypoints.http.deps import MAX_ID, ItemId, NowDep, SettingsDep, StorageDep
from callscope.entrypoints.http.keys import KeyIn
from callscope.entrypoints.http.schemas import SiteIn
from callscope.services import accounts, sites, users, workspaces
from callscope.services.dashboard_sessions import Viewer
from callscope.services.ports import Storage


@router.get("/new-site")
def new_site_form(storage: StorageDep, who: AccountManagerDep) -> Response:
    return render.page(
        "new_site.html", **account_context(storage, who, "new-site"), zones=forms.ZONES
    )


@router.post("/new-site")
def new_site(
    storage: StorageDep,
    who: AccountManagerDep,
    settings: SettingsDep,
    now: NowDep,
    name: forms.Text = "",
    forward_to: forms.Text = "",
    timezone: forms.Text = "UTC",
    allowed_origins: forms.Lines = "",
) -> Response:
    data = {
        "name": name,
        "forward_to": forward_to,
        "timezone": timezone,
        "allowed_origins": forms.lines_of(allowed_origins),
    }
    try:
        draft = admin.site_draft(forms.body_of(SiteIn, data), settings.default_region)
        site = sites.create_site(storage, who.account_id, draft, now)
    except (InvalidInput, Conflict) as exc:
        context = account_context(storage, who, "new-site")
        return render.page(
            "new_site.html",
            status=forms.status_of(exc),
            **context,
            zones=forms.ZONES,
            error=str(exc),
            form=data,
        )
    return forms.done(f"/dashboard/sites/{site.id}/setup", "site-created")


def keys_page(
    storage: Storage, who: Viewer, request: Request, status: int = 200, **shown: Any
) -> Response:
    return render.page(
        "keys.html",
        status=status,
        **account_context(storage, who, "keys"),
        keys=accounts.list_keys(storage, who.account_id),
        done=forms.DONE.get(request.query_params.get("done", "")),
        **shown,
    )


@router.get("/keys")
def keys(
    storage: StorageDep,
    who: AccountViewerDep,
    request: Request,
    done: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    return keys_page(storage, who, request)


@router.post("/keys")
def create_key(
    storage: StorageDep,
    who: AccountManagerDep,
    request: Request,
    now: NowDep,
    scope: forms.Text = "read",
) -> Response:
    """A new key, shown on this page once (only its hash is stored)."""
    try:
        body = forms.body_of(KeyIn, {"scope": scope})
    except InvalidInput as exc:
        return keys_page(storage, who, request, 400, error=str(exc))
    raw = accounts.create_key(storage, who.account_id, body.scope, now)
    return keys_page(storage, who, request, 201, new_key=raw)


@router.post("/keys/{key_id}/revoke")
def revoke_key(
    key_id: ItemId, storage: StorageDep, who: AccountManagerDep, request: Request, now: NowDep
) -> Response:
    try:
        accounts.revoke_key(storage, who.account_id, key_id, now)
    except Conflict as exc:
        return keys_page(storage, who, request, 409, error=str(exc))
    return forms.done("/dashboard/keys", "key-revoked")


def users_page(
    storage: Storage, who: Viewer, request: Request, status: int = 200, **shown: Any
) -> Response:
    return render.page(
        "users.html",
        status=status,
        **account_context(storage, who, "users"),
        people=users.list_users(storage, who.account_id),
        roles=ROLES,
        done=forms.DONE.get(request.query_params.get("done", "")),
        **shown,
    )


@router.get("/users")
def people(
    storage: StorageDep,
    who: AccountViewerDep,
    request: Request,
    done: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    return users_page(storage, who, request)


def _actor(who: Viewer) -> Role:
    # An admin API key acts as an admin; a person as their role.
    return who.role or Role.ADMIN


@router.post("/users")
def add_person(
    storage: StorageDep,
    who: AccountManagerDep,
    request: Request,
    settings: SettingsDep,
    now: NowDep,
    email: forms.Text = "",
    role: forms.Text = "analyst",
) -> Response:
    """A new person; the page shows once the link that sets their password (valid 7 days)."""
    try:
        user = users.create_user(
            storage, who.account_id, email, role_of(role), now, actor=_actor(who)
        )
    except (InvalidInput, Conflict, Forbidden) as exc:
        return users_page(storage, who, request, forms.status_of(exc), error=str(exc))
    token = users.password_link(storage, user.email, now, users.WELCOME_LIFETIME)
    link = f"{settings.public_url.rstrip('/')}/dashboard/password?token={token}"
    return users_page(storage, who, request, 201, new_user=user, link=link)


@router.post("/users/{user_id}/role")
def set_role(
    user_id: ItemId,
    storage: StorageDep,
    who: AccountManagerDep,
    request: Request,
    now: NowDep,
    role: forms.Text = "",
) -> Response:
    try:
        users.change_role(storage, who.account_id, _actor(who), user_id, role_of(role), now)
    except (InvalidInput, Conflict, Forbidden) as exc:
        return users_page(storage, who, request, forms.status_of(exc), error=str(exc))
    return forms.done("/dashboard/users", "role-saved")


def workspaces_page(
    storage: Storage, who: Viewer, request: Request, status: int = 200, **shown: Any
) -> Response:
    context = account_context(storage, who, "workspaces")
    found = workspaces.list_workspaces(storage, who.account_id)
    people = users.list_users(storage, who.account_id)
    granted = {p.id: workspaces.grants_of(storage, p.id) for p in people}
    return render.page(
        "workspaces.html",
        status=status,
        **context,
        workspaces=found,
        people=people,
        granted=granted,
        done=forms.DONE.get(request.query_params.get("done", "")),
        **shown,
    )


@router.get("/workspaces")
def workspace_list(
    storage: StorageDep,
    who: AccountViewerDep,
    request: Request,
    done: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    return workspaces_page(storage, who, request)


@router.post("/workspaces")
def add_workspace(
    storage: StorageDep,
    who: AccountManagerDep,
    request: Request,
    now: NowDep,
    name: forms.Text = "",
) -> Response:
    try:
        workspaces.create_workspace(storage, who.account_id, name, now)
    except InvalidInput as exc:
        return workspaces_page(storage, who, request, 400, error=str(exc))
    return forms.done("/dashboard/workspaces", "workspace-created")


@router.post("/workspaces/{workspace_id}/sites")
def place_site(
    workspace_id: ItemId,
    storage: StorageDep,
    who: AccountManagerDep,
    site: Annotated[int, Form(ge=1, le=MAX_ID)],
) -> Response:
    """Put one of the account's sites in this workspace."""
    workspaces.place_site(storage, who.account_id, site, workspace_id)
    return forms.done("/dashboard/workspaces", "workspace-saved")


@router.post("/workspaces/{workspace_id}/grants")
def grant_workspace(
    workspace_id: ItemId,
    storage: StorageDep,
    who: AccountManagerDep,
    request: Request,
    email: forms.Text = "",
    allow: forms.Text = "yes",
) -> Response:
    """Grant a person of the account this workspace (allow=no takes it back)."""
    workspaces.grant(storage, who.account_id, workspace_id, email, allow != "no")
    return forms.done("/dashboard/workspaces", "workspace-saved")
