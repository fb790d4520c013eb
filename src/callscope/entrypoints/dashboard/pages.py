"""Dashboard routes: sign-in, overview, call log, leads inbox, pool and site setup. Each page
asks the services the HTTP API uses, so its figures are the API's figures."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timedelta
from importlib import resources
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from callscope.domain.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from callscope.domain.flows import flow_to_dict
from callscope.domain.leads import LeadChange, LeadStatus
from callscope.domain.reporting import BREAKDOWNS, CallFilter, Grouping
from callscope.domain.sites import Site
from callscope.entrypoints.dashboard import charts, render
from callscope.entrypoints.dashboard.session import (
    SignedInDep,
    SignInRequired,
    sign_in,
    sign_out,
)
from callscope.entrypoints.http.deps import NowDep, ReportStorageDep, SettingsDep, StorageDep
from callscope.entrypoints.http.periods import period
from callscope.entrypoints.http.schemas import FlowBody
from callscope.phone import to_e164
from callscope.services import calls, exports, flows, insights, leads, reports, sites, webhooks
from callscope.services import pool as pool_service
from callscope.services.accounts import Principal
from callscope.services.reports import ReportQuery

router = APIRouter(prefix="/dashboard", tags=["dashboard"], include_in_schema=False)
SORTABLE = (
    "group",
    "visits",
    "calls",
    "unique_callers",
    "first_time_callers",
    "answered",
    "missed",
    "qualified_calls",
    "avg_duration",
    "calls_per_100_visits",
    "mean_confidence",
    "cost",
    "cost_per_call",
    "cost_per_first_time_caller",
)


def _to_signin() -> RedirectResponse:
    return RedirectResponse("/dashboard/signin", status_code=303)


def install(app: FastAPI) -> None:
    """Pages asked for without a session answer with the sign-in form."""
    app.add_exception_handler(SignInRequired, _sign_in_first)


async def _sign_in_first(_request: Request, _exc: Exception) -> Response:
    return _to_signin()


def page_context(
    storage: Any, who: Principal, site_id: int, request: Request, tab: str
) -> dict[str, Any]:
    site = sites.get_site(storage, who.account_id, site_id)
    return {
        "site": site,
        "zone": reports.site_zone(site),
        "sites": sites.list_sites(storage, who.account_id),
        "tab": tab,
        "path": request.url.path,
    }


def _days(days: int, now: datetime, site: Site) -> tuple[datetime, datetime]:
    today = now.astimezone(reports.site_zone(site)).date()
    first = (today - timedelta(days=days - 1)).isoformat()
    return period(first, today.isoformat(), now, reports.site_zone(site))


@router.get("")
def home(storage: StorageDep, who: SignedInDep) -> Response:
    owned = sites.list_sites(storage, who.account_id)
    if not owned:
        return render.page("empty.html", sites=[], site=None, tab="")
    return RedirectResponse(f"/dashboard/sites/{owned[0].id}", status_code=303)


@router.get("/signin")
def signin_form() -> Response:
    return render.page("signin.html", error=None)


@router.post("/signin")
def signin(
    storage: StorageDep, request: Request, now: NowDep, api_key: Annotated[str, Form()] = ""
) -> Response:
    response = RedirectResponse("/dashboard", status_code=303)
    try:
        sign_in(storage, api_key, now, response, secure=request.url.scheme == "https")
    except Unauthorized:
        return render.page("signin.html", status=401, error="That API key is not valid.")
    return response


@router.post("/signout")
def signout() -> Response:
    response = _to_signin()
    sign_out(response)
    return response


@router.get("/static/dashboard.css")
def stylesheet() -> Response:
    css = resources.files("callscope.entrypoints.dashboard").joinpath("static/dashboard.css")
    headers = {"Cache-Control": "public, max-age=300"}
    return Response(css.read_bytes(), media_type="text/css", headers=headers)


@router.get("/sites/{site_id}")
def overview(
    site_id: int,
    storage: StorageDep,
    who: SignedInDep,
    reads: ReportStorageDep,
    request: Request,
    settings: SettingsDep,
    now: NowDep,
    days: Annotated[int, Query(ge=1, le=366)] = 7,
    by: Grouping = Grouping.SOURCE,
    sort: str = "calls",
    desc: bool = True,
) -> Response:
    context = page_context(storage, who, site_id, request, "overview")
    start, end = _days(days, now, context["site"])
    seconds = settings.qualified_seconds
    report = reports.build_report(
        reads, who.account_id, ReportQuery(site_id, start, end, by, seconds)
    )
    key = sort if sort in SORTABLE else "calls"
    rows = sorted(report.rows, key=lambda r: _sort_key(asdict(r)[key]), reverse=desc)
    series = reports.call_series(reads, who.account_id, site_id, start, end)
    chart = charts.stacked_bars(series.days, series.series, "Calls by channel per day")
    return render.page(
        "overview.html",
        **context,
        report=report,
        rows=rows,
        chart=chart,
        legend=charts.legend(list(series.series)),
        days=days,
        by=by.value,
        groupings=BREAKDOWNS,
        sort=key,
        desc=desc,
        start=start,
        last=end - timedelta(microseconds=1),
    )


def _sort_key(value: Any) -> tuple[int, Any]:
    # Empty cells (no cost, no visits) sort below every figure in either direction.
    return (0, "") if value is None else (1, value)


@router.get("/sites/{site_id}/calls")
def call_log(
    site_id: int,
    storage: StorageDep,
    who: SignedInDep,
    reads: ReportStorageDep,
    request: Request,
    now: NowDep,
    days: Annotated[int, Query(ge=1, le=366)] = 7,
    status: str = "",
    first_time: str = "",
    source: str = "",
) -> Response:
    context = page_context(storage, who, site_id, request, "calls")
    start, end = _days(days, now, context["site"])
    query = CallFilter(
        site_id,
        start,
        end,
        status or None,
        {"yes": True, "no": False}.get(first_time),
        source or None,
        limit=500,
    )
    found = reports.call_log(reads, who.account_id, query)
    scored = insights.insights_for(reads, found)
    filters = {"days": days, "status": status, "first_time": first_time, "source": source}
    return render.page("calls.html", **context, calls=found, filters=filters, scored=scored)


@router.get("/sites/{site_id}/pool")
def pool(
    site_id: int,
    storage: StorageDep,
    who: SignedInDep,
    reads: ReportStorageDep,
    request: Request,
    settings: SettingsDep,
    now: NowDep,
) -> Response:
    context = page_context(storage, who, site_id, request, "pool")
    start = (now - timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
    grace = settings.lease_seconds / 60
    usage = pool_service.pool_usage(reads, who.account_id, site_id, start, now, grace)
    labels = [
        charts.short_day(h.astimezone(context["zone"]).date().isoformat()) for h in usage.hours
    ]
    chart = charts.line(labels, usage.held, usage.pool_size or None, "Pool numbers held per hour")
    peak = max(usage.held, default=0.0)
    return render.page("pool.html", **context, usage=usage, chart=chart, peak=peak)


@router.get("/sites/{site_id}/setup")
def setup(
    site_id: int,
    storage: StorageDep,
    who: SignedInDep,
    request: Request,
    settings: SettingsDep,
) -> Response:
    return _setup_page(storage, who, site_id, request, settings)


def _setup_page(
    storage: Any,
    who: Principal,
    site_id: int,
    request: Request,
    settings: Any,
    error: str | None = None,
    draft: str | None = None,
) -> Response:
    context = page_context(storage, who, site_id, request, "setup")
    base = settings.public_url.rstrip("/")
    tag = f'<script src="{base}/snippet.js" data-site="{context["site"].site_key}" async></script>'
    numbers = sites.list_numbers(storage, who.account_id, site_id)
    hooks = webhooks.list_endpoints(storage, who.account_id, site_id)
    try:
        flow: dict[str, Any] | None = flow_to_dict(
            flows.get_flow(storage, who.account_id, site_id, None)
        )
    except NotFound:
        flow = None
    if draft is None:
        draft = json.dumps(flow or {"targets": [context["site"].forward_to]}, indent=2)
    blocked = flows.blocklist(storage, who.account_id)
    return render.page(
        "setup.html",
        status=400 if error else 200,
        **context,
        numbers=numbers,
        tag=tag,
        hooks=hooks,
        flow=flow,
        draft=draft,
        flow_error=error,
        blocked=blocked,
    )


@router.post("/sites/{site_id}/flow")
def save_flow(
    site_id: int,
    storage: StorageDep,
    who: SignedInDep,
    request: Request,
    settings: SettingsDep,
    now: NowDep,
    flow: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    """The flow editor: the flow as JSON (the API's form); every problem is shown, nothing is
    stored until it is right."""
    who.require_admin()
    try:
        given = json.loads(flow)
        if not isinstance(given, dict):
            raise InvalidInput('the flow is a JSON object: {"targets": [...], ...}')
        checked = FlowBody.model_validate(given).model_dump(mode="json")
        flows.set_flow(storage, who.account_id, site_id, None, checked, now)
    except (ValueError, InvalidInput) as exc:  # JSON, pydantic and the domain's own rules
        return _setup_page(storage, who, site_id, request, settings, _problem(exc), flow)
    request.app.state.routes.forget()
    return RedirectResponse(f"/dashboard/sites/{site_id}/setup#call-flow", status_code=303)


@router.post("/sites/{site_id}/blocklist")
def add_block(
    site_id: int,
    storage: StorageDep,
    who: SignedInDep,
    request: Request,
    settings: SettingsDep,
    now: NowDep,
    caller: Annotated[str, Form(max_length=40)] = "",
    reason: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Block a number (+15550100123) or a prefix (+1900*) for every site of the account."""
    who.require_admin()
    sites.get_site(storage, who.account_id, site_id)
    text = caller.strip()
    try:
        if text.endswith("*"):
            flows.block(storage, who.account_id, None, text[:-1], reason, now)
        else:
            number = to_e164(text, settings.default_region)
            flows.block(storage, who.account_id, number, None, reason, now)
    except InvalidInput as exc:
        return _setup_page(storage, who, site_id, request, settings, f"Blocklist: {exc}")
    request.app.state.routes.forget()
    return RedirectResponse(f"/dashboard/sites/{site_id}/setup#blocklist", status_code=303)


@router.post("/sites/{site_id}/blocklist/{entry_id}/delete")
def remove_block(
    site_id: int, entry_id: int, storage: StorageDep, who: SignedInDep, request: Request
) -> Response:
    who.require_admin()
    sites.get_site(storage, who.account_id, site_id)
    flows.unblock(storage, who.account_id, entry_id)
    request.app.state.routes.forget()
    return RedirectResponse(f"/dashboard/sites/{site_id}/setup#blocklist", status_code=303)


@router.post("/sites/{site_id}/calls/{call_id}/spam")
def mark_spam(
    site_id: int,
    call_id: str,
    storage: StorageDep,
    who: SignedInDep,
    request: Request,
    now: NowDep,
) -> Response:
    """ "Mark as spam" in the call log: the call leaves the reports, its caller is blocked."""
    who.require_admin()
    sites.get_site(storage, who.account_id, site_id)
    calls.mark_spam(storage, who.account_id, call_id[:128], "marked in the dashboard", now)
    request.app.state.routes.forget()
    return RedirectResponse(f"/dashboard/sites/{site_id}/calls?status=spam", status_code=303)


def _problem(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):  # pydantic: one line per field
        return "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', 'invalid')}"
            for e in errors()
        )
    return str(exc)


