"""The figures of a report over facts: each count, the answered calls' duration, the mean
confidence, and qualified calls at exactly the qualifying duration."""

from __future__ import annotations

from datetime import UTC, datetime

from callscope.domain.reporting import CallFact, CallFigures, figures_of

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)


def fact(
    status: str, duration: int | None, caller: str | None = "+15550100777", conf: float = 1.0
) -> CallFact:
    return CallFact(T0, caller, False, status, duration, conf, None)


def test_the_figures_count_each_kind_of_call() -> None:
    facts = [
        fact("completed", 60, conf=0.5),  # exactly the qualifying duration
        fact("completed", 59, caller="+15550100778", conf=0.25),
        fact("answered", None, conf=1.0),  # still talking: no duration yet
        fact("missed", None, conf=0.5),
        fact("missed", 0, caller=None, conf=0.75),
    ]
    assert figures_of(facts, qualified_seconds=60) == CallFigures(
        calls=5,
        unique_callers=2,
        first_time_callers=0,
        answered=3,
        missed=2,
        total_duration=60 + 59,
        mean_confidence=3.0 / 5,
        qualified=1,
    )


def test_a_call_without_a_duration_is_not_qualified_by_a_one_second_rule() -> None:
    assert figures_of([fact("answered", None)], qualified_seconds=1).qualified == 0
    assert figures_of([fact("completed", 1)], qualified_seconds=1).qualified == 1


def test_no_calls_have_zero_confidence() -> None:
    assert figures_of([], qualified_seconds=60).mean_confidence == 0.0
