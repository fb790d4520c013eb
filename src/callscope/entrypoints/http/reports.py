"""The reports API: calls, visits and cost per source, medium, campaign, term, landing page,
local day or week; and usage per month."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from callscope.entrypoints.http.deps import NowDep, PrincipalDep, ReportStorageDep, SiteParam
from callscope.entrypoints.http.periods import period
from callscope.services import reports, sites
from callscope.services.reports import Report, ReportQuery

router = APIRouter(tags=["reports"])
By = Literal["source", "medium", "campaign", "term", "landing_page", "day", "week"]


def qualified_default(request: Request) -> int:
    """CALLSCOPE_QUALIFIED_SECONDS (Google Ads counts 60 s by default)."""
    seconds: int = request.app.state.settings.qualified_seconds
    return seconds


def report_out(report: Report) -> dict[str, object]:
    q, by = report.query, report.query.by
    return {
        "site": report.site.id,
        "from": q.start.isoformat(),
        "to": q.end.isoformat(),
        "by": by,
        "timezone": report.site.timezone,
        "qualified_seconds": q.qualified_seconds,
        "currency": report.currency,
        "rows": [{by: row.group, **asdict(row)} for row in report.rows],
        "totals": {k: v for k, v in asdict(report.totals).items() if k != "group"},
    }


@router.get("/v1/reports/channels")
def channels(
    request: Request,
    storage: ReportStorageDep,
    principal: PrincipalDep,
    now: NowDep,
    site: SiteParam,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
    by: By = "source",
    qualified_seconds: Annotated[int | None, Query(ge=0, le=86_400)] = None,
) -> dict[str, object]:
    owned = sites.get_site(storage, principal.account_id, site)
    start, end = period(from_, to, now, reports.site_zone(owned))
    seconds = qualified_default(request) if qualified_seconds is None else qualified_seconds
    query = ReportQuery(site, start, end, by, seconds)
    return report_out(reports.build_report(storage, principal.account_id, query))


@router.get("/v1/reports/usage")
def usage(
    storage: ReportStorageDep,
    principal: PrincipalDep,
    now: NowDep,
    site: SiteParam,
    months: Annotated[int, Query(ge=1, le=36)] = 12,
) -> dict[str, object]:
    found = reports.usage(storage, principal.account_id, site, months, now)
    numbers = sites.list_numbers(storage, principal.account_id, site)
    kinds = {kind: sum(n.kind.value == kind for n in numbers) for kind in ("static", "pool")}
    return {
        "site": site,
        "numbers": {**kinds, "extension": len(numbers) - sum(kinds.values())},
        "months": [asdict(m) for m in found],
    }
