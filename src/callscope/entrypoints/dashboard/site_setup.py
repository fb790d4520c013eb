"""Site setup in the dashboard: the snippet, the site's settings (redaction among them), its
numbers (one or pasted in bulk, a static number's channel, removal), its call flow (the API's
JSON, edited), the account's blocked callers, its webhooks (add, test, recent deliveries) and
its ad spend (CSV upload).
Only owners and admins (and admin API keys) may post; every post carries its CSRF token
(checked for the whole router in `routes.py`). A success redirects (post/redirect/get); a
mistake shows the page again with the message."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import File, Form, Query, Request, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from callscope.domain.errors import Conflict, InvalidInput, NotFound
from callscope.domain.flows import flow_to_dict
from callscope.entrypoints.dashboard import forms, render
from callscope.entrypoints.dashboard.context import site_context
from callscope.entrypoints.dashboard.routes import router
from callscope.entrypoints.dashboard.session import ManagerDep, SignedInDep
from callscope.entrypoints.http import admin
from callscope.entrypoints.http.deps import (
    ItemId,
    NowDep,
    NumberId,
    RoutesDep,
    SettingsDep,
    SiteId,
    StorageDep,
)
from callscope.entrypoints.http.integrations import WebhookIn
from callscope.entrypoints.http.schemas import FlowBody, NumberIn, NumberPatch, SitePatch
from callscope.phone import to_e164
from callscope.services import flows, sites, spend, webhooks
from callscope.services.dashboard_sessions import Viewer
from callscope.services.ports import Storage
from callscope.settings import Settings

MAX_CSV = 5_000_000


def setup_page(
    storage: Storage,
    who: Viewer,
    site_id: int,
    request: Request,
    settings: Settings,
    status: int = 200,
    draft: str | None = None,
    **shown: Any,
) -> Response:
    """The page; `draft` is a flow editor's text shown again with its `flow_error`."""
    context = site_context(storage, who, site_id, request, "setup")
    site = context["site"]
    base = settings.public_url.rstrip("/")
    tag = f'<script src="{base}/snippet.js" data-site="{site.site_key}" async></script>'
    try:
        flow: dict[str, Any] | None = flow_to_dict(
            flows.get_flow(storage, who.account_id, site_id, None)
        )
    except NotFound:
        flow = None
    if draft is None:
        draft = json.dumps(flow or {"targets": [site.forward_to]}, indent=2)
    return render.page(
        "setup.html",
        status=status,
        **context,
        tag=tag,
        numbers=sites.list_numbers(storage, who.account_id, site_id),
        hooks=webhooks.list_endpoints(storage, who.account_id, site_id),
        deliveries=webhooks.list_deliveries(storage, who.account_id, site_id)[:20],
        events=webhooks.EVENTS,
        zones=forms.ZONES,
        flow=flow,
        draft=draft,
        blocked=flows.blocklist(storage, who.account_id),
        done=forms.DONE.get(request.query_params.get("done", "")),
        **shown,
    )


