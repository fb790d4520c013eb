"""Pool sizing: how many tracking numbers a site needs so that few visitors land without one.

Little's law gives the leases held at once; their count is Poisson, whose tail sets the pool.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from callscope.domain.allocation import CALLSCOPE
from callscope.domain.errors import InvalidInput

# Tail sums stop once a term adds less than this share: below double precision.
_EPSILON = 1e-17

Instant = datetime | float


@dataclass(frozen=True)
class TrafficFigures:
    """The traffic a pool must serve; daily_visits only feeds the vendors' rule of thumb."""

    peak_visits_per_hour: float
    mean_visit_minutes: float
    lease_grace_minutes: float
    daily_visits: float | None = None


@dataclass(frozen=True)
class PoolRecommendation:
    """A pool size, the numbers behind it, and the reasoning in lines a person can check."""

    numbers: int
    expected_concurrency: float
    p_exhaustion: float
    p_blocked_with_fallback: float
    target: float
    reasoning: tuple[str, ...]
    numbers_present_only: int = 0  # enough for visitors on the page, with take-back


def concurrent_leases(
    peak_visits_per_hour: float, mean_visit_minutes: float, lease_grace_minutes: float
) -> float:
    """Little's law L = lambda * W; a lease lasts the visit plus the grace after the last beat."""
    return peak_visits_per_hour / 60.0 * (mean_visit_minutes + lease_grace_minutes)


def poisson_sf(n: int, mean: float) -> float:
    """P(X > n) for X ~ Poisson(mean), accurate in the far tail and for means up to ~10^5."""
    if n < 0:
        return 1.0
    if mean <= 0.0:
        return 0.0
    if n >= mean:
        return math.exp(_log_sum_upward(n + 1, mean))
    # Below the mean the lower sum is at most ~1/2, so 1 - it loses no precision.
    return 1.0 - math.exp(_log_sum_downward(n, mean))


def poisson_cdf(n: int, mean: float) -> float:
    """P(X <= n) for X ~ Poisson(mean)."""
    if n < 0:
        return 0.0
    if mean <= 0.0:
        return 1.0
    if n < mean:
        return math.exp(_log_sum_downward(n, mean))
    return 1.0 - math.exp(_log_sum_upward(n + 1, mean))


def p_pool_full(numbers: int, concurrency: float) -> float:
    """Share of visitors who find every number leased: P(Poisson(concurrency) >= numbers).

    Poisson arrivals see the time-average occupancy (PASTA), so the arriving visitor lacks a
    number exactly when the leases already held reach the pool size.
    """
    return poisson_sf(numbers - 1, concurrency)


def smallest_pool(concurrency: float, target: float) -> int:
    """Smallest N with p_pool_full(N, concurrency) <= 1 - target."""
    _check_target(target)
    allowed = 1.0 - target
    high = int(concurrency + 12.0 * math.sqrt(concurrency) + 40.0)
    while p_pool_full(high, concurrency) > allowed:
        high *= 2
    low = 0  # with no numbers every visitor goes without: never within the target
    while high - low > 1:
        middle = (low + high) // 2
        if p_pool_full(middle, concurrency) <= allowed:
            high = middle
        else:
            low = middle
    return high


def erlang_b(numbers: int, offered_load: float) -> float:
    """Blocking of a loss system: the share left out when those without a number hold none."""
    blocking = 1.0
    for servers in range(1, numbers + 1):
        blocking = offered_load * blocking / (servers + offered_load * blocking)
    return blocking


def recommend_pool(figures: TrafficFigures, target: float) -> PoolRecommendation:
    """The pool for a target share of visitors who get their own number, with the reasoning."""
    _check_figures(figures)
    _check_target(target)
    load = concurrent_leases(
        figures.peak_visits_per_hour, figures.mean_visit_minutes, figures.lease_grace_minutes
    )
    numbers = smallest_pool(load, target)
    full = p_pool_full(numbers, load)
    blocked = erlang_b(numbers, load)
    present, present_line = _present_only(figures, target)
    lines = [*_reasoning(figures, target, load, numbers, full, blocked), present_line]
    lines += _rules_of_thumb(figures)
    return PoolRecommendation(numbers, load, full, blocked, target, tuple(lines), present)


def _present_only(figures: TrafficFigures, target: float) -> tuple[int, str]:
    """The pool that numbers every visitor on the page, when numbers of visitors gone quiet for
    `reclaim_after` are taken back (callscope's policy): the hold is the visit plus that."""
    quiet = (CALLSCOPE.reclaim_after or 0) / 60.0
    load = concurrent_leases(figures.peak_visits_per_hour, figures.mean_visit_minutes, quiet)
    numbers = smallest_pool(load, target)
    line = (
        f"callscope takes back the number of a visitor quiet for {quiet:g} min when the pool "
        f"is full: visitors on the page hold W = {figures.mean_visit_minutes:g} + {quiet:g} min, "
        f"L = {load:.2f}, so N = {numbers} numbers already serve them; the larger N also keeps "
        "each number resting through the grace for late callers."
    )
    return numbers, line