@router.get("/sites/{site_id}/export/{kind}")
def export(
    site_id: int,
    kind: Literal["calls.csv", "report.csv", "google-ads.csv"],
    storage: StorageDep,
    who: SignedInDep,
    reads: ReportStorageDep,
    now: NowDep,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
    by: Grouping = Grouping.SOURCE,
) -> Response:
    site = sites.get_site(storage, who.account_id, site_id)
    start, end = _days(days, now, site)
    text = exports.export_csv(reads, who.account_id, site_id, kind, start, end, by)
    headers = {"Content-Disposition": f'attachment; filename="{site.site_key}-{kind}"'}
    return Response(text, media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/sites/{site_id}/leads")
def lead_inbox(
    site_id: int,
    storage: StorageDep,
    who: SignedInDep,
    request: Request,
    now: NowDep,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
    status: str = "",
) -> Response:
    context = page_context(storage, who, site_id, request, "leads")
    start, end = _days(days, now, context["site"])
    found = leads.list_leads(storage, who.account_id, site_id, start, end)
    if status:
        found = [lead for lead in found if lead.status.value == status]
    statuses = [s.value for s in LeadStatus]
    return render.page(
        "leads.html", **context, leads=found, days=days, chosen=status, statuses=statuses
    )


@router.post("/sites/{site_id}/leads/{lead_id}")
def triage_lead(
    site_id: int,
    lead_id: str,
    storage: StorageDep,
    who: SignedInDep,
    request: Request,
    now: NowDep,
    status: Annotated[Literal["new", "contacted", "won", "lost"], Form()],
    value: Annotated[str, Form(max_length=20)] = "",
    notes: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """A person's triage from the inbox (same origin only; the session cookie is SameSite)."""
    origin = request.headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
        raise Forbidden("a triage comes from the dashboard itself")
    who.require_admin()
    try:
        amount = float(value.replace(",", "").strip()) if value.strip() else None
    except ValueError as exc:
        raise InvalidInput("value must be a number") from exc
    if amount is not None and not 0 <= amount <= 1_000_000_000:
        raise InvalidInput("value must be between 0 and 1,000,000,000")
    if "\x00" in notes:
        raise InvalidInput("notes hold a character that cannot be stored")
    lead = leads.get_lead(storage, who.account_id, lead_id)
    if lead.site_id != site_id:
        raise NotFound("unknown lead")
    change = LeadChange(
        frozenset({"status", "value", "notes"}),
        LeadStatus(status),
        amount,
        notes.strip() or None,
    )
    leads.change_lead(storage, who.account_id, lead_id, change, now)
    return RedirectResponse(f"/dashboard/sites/{site_id}/leads", status_code=303)
