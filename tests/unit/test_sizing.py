"""Pool sizing: Little's law, the Poisson tail against tables and direct sums, and a simulation."""

from __future__ import annotations

import heapq
import math
import random
from datetime import UTC, datetime, timedelta

import pytest

from callscope.domain.errors import InvalidInput
from callscope.domain.sizing import (
    TrafficFigures,
    concurrent_leases,
    erlang_b,
    figures_from_visits,
    p_pool_full,
    peak_concurrency,
    poisson_cdf,
    poisson_sf,
    recommend_pool,
    smallest_pool,
)

# P(X <= k) for X ~ Poisson(4), k = 0..12, from a printed table (four decimals).
POISSON_4_TABLE = (
    0.0183, 0.0916, 0.2381, 0.4335, 0.6288, 0.7851, 0.8893,
    0.9489, 0.9786, 0.9919, 0.9972, 0.9991, 0.9997,
)  # fmt: skip


def direct_cdf(n: int, mean: float) -> float:
    """Reference: every pmf term from its closed form, summed exactly rounded."""
    return math.fsum(math.exp(k * math.log(mean) - mean - math.lgamma(k + 1)) for k in range(n + 1))


def direct_sf(n: int, mean: float, upto: int) -> float:
    terms = (math.exp(k * math.log(mean) - mean - math.lgamma(k + 1)) for k in range(n + 1, upto))
    return math.fsum(terms)


def test_littles_law_multiplies_arrivals_per_minute_by_visit_plus_grace() -> None:
    assert concurrent_leases(120, 3, 15) == pytest.approx(36.0)
    assert concurrent_leases(600, 2.5, 0.5) == pytest.approx(30.0)
    assert concurrent_leases(0, 3, 15) == 0.0


def test_poisson_cdf_matches_the_printed_table_for_mean_4() -> None:
    for k, expected in enumerate(POISSON_4_TABLE):
        assert poisson_cdf(k, 4.0) == pytest.approx(expected, abs=5e-5)


def test_poisson_tail_and_cdf_add_up_to_one_on_both_sides_of_the_mean() -> None:
    for mean in (0.3, 4.0, 37.5, 2500.0):
        for n in (0, int(mean) - 1, int(mean), int(mean) + 3, int(mean * 1.5) + 5):
            assert poisson_cdf(n, mean) + poisson_sf(n, mean) == pytest.approx(1.0, abs=1e-12)


def test_poisson_cdf_for_a_mean_of_ten_thousand_matches_a_direct_sum() -> None:
    assert poisson_cdf(10_000, 10_000.0) == pytest.approx(direct_cdf(10_000, 10_000.0), rel=1e-9)
    # The known asymptote 1/2 + 2 / (3 sqrt(2 pi mean)) = 0.50266 for P(X <= mean).
    assert poisson_cdf(10_000, 10_000.0) == pytest.approx(0.50266, abs=1e-5)
    assert poisson_cdf(9_700, 10_000.0) == pytest.approx(direct_cdf(9_700, 10_000.0), rel=1e-9)


def test_poisson_far_tail_keeps_relative_precision_where_one_minus_cdf_would_be_zero() -> None:
    tail = poisson_sf(11_000, 10_000.0)
    assert 0.0 < tail < 1e-20
    assert tail == pytest.approx(direct_sf(11_000, 10_000.0, 13_000), rel=1e-9)


def test_smallest_pool_for_mean_4_follows_the_table() -> None:
    # A visitor lacks a number when the leases already held reach N: P(X >= N) = 1 - cdf(N - 1).
    assert smallest_pool(4.0, 0.90) == 8  # cdf(7) = 0.9489 >= 0.90 > cdf(6) = 0.8893
    assert smallest_pool(4.0, 0.95) == 9  # cdf(8) = 0.9786 >= 0.95 > cdf(7)
    assert smallest_pool(4.0, 0.99) == 10  # cdf(9) = 0.9919 >= 0.99 > cdf(8)


def test_smallest_pool_for_a_mean_of_ten_thousand_is_the_exact_quantile() -> None:
    numbers = smallest_pool(10_000.0, 0.99)
    assert 1.0 - direct_cdf(numbers - 1, 10_000.0) <= 0.01
    assert 1.0 - direct_cdf(numbers - 2, 10_000.0) > 0.01
    # The normal approximation (z = 2.326, plus skew) lands within a couple of numbers.
    assert abs(numbers - 10_234) <= 2


def test_erlang_b_matches_the_closed_form_for_small_pools() -> None:
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(2, 1.0) == pytest.approx(0.5 / 2.5)
    assert erlang_b(0, 3.0) == 1.0


def test_recommend_pool_sizes_by_the_poisson_tail_and_explains_itself() -> None:
    figures = TrafficFigures(
        peak_visits_per_hour=120, mean_visit_minutes=3, lease_grace_minutes=15, daily_visits=2400
    )
    recommendation = recommend_pool(figures, 0.95)
    assert recommendation.expected_concurrency == pytest.approx(36.0)
    assert recommendation.numbers == 47
    assert 1.0 - direct_cdf(46, 36.0) <= 0.05 < 1.0 - direct_cdf(45, 36.0)
    assert recommendation.p_exhaustion == pytest.approx(1.0 - direct_cdf(46, 36.0), rel=1e-9)
    assert recommendation.p_blocked_with_fallback < recommendation.p_exhaustion
    text = "\n".join(recommendation.reasoning)
    assert "36.00" in text
    assert "N = 47" in text
    assert "CallTrackingMetrics" in text
    assert "gives 120" in text  # 2400 daily visitors / 20
    # With take-back after 2.5 quiet minutes, present visitors hold 3 + 2.5 min: L = 2 x 5.5 = 11.
    assert 1.0 - direct_cdf(recommendation.numbers_present_only - 1, 11.0) <= 0.05
    assert 1.0 - direct_cdf(recommendation.numbers_present_only - 2, 11.0) > 0.05
    assert f"L = 11.00, so N = {recommendation.numbers_present_only}" in text


