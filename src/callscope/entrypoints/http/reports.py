"""The channel report: calls and visits per source, medium, campaign or term."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from callscope.entrypoints.http.deps import NowDep, PrincipalDep, StorageDep
from callscope.entrypoints.http.periods import period
from callscope.services.reports import channel_report

router = APIRouter(tags=["reports"])


@router.get("/v1/reports/channels")
def channels(
    storage: StorageDep,
    principal: PrincipalDep,
    now: NowDep,
    site: int,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
    by: Literal["source", "medium", "campaign", "term"] = "source",
) -> dict[str, object]:
    start, end = period(from_, to, now)
    rows = channel_report(storage, principal.account_id, site, start, end, by)
    return {
        "site": site,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "by": by,
        "rows": [{by: row.group, **asdict(row)} for row in rows],
    }
