"""The marketer's answers: calls and visits per channel, and the call log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from callscope.adapters.repositories.reports import GROUPS, CallFilter
from callscope.adapters.storage import Storage
from callscope.domain.calls import Call
from callscope.domain.errors import InvalidInput
from callscope.services.sites import owned_site


@dataclass(frozen=True)
class ChannelRow:
    group: str | None
    visits: int
    calls: int
    unique_callers: int
    first_time_callers: int
    answered: int
    missed: int
    avg_duration: float | None
    calls_per_100_visits: float | None
    mean_confidence: float | None


def channel_report(
    storage: Storage, account_id: int, site_id: int, start: datetime, end: datetime, by: str
) -> list[ChannelRow]:
    if by not in GROUPS:
        raise InvalidInput(f"by must be one of {', '.join(GROUPS)}")
    if end <= start:
        raise InvalidInput("'to' must be after 'from'")
    with storage.read() as uow:
        site = owned_site(uow, account_id, site_id)
        figures = uow.reports.call_figures(site.id, start, end, by)
        visits = uow.reports.visit_counts(site.id, start, end, by)
    table = []
    for group in {*figures, *visits}:
        f = figures.get(group)
        seen = visits.get(group, 0)
        calls = f.calls if f else 0
        table.append(
            ChannelRow(
                group=group,
                visits=seen,
                calls=calls,
                unique_callers=f.unique_callers if f else 0,
                first_time_callers=f.first_time_callers if f else 0,
                answered=f.answered if f else 0,
                missed=f.missed if f else 0,
                avg_duration=round(f.total_duration / f.answered, 1) if f and f.answered else None,
                calls_per_100_visits=round(100 * calls / seen, 2) if seen else None,
                mean_confidence=round(f.mean_confidence, 3) if f else None,
            )
        )
    return sorted(table, key=lambda row: (-row.calls, -row.visits, row.group or ""))


def call_log(storage: Storage, account_id: int, query: CallFilter) -> list[Call]:
    with storage.read() as uow:
        owned_site(uow, account_id, query.site_id)
        return uow.reports.call_log(query)
