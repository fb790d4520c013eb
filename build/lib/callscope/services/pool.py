"""A site's pool at a glance: size, leases held now and at the peak, exhaustion events, and
numbers held hour by hour with the sizing advice (the dashboard's pool page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from callscope.adapters.storage import Storage
from callscope.domain.sites import NumberKind
from callscope.domain.sizing import (
    PoolRecommendation,
    figures_from_visits,
    peak_concurrency,
    recommend_pool,
)
from callscope.services.sites import owned_site

WARN_ABOVE = 0.75


@dataclass(frozen=True)
class PoolStatus:
    site_id: int
    start: datetime
    end: datetime
    pool_size: int
    live_leases: int
    peak_concurrent_leases: int
    exhaustion_events: int

    @property
    def utilisation(self) -> float | None:
        """Peak concurrent leases over the pool size: above ~75% visitors start to miss out."""
        return round(self.peak_concurrent_leases / self.pool_size, 3) if self.pool_size else None

    @property
    def warning(self) -> str | None:
        if self.pool_size == 0:
            return "the site has no pool numbers: visitors cannot be told apart"
        if self.exhaustion_events:
            return f"the pool ran out {self.exhaustion_events} times: add numbers"
        if (self.utilisation or 0.0) > WARN_ABOVE:
            return f"peak utilisation above {WARN_ABOVE:.0%}: add numbers before the pool runs out"
        return None


def pool_status(
    storage: Storage, account_id: int, site_id: int, start: datetime, end: datetime, now: datetime
) -> PoolStatus:
    """The pool of one of the account's sites over [start, end); any other site does not exist."""
    with storage.read() as uow:
        owned_site(uow, account_id, site_id)
        spans = uow.leases.pool_lease_spans(site_id, start, end)
        return PoolStatus(
            site_id=site_id,
            start=start,
            end=end,
            pool_size=uow.numbers.count(site_id, NumberKind.POOL),
            live_leases=uow.leases.live_pool_leases(site_id, now),
            # Clipped to the period, so a lease that started before it counts from its start.
            peak_concurrent_leases=peak_concurrency((max(s, start), min(e, end)) for s, e in spans),
            exhaustion_events=uow.leases.exhaustions(site_id, start, end),
        )


@dataclass(frozen=True)
class PoolUsage:
    """Pool numbers held per hour (the mean over the hour), the pool size, and the sizing
    advice from the site's stored visits."""

    hours: list[datetime]
    held: list[float]
    pool_size: int
    advice: PoolRecommendation | None


def pool_usage(
    storage: Storage,
    account_id: int,
    site_id: int,
    start: datetime,
    end: datetime,
    grace_minutes: float,
    target: float = 0.99,
) -> PoolUsage:
    with storage.read() as uow:
        site = owned_site(uow, account_id, site_id)
        spans = uow.leases.pool_lease_spans(site.id, start, end)
        size = uow.numbers.count(site.id, NumberKind.POOL)
        visits = uow.visits.spans(site.id)
    hours = _hours(start, end)
    held = [_held(spans, hour, hour + timedelta(hours=1)) for hour in hours]
    advice = recommend_pool(figures_from_visits(visits, grace_minutes), target) if visits else None
    return PoolUsage(hours, held, size, advice)


def _hours(start: datetime, end: datetime) -> list[datetime]:
    hour = start.replace(minute=0, second=0, microsecond=0)
    out = []
    while hour < end:
        out.append(hour)
        hour += timedelta(hours=1)
    return out


def _held(spans: list[tuple[datetime, datetime]], start: datetime, end: datetime) -> float:
    """Number-seconds held within [start, end) over the hour's length: mean numbers held."""
    seconds = sum(
        max(0.0, (min(until, end) - max(began, start)).total_seconds()) for began, until in spans
    )
    return round(seconds / (end - start).total_seconds(), 2)
