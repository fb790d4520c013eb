"""The reports API: calls, visits and cost per source, medium, campaign, term, landing page,
local day or week; and usage per month."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query

from callscope.domain.credit import Model
from callscope.domain.reporting import Grouping
from callscope.entrypoints.http.deps import (
    NowDep,
    PeriodDep,
    PrincipalDep,
    QualifiedSecondsDep,
    ReportStorageDep,
    SiteParam,
)
from callscope.services import reports, sites
from callscope.services.reports import CreditReport, Report, ReportQuery

router = APIRouter(tags=["reports"])


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
    storage: ReportStorageDep,
    principal: PrincipalDep,
    now: NowDep,
    chosen: PeriodDep,
    default_seconds: QualifiedSecondsDep,
    by: Grouping = Grouping.SOURCE,
    qualified_seconds: Annotated[int | None, Query(ge=0, le=86_400)] = None,
    model: Annotated[
        Model,
        Query(
            description="how a lead's credit is shared among its visitor's touches; "
            "first_touch (the default) counts calls by the channel of their visit's first "
            "touch; the others credit every lead (call, form, text) fractionally and need a "
            "channel grouping"
        ),
    ] = Model.FIRST_TOUCH,
) -> dict[str, object]:
    owned, start, end = chosen.in_site_zone(storage, principal, now)
    seconds = default_seconds if qualified_seconds is None else qualified_seconds
    query = ReportQuery(owned.id, start, end, by, seconds)
    if model is not Model.FIRST_TOUCH:
        found = reports.build_credit_report(storage, principal.account_id, query, model)
        return credit_report_out(found)
    return report_out(reports.build_report(storage, principal.account_id, query))


def credit_report_out(report: CreditReport) -> dict[str, object]:
    q, by = report.query, report.query.by
    return {
        "site": report.site.id,
        "from": q.start.isoformat(),
        "to": q.end.isoformat(),
        "by": by,
        "model": report.model.value,
        "timezone": report.site.timezone,
        "currency": report.currency,
        "rows": [{by: row.group, **asdict(row)} for row in report.rows],
        "totals": {k: v for k, v in asdict(report.totals).items() if k != "group"},
    }


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
