"""The lead score's documented parts at their thresholds, and a person's override."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from callscope.domain.calls import UNATTRIBUTED, Call
from callscope.domain.scoring import CallInsight, qualified, score_call

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)


def call(duration: int | None, answered: bool = True, first_time: bool = False) -> Call:
    return Call(
        "CA1", 1, 1, "+15550100101", "+15550100777", T0, UNATTRIBUTED, first_time,
        answered_at=T0 if answered else None,
        ended_at=T0 if duration is not None else None,
        duration=duration,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("seconds", "points", "reason"),
    [(29, 0, None), (30, 10, "30+ s long +10"), (60, 20, "60+ s long +20"),
     (179, 20, "60+ s long +20"), (180, 30, "180+ s long +30")],
)  # fmt: skip
def test_duration_points_start_at_their_threshold(
    seconds: int, points: int, reason: str | None
) -> None:
    scored = score_call(call(seconds), [])
    assert scored.value == 30 + points
    assert scored.reasons == ("answered +30",) + ((reason,) if reason else ())


def test_every_part_gives_its_reason() -> None:
    scored = score_call(call(45, first_time=True), [("appointment", 20)])
    assert scored.value == 30 + 10 + 10 + 20
    assert scored.reasons == (
        "answered +30",
        "30+ s long +10",
        "first-time caller +10",
        "appointment +20",
    )


def test_a_call_with_nothing_scores_zero() -> None:
    assert score_call(call(None, answered=False), []).value == 0


def test_qualified_at_exactly_the_threshold_and_the_minimum_duration() -> None:
    assert qualified(call(10), 50) is True and qualified(call(10), 49) is False
    assert qualified(call(60), None) is True
    assert qualified(call(0), None, min_seconds=1) is False
    assert qualified(call(1), None, min_seconds=1) is True


def test_a_persons_score_wins_over_the_transcripts() -> None:
    assert CallInsight("CA1", 1, score=40).final_score() == 40
    assert CallInsight("CA1", 1, score=40, override_score=90).final_score() == 90
    assert CallInsight("CA1", 1, score=40, override_score=0).final_score() == 0