@router.get("/sites/{site_id}/setup")
def setup(
    site_id: SiteId,
    storage: StorageDep,
    who: SignedInDep,
    request: Request,
    settings: SettingsDep,
    done: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    return setup_page(storage, who, site_id, request, settings)


@router.post("/sites/{site_id}/settings")
def save_site(
    site_id: SiteId,
    storage: StorageDep,
    who: ManagerDep,
    request: Request,
    settings: SettingsDep,
    routes: RoutesDep,
    name: forms.Text = "",
    forward_to: forms.Text = "",
    timezone: forms.Text = "UTC",
    allowed_origins: forms.Lines = "",
    replace_numbers: forms.Lines = "",
    redact: forms.Text = "",
) -> Response:
    data = {
        "name": name,
        "forward_to": forward_to,
        "timezone": timezone,
        "allowed_origins": forms.lines_of(allowed_origins),
        "replace_numbers": forms.lines_of(replace_numbers),
        "redact": redact == "on",  # a checkbox: sent only when ticked
    }
    try:
        change = admin.site_change(forms.body_of(SitePatch, data), settings.default_region)
        sites.change_site(storage, who.account_id, site_id, change)
    except (InvalidInput, Conflict) as exc:
        return setup_page(
            storage, who, site_id, request, settings, forms.status_of(exc), error=str(exc)
        )
    routes.forget()
    return forms.done(f"/dashboard/sites/{site_id}/setup", "site-saved")


@router.post("/sites/{site_id}/numbers")
def add_numbers(
    site_id: SiteId,
    storage: StorageDep,
    who: ManagerDep,
    request: Request,
    settings: SettingsDep,
    routes: RoutesDep,
    now: NowDep,
    numbers: forms.Lines = "",
    kind: forms.Text = "pool",
    source: forms.Text = "",
    medium: forms.Text = "",
    campaign: forms.Text = "",
    term: forms.Text = "",
    forward_to: forms.Text = "",
) -> Response:
    """One number, or many pasted one per line (or separated by commas): each is added on its
    own, and the page names every one that was refused and why."""
    sites.get_site(storage, who.account_id, site_id)  # another account's site: 404 first
    channel = forms.channel_fields(source, medium, campaign, term)
    added, refused = 0, []
    for line in forms.lines_of(numbers) or [""]:
        data = {"number": line, "kind": kind, "channel": channel, "forward_to": forward_to or None}
        try:
            draft = admin.number_draft(forms.body_of(NumberIn, data), settings.default_region)
            sites.add_number(storage, who.account_id, site_id, draft, now)
            added += 1
        except (InvalidInput, Conflict) as exc:
            refused.append(f"{line or '(empty)'}: {exc}")
    if added:
        routes.forget()
    if refused:
        note = f"Added {added} number{'s' if added != 1 else ''}." if added else None
        error = "Refused: " + " | ".join(refused)
        return setup_page(storage, who, site_id, request, settings, 400, error=error, notice=note)
    return forms.done(f"/dashboard/sites/{site_id}/setup", "numbers-added")


@router.post("/sites/{site_id}/numbers/{number_id}/channel")
def save_number(
    site_id: SiteId,
    number_id: NumberId,
    storage: StorageDep,
    who: ManagerDep,
    request: Request,
    settings: SettingsDep,
    routes: RoutesDep,
    source: forms.Text = "",
    medium: forms.Text = "",
    campaign: forms.Text = "",
    term: forms.Text = "",
) -> Response:
    """A static number's channel (what a call to it is attributed to)."""
    try:
        body = forms.body_of(
            NumberPatch, {"channel": forms.channel_fields(source, medium, campaign, term)}
        )
        channel = body.channel.to_domain() if body.channel else None
        change = sites.NumberChange(fields=frozenset({"channel"}), channel=channel)
        sites.change_number(storage, who.account_id, site_id, number_id, change)
    except (InvalidInput, Conflict) as exc:
        return setup_page(
            storage, who, site_id, request, settings, forms.status_of(exc), error=str(exc)
        )
    routes.forget()
    return forms.done(f"/dashboard/sites/{site_id}/setup", "number-saved")


@router.post("/sites/{site_id}/numbers/{number_id}/remove")
def remove_number(
    site_id: SiteId, number_id: NumberId, storage: StorageDep, who: ManagerDep, routes: RoutesDep
) -> Response:
    sites.remove_number(storage, who.account_id, site_id, number_id)
    routes.forget()
    return forms.done(f"/dashboard/sites/{site_id}/setup", "number-removed")


@router.post("/sites/{site_id}/flow")
def save_flow(
    site_id: SiteId,
    storage: StorageDep,
    who: ManagerDep,
    request: Request,
    settings: SettingsDep,
    routes: RoutesDep,
    now: NowDep,
    flow: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    """The flow editor: the flow as JSON (the API's form); every problem is shown, nothing is
    stored until it is right."""
    try:
        given = json.loads(flow)
        if not isinstance(given, dict):
            raise InvalidInput('the flow is a JSON object: {"targets": [...], ...}')
        checked = FlowBody.model_validate(given).model_dump(mode="json")
        flows.set_flow(storage, who.account_id, site_id, None, checked, now)
    except (ValueError, InvalidInput) as exc:  # JSON, pydantic and the domain's own rules
        return setup_page(
            storage, who, site_id, request, settings, 400, draft=flow, flow_error=_problem(exc)
        )
    routes.forget()
    return forms.done(f"/dashboard/sites/{site_id}/setup#call-flow", "flow-saved")


@router.post("/sites/{site_id}/blocklist")
def add_block(
    site_id: SiteId,
    storage: StorageDep,
    who: ManagerDep,
    request: Request,
    settings: SettingsDep,
    routes: RoutesDep,
    now: NowDep,
    caller: Annotated[str, Form(max_length=40)] = "",
    reason: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Block a number (+15550100123) or a prefix (+1900*) for every site of the account."""
    sites.get_site(storage, who.account_id, site_id)  # another account's site: 404 first
    text = caller.strip()
    try:
        if text.endswith("*"):
            flows.block(storage, who.account_id, None, text[:-1], reason, now)
        else:
            number = to_e164(text, settings.default_region)
            flows.block(storage, who.account_id, number, None, reason, now)
    except InvalidInput as exc:
        return setup_page(storage, who, site_id, request, settings, 400, error=f"Blocklist: {exc}")
    routes.forget()
    return forms.done(f"/dashboard/sites/{site_id}/setup#blocklist", "caller-blocked")


@router.post("/sites/{site_id}/blocklist/{entry_id}/delete")
def remove_block(
    site_id: SiteId, entry_id: ItemId, storage: StorageDep, who: ManagerDep, routes: RoutesDep
) -> Response:
    sites.get_site(storage, who.account_id, site_id)
    flows.unblock(storage, who.account_id, entry_id)
    routes.forget()
    return forms.done(f"/dashboard/sites/{site_id}/setup#blocklist", "caller-unblocked")


def _problem(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):  # pydantic: one line per field
        return "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', 'invalid')}"
            for e in errors()
        )
    return str(exc)


@router.post("/sites/{site_id}/webhooks")
def add_webhook(
    site_id: SiteId,
    storage: StorageDep,
    who: ManagerDep,
    request: Request,
    settings: SettingsDep,
    now: NowDep,
    url: forms.Text = "",
    events: Annotated[list[str] | None, Form(max_length=10)] = None,
) -> Response:
    """A new endpoint; its signing secret is shown on this page only."""
    try:
        body = forms.body_of(WebhookIn, {"url": url, "events": events or list(webhooks.EVENTS)})
        endpoint = webhooks.add_endpoint(
            storage, who.account_id, site_id, body.url, tuple(body.events), now
        )
    except (InvalidInput, Conflict) as exc:
        return setup_page(
            storage, who, site_id, request, settings, forms.status_of(exc), error=str(exc)
        )
    note = "Webhook added. Its signing secret is shown once: keep it to check signatures."
    return setup_page(
        storage, who, site_id, request, settings, 201, notice=note, secret=endpoint.secret
    )


@router.post("/sites/{site_id}/webhooks/{endpoint_id}/test")
def test_webhook(
    site_id: SiteId, endpoint_id: ItemId, storage: StorageDep, who: ManagerDep, now: NowDep
) -> Response:
    webhooks.send_test(storage, who.account_id, site_id, endpoint_id, now)
    return forms.done(f"/dashboard/sites/{site_id}/setup", "webhook-test")


@router.post("/sites/{site_id}/webhooks/{endpoint_id}/remove")
def remove_webhook(
    site_id: SiteId, endpoint_id: ItemId, storage: StorageDep, who: ManagerDep, now: NowDep
) -> Response:
    webhooks.remove_endpoint(storage, who.account_id, site_id, endpoint_id, now)
    return forms.done(f"/dashboard/sites/{site_id}/setup", "webhook-removed")


@router.post("/sites/{site_id}/spend")
async def upload_spend(
    site_id: SiteId,
    storage: StorageDep,
    who: ManagerDep,
    request: Request,
    settings: SettingsDep,
    now: NowDep,
    csv_file: Annotated[UploadFile | None, File()] = None,
    csv_text: forms.Lines = "",
) -> Response:
    """Ad spend as CSV (a file, or pasted): the same format and rules as POST /v1/spend/import."""
    text = csv_text
    if csv_file is not None and csv_file.filename:
        raw = await csv_file.read(MAX_CSV + 1)
        text = raw.decode("utf-8-sig", errors="replace") if len(raw) <= MAX_CSV else ""
    try:
        if not text.strip():
            raise InvalidInput("choose a CSV file (at most 5 MB) or paste its lines")
        stored = await run_in_threadpool(
            spend.import_spend_csv, storage, who.account_id, site_id, text, now
        )
    except (InvalidInput, Conflict) as exc:
        return await run_in_threadpool(
            setup_page,
            storage,
            who,
            site_id,
            request,
            settings,
            forms.status_of(exc),
            error=str(exc),
        )
    return forms.done(f"/dashboard/sites/{site_id}/setup", f"spend-{min(stored, 1)}")