def figures_from_visits(
    visits: Iterable[tuple[Instant, Instant]], lease_grace_minutes: float
) -> TrafficFigures:
    """Peak hourly arrivals, mean visit length and daily visits of observed (start, end) pairs."""
    starts: list[float] = []
    total_seconds = 0.0
    for start, end in visits:
        began, ended = _seconds(start), _seconds(end)
        starts.append(began)
        # Clock skew can store an end before the start; count such a visit as instant.
        total_seconds += max(0.0, ended - began)
    if not starts:
        raise InvalidInput("no visits to size the pool from")
    per_hour = Counter(math.floor(start / 3600.0) for start in starts)
    days = math.floor(max(starts) / 86400.0) - math.floor(min(starts) / 86400.0) + 1
    return TrafficFigures(
        peak_visits_per_hour=float(max(per_hour.values())),
        mean_visit_minutes=total_seconds / len(starts) / 60.0,
        lease_grace_minutes=lease_grace_minutes,
        daily_visits=len(starts) / days,
    )


def _log_pmf(k: int, mean: float) -> float:
    return k * math.log(mean) - mean - math.lgamma(k + 1)


def _log_sum_upward(start: int, mean: float) -> float:
    """log of sum_{k >= start} pmf(k) for start > mean, where terms only shrink."""
    total, term, k = 1.0, 1.0, start
    while term > total * _EPSILON:
        k += 1
        term *= mean / k
        total += term
    return _log_pmf(start, mean) + math.log(total)


def _log_sum_downward(stop: int, mean: float) -> float:
    """log of sum_{k <= stop} pmf(k) for stop < mean, where terms only shrink going down."""
    total, term, k = 1.0, 1.0, stop
    while k > 0 and term > total * _EPSILON:
        term *= k / mean
        k -= 1
        total += term
    return _log_pmf(stop, mean) + math.log(total)


def _seconds(instant: Instant) -> float:
    if isinstance(instant, datetime):
        aware = instant if instant.tzinfo else instant.replace(tzinfo=UTC)
        return aware.timestamp()
    return float(instant)


def _check_target(target: float) -> None:
    if not 0.0 < target < 1.0:
        raise InvalidInput(f"target must be between 0 and 1 (exclusive), got {target}")


def _check_figures(figures: TrafficFigures) -> None:
    if figures.peak_visits_per_hour < 0 or figures.lease_grace_minutes < 0:
        raise InvalidInput("peak visits per hour and lease grace cannot be negative")
    if figures.mean_visit_minutes <= 0:
        raise InvalidInput("mean visit length must be positive")


def _reasoning(
    figures: TrafficFigures, target: float, load: float, numbers: int, full: float, blocked: float
) -> list[str]:
    rate = figures.peak_visits_per_hour / 60.0
    hold = figures.mean_visit_minutes + figures.lease_grace_minutes
    lines = [
        f"Peak arrivals: {figures.peak_visits_per_hour:g} visits/hour = {rate:.3f} per minute.",
        f"A lease lasts the visit plus the grace after the last heartbeat: "
        f"W = {figures.mean_visit_minutes:g} + {figures.lease_grace_minutes:g} = {hold:g} min.",
        f"Little's law: leases held at once L = {rate:.3f} x {hold:g} = {load:.2f} on average.",
        f"Leases held at once are Poisson({load:.2f}); an arriving visitor gets no number "
        f"when all N are held.",
        f"Smallest N with P(held >= N) <= 1 - {target:g} = {1.0 - target:.4g}: "
        f"N = {numbers} (P = {full:.4g}).",
        f"With the extension fallback the visitors without a number hold none, so only "
        f"{blocked:.4g} of them are left out (Erlang B); the Poisson tail is the safe side.",
        f"Pool utilisation at the peak: {load / numbers:.0%} of {numbers} numbers.",
    ]
    return lines


def _rules_of_thumb(figures: TrafficFigures) -> list[str]:
    naive = math.ceil(figures.peak_visits_per_hour * figures.mean_visit_minutes / 60.0)
    lines = [
        f"For comparison, peak hourly visitors / (60 / mean visit minutes) (Nimbata's rule, "
        f"no grace, no spread) gives {naive}."
    ]
    if figures.daily_visits is not None:
        ctm = math.ceil(figures.daily_visits / 20.0)
        lines.append(
            f"For comparison, CallTrackingMetrics' 1 number per 20 daily visitors gives {ctm} "
            f"for {figures.daily_visits:.0f} daily visitors."
        )
    return lines


def peak_concurrency(spans: Iterable[tuple[Instant, Instant]]) -> int:
    """The most spans open at one moment; a span ending when another starts does not overlap."""
    edges = sorted(
        (moment, step)
        for start, end in spans
        for moment, step in ((_seconds(start), 1), (_seconds(end), -1))
    )
    open_now = peak = 0
    for _, step in edges:  # at a tie the end (-1) sorts first
        open_now += step
        peak = max(peak, open_now)
    return peak
