"""The marketer's answers: calls, visits and cost per channel, landing page, local day or
week; calls over time for the chart; usage per month; and the call log."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from callscope.domain.calls import Call
from callscope.domain.channel import Channel, detect_channel
from callscope.domain.credit import Model, credit
from callscope.domain.errors import InvalidInput
from callscope.domain.journey import VISITOR_WINDOW_DAYS
from callscope.domain.leads import Lead, LeadStatus
from callscope.domain.reporting import (
    CHANNEL_GROUPINGS,
    TIME_GROUPINGS,
    CallFact,
    CallFigures,
    CallFilter,
    CallTally,
    Grouping,
    figures_of,
)
from callscope.domain.sites import Site
from callscope.domain.visits import Visit
from callscope.services.ports import Storage, UnitOfWork
from callscope.services.sites import owned_site

# Google Ads counts a call as a conversion from 60 s on; the setting overrides this default.
QUALIFIED_SECONDS = 60
BY = tuple(g.value for g in Grouping)
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
    # With spend imported: the value of the leads won, and return on ad spend (revenue / cost).
    revenue: float | None = None
    roas: float | None = None


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
        won = _revenue(uow, site.id, q) if currency is not None else None
    groups = _order(q, zone, calls, visits)
    rows = [_row(g, calls.get(g, EMPTY), visits.get(g, 0), costs.get(g)) for g in groups]
    totals = _row(None, only_calls, only_visits, total_cost)
    if won is not None:
        rows = [_with_revenue(r, won.get(r.group, 0.0)) for r in rows]
        totals = _with_revenue(totals, sum(won.values()))
    return Report(site, q, rows, totals, currency)


def _revenue(uow: UnitOfWork, site_id: int, q: ReportQuery) -> dict[str | None, float] | None:
    """Won leads' value per channel group (by their visit's channel, as calls are counted)."""
    if q.by not in CHANNEL_GROUPINGS:
        return None
    return uow.leads.won_values(site_id, q.start, q.end, q.by)


def _with_revenue(row: ChannelRow, revenue: float) -> ChannelRow:
    roas = round(revenue / row.cost, 2) if row.cost else None
    return replace(row, revenue=round(revenue, 2), roas=roas)


Figures = tuple[dict[str | None, CallFigures], dict[str | None, int], CallFigures, int]


def _rollup_days(q: ReportQuery, zone: ZoneInfo) -> tuple[date, date] | None:
    """The local days [first, last] when the daily rollups can answer `q` exactly: a channel
    grouping over whole local days at the default qualified threshold."""
    if q.raw or q.by not in CHANNEL_GROUPINGS or q.qualified_seconds != QUALIFIED_SECONDS:
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
    sources = (
        visits
        if by == Grouping.SOURCE
        else uow.rollups.visit_counts(site_id, "source", first, last)
    )
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
    if by == Grouping.WEEK:
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
    if q.by in CHANNEL_GROUPINGS:
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
    return landing_page(url) if by == Grouping.LANDING_PAGE else bucket(started, by, zone)


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
    if q.by in CHANNEL_GROUPINGS:
        return repo.totals(site_id, first, until, q.by), total, min(currencies)
    if q.by in TIME_GROUPINGS:
        per: dict[str | None, int] = defaultdict(int)
        for day, cents in daily.items():
            per[_day_key(day, q.by)] += cents
        return dict(per), total, min(currencies)
    return {}, total, min(currencies)  # spend is per channel, not per page


def _day_key(day: date, by: str) -> str:
    return (day - timedelta(days=day.weekday() if by == Grouping.WEEK else 0)).isoformat()


def _order(
    q: ReportQuery,
    zone: ZoneInfo,
    calls: dict[str | None, CallFigures],
    seen: dict[str | None, int],
) -> list[str | None]:
    if q.by in TIME_GROUPINGS:
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
    days = _order(ReportQuery(site_id, start, end, Grouping.DAY), zone, {}, {})
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
        series[name if name in leaders else "other"][
            index[bucket(f.started_at, Grouping.DAY, zone)]
        ] += 1
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


@dataclass(frozen=True)
class CreditRow:
    """A group's share of the leads under an attribution model (fractional credits)."""

    group: str | None
    visits: int
    leads: float
    calls: float
    forms: float
    texts: float
    cost: float | None = None
    cost_per_lead: float | None = None
    revenue: float = 0.0  # the credited value of the leads won
    roas: float | None = None


