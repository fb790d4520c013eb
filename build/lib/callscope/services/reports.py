"""The marketer's answers: calls, visits and cost per channel, landing page, local day or
week; calls over time for the chart; usage per month; and the call log."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from callscope.adapters.repositories.reports import (
    GROUPS,
    CallFact,
    CallFigures,
    CallFilter,
    figures_of,
)
from callscope.adapters.repositories.rollups import CallTally
from callscope.adapters.storage import Storage
from callscope.adapters.unit_of_work import UnitOfWork
from callscope.domain.calls import Call
from callscope.domain.errors import InvalidInput
from callscope.domain.sites import Site
from callscope.services.sites import owned_site

# Google Ads counts a call as a conversion from 60 s on; the setting overrides this default.
QUALIFIED_SECONDS = 60
TIME_GROUPS = ("day", "week")
BY = (*GROUPS, "landing_page", *TIME_GROUPS)
EMPTY = CallFigures(0, 0, 0, 0, 0, 0, 0.0, 0)


@dataclass(frozen=True)
class ReportQuery:
    site_id: int
    start: datetime
    end: datetime
    by: str = "source"
    qualified_seconds: int = QUALIFIED_SECONDS
    # Compute from the raw calls and visits even when the daily rollups could answer.
    raw: bool = False


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
    qualified_calls: int = 0
    cost: float | None = None
    cost_per_call: float | None = None
    cost_per_first_time_caller: float | None = None
    cost_per_qualified_call: float | None = None


@dataclass(frozen=True)
class Report:
    site: Site
    query: ReportQuery
    rows: list[ChannelRow]
    totals: ChannelRow
    currency: str | None


def build_report(storage: Storage, account_id: int, q: ReportQuery) -> Report:
    _check(q)
    with storage.read() as uow:
        site = owned_site(uow, account_id, q.site_id)
        zone = site_zone(site)
        days = _rollup_days(q, zone)
        if days is None:
            calls, visits, only_calls, only_visits = _from_raw(uow, site.id, q, zone)
        else:
            calls, visits, only_calls, only_visits = _from_rollups(uow, site.id, q.by, *days)
        costs, total_cost, currency = _costs(uow, site.id, q, zone)
    groups = _order(q, zone, calls, visits)
    rows = [_row(g, calls.get(g, EMPTY), visits.get(g, 0), costs.get(g)) for g in groups]
    totals = _row(None, only_calls, only_visits, total_cost)
    return Report(site, q, rows, totals, currency)


Figures = tuple[dict[str | None, CallFigures], dict[str | None, int], CallFigures, int]


def _rollup_days(q: ReportQuery, zone: ZoneInfo) -> tuple[date, date] | None:
    """The local days [first, last] when the daily rollups can answer `q` exactly: a channel
    grouping over whole local days at the default qualified threshold."""
    if q.raw or q.by not in GROUPS or q.qualified_seconds != QUALIFIED_SECONDS:
        return None
    start, end = q.start.astimezone(zone), q.end.astimezone(zone)
    if start.time() != time() or end.time() != time():
        return None
    return start.date(), end.date() - timedelta(days=1)


def _from_rollups(uow: UnitOfWork, site_id: int, by: str, first: date, last: date) -> Figures:
    calls = _rolled_figures(uow, site_id, by, first, last)
    visits = {v or None: n for v, n in uow.rollups.visit_counts(site_id, by, first, last).items()}
    total = _rolled_figures(uow, site_id, "site", first, last).get(None, EMPTY)
    # Every visit has a source: the site's visits are the sum over sources.
    sources = visits if by == "source" else uow.rollups.visit_counts(site_id, "source", first, last)
    return calls, visits, total, sum(sources.values())


def _rolled_figures(
    uow: UnitOfWork, site_id: int, dimension: str, first: date, last: date
) -> dict[str | None, CallFigures]:
    tallies = uow.rollups.call_tallies(site_id, dimension, first, last)
    callers = uow.rollups.unique_callers(site_id, dimension, first, last)
    return {v or None: _figures_of_tally(t, callers.get(v, 0)) for v, t in tallies.items()}


def _figures_of_tally(t: CallTally, unique_callers: int) -> CallFigures:
    return CallFigures(
        calls=t.calls,
        unique_callers=unique_callers,
        first_time_callers=t.first_time,
        answered=t.answered,
        missed=t.missed,
        total_duration=t.duration_sum,
        mean_confidence=t.confidence_sum / t.calls,
        qualified=t.qualified,
    )


def _from_raw(uow: UnitOfWork, site_id: int, q: ReportQuery, zone: ZoneInfo) -> Figures:
    calls, visits = _grouped(uow, site_id, q, zone)
    every = uow.reports.call_figures(site_id, q.start, q.end, "site_id", q.qualified_seconds)
    seen = uow.reports.visit_counts(site_id, q.start, q.end, "site_id")
    # Grouped by the site itself: one row, or none in an empty period.
    return calls, visits, next(iter(every.values()), EMPTY), sum(seen.values())


def channel_report(
    storage: Storage, account_id: int, site_id: int, start: datetime, end: datetime, by: str
) -> list[ChannelRow]:
    return build_report(storage, account_id, ReportQuery(site_id, start, end, by)).rows


def call_log(storage: Storage, account_id: int, query: CallFilter) -> list[Call]:
    with storage.read() as uow:
        owned_site(uow, account_id, query.site_id)
        return uow.reports.call_log(query)


def site_zone(site: Site) -> ZoneInfo:
    """The site's time zone; an unknown name reads as UTC rather than failing every report."""
    try:
        return ZoneInfo(site.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def bucket(moment: datetime, by: str, zone: ZoneInfo) -> str:
    """The local day (or the Monday of the local week) `moment` falls in, as YYYY-MM-DD."""
    day = moment.astimezone(zone).date()
    if by == "week":
        day -= timedelta(days=day.weekday())
    return day.isoformat()


def landing_page(url: str | None) -> str | None:
    """host/path of a landing URL: query strings (utm tags, click ids) would split one page
    into as many rows as there were clicks."""
    if not url:
        return None
    parts = urlsplit(url)
    return (parts.hostname or "").removeprefix("www.") + (parts.path or "/")


def local_days(start: datetime, end: datetime, zone: ZoneInfo) -> tuple[date, date]:
    """The local days [first, until) whose midnight lies in [start, end): the days whose
    spend belongs to the period."""
    return _ceil_day(start, zone), _ceil_day(end, zone)


def _ceil_day(moment: datetime, zone: ZoneInfo) -> date:
    local = moment.astimezone(zone)
    return local.date() if local.time() == time() else local.date() + timedelta(days=1)


def _check(q: ReportQuery) -> None:
    if q.by not in BY:
        raise InvalidInput(f"by must be one of {', '.join(BY)}")
    if q.end <= q.start:
        raise InvalidInput("'to' must be after 'from'")
    if not 0 <= q.qualified_seconds <= 86_400:
        raise InvalidInput("qualified_seconds must be between 0 and 86400")


def _grouped(
    uow: UnitOfWork, site_id: int, q: ReportQuery, zone: ZoneInfo
) -> tuple[dict[str | None, CallFigures], dict[str | None, int]]:
    if q.by in GROUPS:
        calls = uow.reports.call_figures(site_id, q.start, q.end, q.by, q.qualified_seconds)
        return calls, uow.reports.visit_counts(site_id, q.start, q.end, q.by)
    # Local days and landing pages have no portable SQL form: group fetched facts instead.
    facts: dict[str | None, list[CallFact]] = defaultdict(list)
    for fact in uow.reports.call_facts(site_id, q.start, q.end):
        facts[_key(q.by, fact.started_at, fact.landing_url, zone)].append(fact)
    visits = Counter(
        _key(q.by, started, url, zone)
        for started, url in uow.reports.visit_facts(site_id, q.start, q.end)
    )
    return {k: figures_of(v, q.qualified_seconds) for k, v in facts.items()}, dict(visits)


def _key(by: str, started: datetime, url: str | None, zone: ZoneInfo) -> str | None:
    return landing_page(url) if by == "landing_page" else bucket(started, by, zone)


def _costs(
    uow: UnitOfWork, site_id: int, q: ReportQuery, zone: ZoneInfo
) -> tuple[dict[str | None, int], int | None, str | None]:
    """Cents per group, the period's total (None when no spend was ever imported), currency."""
    repo = uow.spend
    currencies = repo.currencies(site_id)
    if not currencies:
        return {}, None, None
    first, until = local_days(q.start, q.end, zone)
    daily = repo.daily(site_id, first, until)
    total = sum(daily.values())
    if q.by in GROUPS:
        return repo.totals(site_id, first, until, q.by), total, min(currencies)
    if q.by in TIME_GROUPS:
        per: dict[str | None, int] = defaultdict(int)
        for day, cents in daily.items():
            per[_day_key(day, q.by)] += cents
        return dict(per), total, min(currencies)
    return {}, total, min(currencies)  # spend is per channel, not per page


def _day_key(day: date, by: str) -> str:
    return (day - timedelta(days=day.weekday() if by == "week" else 0)).isoformat()


def _order(
    q: ReportQuery,
    zone: ZoneInfo,
    calls: dict[str | None, CallFigures],
    seen: dict[str | None, int],
) -> list[str | None]:
    if q.by in TIME_GROUPS:
        # Every day or week of the period, quiet ones too: a chart needs its gaps.
        last = (q.end - timedelta(microseconds=1)).astimezone(zone).date()
        day = q.start.astimezone(zone).date()
        keys: dict[str | None, None] = {}
        while day <= last:
            keys[_day_key(day, q.by)] = None
            day += timedelta(days=1)
        return list(keys)
    groups = {*calls, *seen}
    return sorted(groups, key=lambda g: (-calls.get(g, EMPTY).calls, -seen.get(g, 0), g or ""))


def _row(group: str | None, f: CallFigures, seen: int, cents: int | None) -> ChannelRow:
    cost = None if cents is None else cents / 100
    return ChannelRow(
        group=group,
        visits=seen,
        calls=f.calls,
        unique_callers=f.unique_callers,
        first_time_callers=f.first_time_callers,
        answered=f.answered,
        missed=f.missed,
        avg_duration=round(f.total_duration / f.answered, 1) if f.answered else None,
        calls_per_100_visits=round(100 * f.calls / seen, 2) if seen else None,
        mean_confidence=round(f.mean_confidence, 3) if f.calls else None,
        qualified_calls=f.qualified,
        cost=cost,
        cost_per_call=_per(cost, f.calls),
        cost_per_first_time_caller=_per(cost, f.first_time_callers),
        cost_per_qualified_call=_per(cost, f.qualified),
    )


def _per(cost: float | None, count: int) -> float | None:
    return round(cost / count, 2) if cost is not None and count else None


@dataclass(frozen=True)
class CallSeries:
    """Calls per local day for the busiest sources (the rest summed as "other")."""

    days: list[str]
    series: dict[str, list[int]]


def call_series(
    storage: Storage, account_id: int, site_id: int, start: datetime, end: datetime, top: int = 5
) -> CallSeries:
    with storage.read() as uow:
        site = owned_site(uow, account_id, site_id)
        facts = uow.reports.call_facts(site.id, start, end)
    zone = site_zone(site)
    days = _order(ReportQuery(site_id, start, end, "day"), zone, {}, {})
    return CallSeries([d or "" for d in days], _series(facts, days, zone, top))


def _series(
    facts: Iterable[CallFact], days: list[str | None], zone: ZoneInfo, top: int
) -> dict[str, list[int]]:
    facts = list(facts)
    leaders = [s for s, _ in Counter(f.source or "(unattributed)" for f in facts).most_common(top)]
    index = {day: i for i, day in enumerate(days)}
    series = {name: [0] * len(days) for name in [*leaders, "other"]}
    for f in facts:
        name = f.source or "(unattributed)"
        series[name if name in leaders else "other"][index[bucket(f.started_at, "day", zone)]] += 1
    return {name: counts for name, counts in series.items() if any(counts)}


@dataclass(frozen=True)
class MonthUsage:
    month: str
    visits: int
    calls: int


def usage(
    storage: Storage, account_id: int, site_id: int, months: int, now: datetime
) -> list[MonthUsage]:
    """Visits and calls per local calendar month, latest last: operators price by these."""
    with storage.read() as uow:
        site = owned_site(uow, account_id, site_id)
        zone = site_zone(site)
        out = []
        for first, until in _months(now, zone, months):
            start, end = _midnight(first, zone), _midnight(until, zone)
            visits = uow.visits.count(site.id, start, end)
            out.append(
                MonthUsage(
                    first.strftime("%Y-%m"), visits, uow.reports.count_calls(site.id, start, end)
                )
            )
    return out


def _months(now: datetime, zone: ZoneInfo, count: int) -> list[tuple[date, date]]:
    first = now.astimezone(zone).date().replace(day=1)
    spans = []
    for _ in range(count):
        following = (first + timedelta(days=32)).replace(day=1)
        spans.append((first, following))
        first = (first - timedelta(days=1)).replace(day=1)
    return spans[::-1]


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone)