def test_recommend_pool_for_no_traffic_is_one_number() -> None:
    recommendation = recommend_pool(TrafficFigures(0, 3, 15), 0.99)
    assert recommendation.numbers == 1
    assert recommendation.p_exhaustion == 0.0


@pytest.mark.parametrize("target", [0.0, 1.0, 1.5, -0.1])
def test_recommend_pool_refuses_a_target_outside_zero_to_one(target: float) -> None:
    with pytest.raises(InvalidInput, match="target"):
        recommend_pool(TrafficFigures(100, 3, 15), target)


def test_recommend_pool_refuses_a_visit_length_of_zero() -> None:
    with pytest.raises(InvalidInput, match="visit length"):
        recommend_pool(TrafficFigures(100, 0, 15), 0.9)


def test_figures_from_visits_take_the_busiest_hour_and_the_mean_length() -> None:
    visits = [(0.0, 120.0), (100.0, 340.0), (200.0, 260.0), (3700.0, 3760.0), (86_410.0, 86_470.0)]
    figures = figures_from_visits(visits, lease_grace_minutes=15)
    assert figures.peak_visits_per_hour == 3.0
    assert figures.mean_visit_minutes == pytest.approx((120 + 240 + 60 + 60 + 60) / 5 / 60)
    assert figures.lease_grace_minutes == 15
    assert figures.daily_visits == pytest.approx(2.5)  # five visits over two calendar days


def test_figures_from_visits_read_datetimes_naive_as_utc() -> None:
    base = datetime(2024, 3, 1, 14, 0, tzinfo=UTC)
    aware = [(base + timedelta(minutes=m), base + timedelta(minutes=m + 4)) for m in (1, 2, 70)]
    naive = [(start.replace(tzinfo=None), end.replace(tzinfo=None)) for start, end in aware]
    for visits in (aware, naive):
        figures = figures_from_visits(visits, lease_grace_minutes=10)
        assert figures.peak_visits_per_hour == 2.0
        assert figures.mean_visit_minutes == pytest.approx(4.0)


def test_figures_from_visits_count_a_visit_ending_before_it_starts_as_instant() -> None:
    figures = figures_from_visits([(100.0, 50.0), (200.0, 320.0)], lease_grace_minutes=0)
    assert figures.mean_visit_minutes == pytest.approx(1.0)


def test_figures_from_no_visits_is_a_clear_error() -> None:
    with pytest.raises(InvalidInput, match="no visits"):
        figures_from_visits([], lease_grace_minutes=15)


def simulate(
    numbers: int, rate: float, hold_median: float, arrivals: int, seed: int, *, loss: bool
) -> float:
    """Share of arriving visitors who find every number held (log-normal holding times).

    loss=False: everyone holds a lease regardless (the Poisson picture); loss=True: visitors
    without a number hold none (the pool with an extension fallback, Erlang B).
    """
    rng = random.Random(seed)
    ends: list[float] = []
    now, refused = 0.0, 0
    for _ in range(arrivals):
        now += rng.expovariate(rate)
        while ends and ends[0] <= now:
            heapq.heappop(ends)
        full = len(ends) >= numbers
        refused += full
        if not (full and loss):
            heapq.heappush(ends, now + rng.lognormvariate(math.log(hold_median), 0.8))
    return refused / arrivals


def test_a_simulated_pool_of_the_recommended_size_is_full_at_most_as_often_as_allowed() -> None:
    # 1 visit a minute holding a lease 10 min on average: L = 10; log-normal, not exponential.
    hold_median = 10.0 / math.exp(0.8**2 / 2)
    recommendation = recommend_pool(TrafficFigures(60, 7, 3), 0.9)
    numbers = recommendation.numbers
    measured = simulate(numbers, 1.0, hold_median, 40_000, seed=7, loss=False)
    one_fewer = simulate(numbers - 1, 1.0, hold_median, 40_000, seed=7, loss=False)
    assert measured <= 0.10 + 0.01
    assert measured == pytest.approx(recommendation.p_exhaustion, abs=0.015)
    assert one_fewer == pytest.approx(p_pool_full(numbers - 1, 10.0), abs=0.015)
    assert one_fewer > measured


def test_a_simulated_pool_with_fallback_refuses_the_erlang_b_share() -> None:
    hold_median = 10.0 / math.exp(0.8**2 / 2)
    measured = simulate(12, 1.0, hold_median, 40_000, seed=11, loss=True)
    assert measured == pytest.approx(erlang_b(12, 10.0), abs=0.015)


def test_peak_concurrency_counts_the_most_spans_open_at_once() -> None:
    assert peak_concurrency([(0, 10), (5, 15), (9, 12), (15, 20)]) == 3
    assert peak_concurrency([(0, 10), (10, 20)]) == 1  # back to back is not at once
    assert peak_concurrency([]) == 0