@dataclass(frozen=True)
class CreditReport:
    site: Site
    query: ReportQuery
    model: Model
    rows: list[CreditRow]
    totals: CreditRow
    currency: str | None


def build_credit_report(
    storage: Storage,
    account_id: int,
    q: ReportQuery,
    model: Model,
    window_days: int = VISITOR_WINDOW_DAYS,
) -> CreditReport:
    """Leads in the period credited to channels under `model`: each lead's touches are the
    visits of its visitor (the snippet's visitor id) in the window before it, its own visit
    included; a lead without a visit counts for its own channel (a static number's)."""
    if q.by not in CHANNEL_GROUPINGS:
        raise InvalidInput("an attribution model groups by source, medium, campaign or term")
    base = build_report(storage, account_id, q)  # visits and cost per group, as ever
    with storage.read() as uow:
        found = uow.leads.for_site(q.site_id, q.start, q.end, limit=None)
        touches = _touches(uow, q.site_id, found, timedelta(days=window_days))
    credited: dict[str | None, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for lead in found:
        won = lead.value if lead.status is LeadStatus.WON and lead.value else 0.0
        for group, share in credit(model, touches.get(lead.id, []), q.by).items():
            credited[group]["leads"] += share
            credited[group][lead.type.value] += share
            credited[group]["revenue"] += share * won
    visits = {row.group: row.visits for row in base.rows}
    costs = {row.group: row.cost for row in base.rows}
    groups = sorted(
        {*visits, *credited},
        key=lambda g: (-credited.get(g, {}).get("leads", 0.0), -visits.get(g, 0), g or ""),
    )
    rows = [_credit_row(g, visits.get(g, 0), credited.get(g, {}), costs.get(g)) for g in groups]
    every: dict[str, float] = defaultdict(float)
    for lead in found:
        every["leads"] += 1
        every[lead.type.value] += 1
        every["revenue"] += lead.value if lead.status is LeadStatus.WON and lead.value else 0.0
    totals = _credit_row(None, base.totals.visits, every, base.totals.cost)
    return CreditReport(base.site, q, model, rows, totals, base.currency)


def _touches(
    uow: UnitOfWork, site_id: int, found: list[Lead], window: timedelta
) -> dict[str, list[Channel]]:
    """Each lead's touches, oldest first (see `build_credit_report`)."""
    visits = uow.visits.many(sorted({lead.visit_id for lead in found if lead.visit_id}))
    visitors = sorted({v.visitor_id for v in visits.values() if v.visitor_id})
    by_visitor: dict[str, list[Visit]] = defaultdict(list)
    if visitors and found:
        since = min(lead.at for lead in found) - window
        until = max(lead.at for lead in found)
        for visit in uow.visits.of_visitors(site_id, visitors, since, until):
            by_visitor[visit.visitor_id or ""].append(visit)
    out: dict[str, list[Channel]] = {}
    for lead in found:
        own = visits.get(lead.visit_id or "")
        if own is None:
            out[lead.id] = [lead.channel] if lead.channel else []
            continue
        earlier = [
            v
            for v in by_visitor.get(own.visitor_id or "", [])
            if lead.at - window <= v.started_at <= lead.at and v.id != own.id
        ]
        path = sorted([*earlier, own], key=lambda v: (v.started_at, v.id))
        out[lead.id] = [own_channel(v) for v in path]
    return out


def own_channel(visit: Visit) -> Channel:
    """The channel a visit came by itself (not the first touch the snippet carried into it)."""
    return detect_channel(visit.landing_url, visit.referrer).channel


def _credit_row(
    group: str | None, visits: int, credited: dict[str, float], cost: float | None
) -> CreditRow:
    leads, revenue = credited.get("leads", 0.0), credited.get("revenue", 0.0)
    return CreditRow(
        group=group,
        visits=visits,
        leads=round(leads, 4),
        calls=round(credited.get("call", 0.0), 4),
        forms=round(credited.get("form", 0.0), 4),
        texts=round(credited.get("text", 0.0), 4),
        cost=cost,
        cost_per_lead=round(cost / leads, 2) if cost is not None and leads else None,
        revenue=round(revenue, 2),
        roas=round(revenue / cost, 2) if cost else None,
    )
