"""Pool sizing at its edges: day and hour boundaries, time zones, zero grace, the exact
wording of the reasoning and of the refusals."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from callscope.domain.errors import InvalidInput
from callscope.domain.sizing import (
    TrafficFigures,
    figures_from_visits,
    peak_concurrency,
    poisson_cdf,
    recommend_pool,
)

FIGURES = TrafficFigures(
    peak_visits_per_hour=120, mean_visit_minutes=3, lease_grace_minutes=15, daily_visits=2400
)


def test_no_traffic_is_certainly_within_any_pool() -> None:
    assert poisson_cdf(3, 0.0) == 1.0
    assert poisson_cdf(-1, 0.0) == 0.0


def test_the_reasoning_shows_each_step_with_its_figures() -> None:
    recommendation = recommend_pool(FIGURES, 0.95)
    assert recommendation.target == 0.95
    lines = recommendation.reasoning
    assert lines[0] == "Peak arrivals: 120 visits/hour = 2.000 per minute."
    assert "W = 3 + 15 = 18 min." in lines[1]
    assert "<= 1 - 0.95 = 0.05: N = 47" in lines[4]
    assert lines[6] == "Pool utilisation at the peak: 77% of 47 numbers."
    assert lines[7].endswith("each number resting through the grace for late callers.")
    assert lines[8].endswith("(Nimbata's rule, no grace, no spread) gives 6.")


def test_a_zero_grace_or_a_short_visit_is_sized_and_negative_figures_are_refused() -> None:
    assert recommend_pool(TrafficFigures(60, 0.5, 0), 0.9).numbers >= 1
    for figures in (TrafficFigures(-1, 3, 15), TrafficFigures(60, 3, -1)):
        with pytest.raises(InvalidInput) as refused:
            recommend_pool(figures, 0.9)
        assert str(refused.value) == "peak visits per hour and lease grace cannot be negative"
    with pytest.raises(InvalidInput) as refused:
        recommend_pool(TrafficFigures(60, 0, 15), 0.9)
    assert str(refused.value) == "mean visit length must be positive"
    with pytest.raises(InvalidInput) as refused:
        figures_from_visits([], lease_grace_minutes=15)
    assert str(refused.value) == "no visits to size the pool from"


def test_hours_and_days_are_counted_from_their_boundaries() -> None:
    # One visit a second before the hour and one on it: two hours, one visit each.
    assert figures_from_visits([(3599.0, 3600.0), (3600.0, 3660.0)], 15).peak_visits_per_hour == 1
    # Visits at the first second of day 2 and of day 3: two calendar days.
    days = figures_from_visits([(172_800.0, 172_860.0), (259_200.0, 259_260.0)], 15)
    assert days.daily_visits == pytest.approx(1.0)


def test_aware_times_keep_their_zone_and_naive_ones_are_utc_whatever_the_machine_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        plus_two = timezone(timedelta(hours=2))
        aware = [(datetime(2024, 3, 1, 1, 30, tzinfo=plus_two), datetime(2024, 3, 1, 2, 30))]
        # 01:30 at +02:00 is 23:30 UTC the day before; the naive end is 02:30 UTC: 3 hours.
        assert figures_from_visits(aware, 0).mean_visit_minutes == pytest.approx(180.0)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_spans_that_end_do_not_lower_the_peak_below_what_was_open() -> None:
    assert peak_concurrency([(0, 1), (2, 3), (2, 4)]) == 2


def test_the_naive_rule_rounds_a_fraction_of_a_number_up() -> None:
    lines = recommend_pool(TrafficFigures(61, 1, 0), 0.9).reasoning
    assert lines[8].endswith("gives 2.")  # 61 visits an hour x 1 minute = 1.02 numbers
