"""Dashboard routes: overview, call log (and its Spam button), leads inbox, pool (sign-in in
`account.py`; site setup and its forms, the call flow and blocklist among them, in
`site_setup.py`; one call's page in `call_page.py`; the account's pages in `account_pages.py`,
numbers from Twilio in `buying.py`). Each page asks the services the HTTP API uses, so its
figures are the API's figures. Every POST under /dashboard is CSRF-checked (`check_csrf`,
`routes.py`); those that change something need a managing role (`ManagerDep`)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from importlib import resources
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from callscope.domain.errors import InvalidInput, NotFound
from callscope.domain.leads import LeadChange, LeadStatus
from callscope.domain.reporting import BREAKDOWNS, CallFilter, Grouping
from callscope.domain.sites import Site
from callscope.entrypoints.dashboard import (
    account,
    account_pages,
    buying,
    call_page,
    charts,
    render,
    site_setup,
)
from callscope.entrypoints.dashboard.context import site_context, visible_sites
from callscope.entrypoints.dashboard.routes import router
from callscope.entrypoints.dashboard.session import (
    CsrfRefused,
    ManagerDep,
    ReadOnly,
    SignedInDep,
    SignInRequired,
)
from callscope.entrypoints.http.deps import (
    NowDep,
    ReportStorageDep,
    RoutesDep,
    SettingsDep,
    StorageDep,
)
from callscope.entrypoints.http.periods import period
from callscope.services import calls, exports, insights, leads, reports, sites
from callscope.services import pool as pool_service
from callscope.services.reports import ReportQuery

# These modules add their routes to the one router when imported.
__all__ = ["account", "account_pages", "buying", "call_page", "install", "router", "site_setup"]
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
    """Pages asked for without a session answer with the sign-in form; a form without its
    CSRF token, or a change from a read-only role, with 403."""
    app.add_exception_handler(SignInRequired, _sign_in_first)
    app.add_exception_handler(CsrfRefused, _csrf_refused)
    app.add_exception_handler(ReadOnly, _read_only)


async def _sign_in_first(_request: Request, _exc: Exception) -> Response:
    return _to_signin()


async def _csrf_refused(_request: Request, _exc: Exception) -> Response:
    message = "This form was not sent from the dashboard page it belongs to (its security "
    message += "token is missing or stale). Go back, reload the page and try again."
    return render.page("refused.html", status=403, title="Form refused", message=message)


async def _read_only(_request: Request, _exc: Exception) -> Response:
    message = "Your role can look at everything here but change nothing. Ask an owner or an "
    message += "admin of the account."
    return render.page("refused.html", status=403, title="Read-only", message=message)


_context = site_context


def _days(days: int, now: datetime, site: Site) -> tuple[datetime, datetime]:
    today = now.astimezone(reports.site_zone(site)).date()
    first = (today - timedelta(days=days - 1)).isoformat()
    return period(first, today.isoformat(), now, reports.site_zone(site))


@router.get("")
def home(storage: StorageDep, who: SignedInDep) -> Response:
    owned = visible_sites(storage, who)
    if not owned:
        return render.page("empty.html", sites=[], site=None, tab="", viewer=who)
    return RedirectResponse(f"/dashboard/sites/{owned[0].id}", status_code=303)


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
    context = _context(storage, who, site_id, request, "overview")
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
    context = _context(storage, who, site_id, request, "calls")
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
    context = _context(storage, who, site_id, request, "pool")
    start = (now - timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
    grace = settings.lease_seconds / 60
    usage = pool_service.pool_usage(reads, who.account_id, site_id, start, now, grace)
    labels = [
        charts.short_day(h.astimezone(context["zone"]).date().isoformat()) for h in usage.hours
    ]
    chart = charts.line(labels, usage.held, usage.pool_size or None, "Pool numbers held per hour")
    peak = max(usage.held, default=0.0)
    return render.page("pool.html", **context, usage=usage, chart=chart, peak=peak)


@router.post("/sites/{site_id}/calls/{call_id}/spam")
def mark_spam(
    site_id: int,
    call_id: str,
    storage: StorageDep,
    who: ManagerDep,
    routes: RoutesDep,
    now: NowDep,
) -> Response:
    """ "Mark as spam" in the call log: the call leaves the reports, its caller is blocked."""
    reason = "marked in the dashboard"
    calls.mark_spam(storage, who.account_id, call_id[:128], reason, now, site_id=site_id)
    routes.forget()
    return RedirectResponse(f"/dashboard/sites/{site_id}/calls?status=spam", status_code=303)


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
    context = _context(storage, who, site_id, request, "leads")
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
    who: ManagerDep,
    now: NowDep,
    status: Annotated[Literal["new", "contacted", "won", "lost"], Form()],
    value: Annotated[str, Form(max_length=20)] = "",
    notes: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """A person's triage from the inbox (an owner's or admin's, with the session's CSRF token)."""
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
