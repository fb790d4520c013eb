"""The lead score of a call, 0-100, with its reasons, and whether the call is qualified.

Defaults (documented in the README): answered +30; duration +10 from 30 s, +20 from 60 s, +30
from 180 s; a first-time caller +10; each tag found adds its rule's weight (default 20, may be
negative, e.g. "wrong number"). Qualified: score >= the threshold (default 50). A call without
a transcript has no score; it is qualified by the duration rule (answered, >= 60 s)."""

from __future__ import annotations

from dataclasses import dataclass

from callscope.domain.calls import Call, CallStatus
from callscope.domain.keywords import Tag

ANSWERED_POINTS = 30
FIRST_TIME_POINTS = 10
DURATION_POINTS = ((180, 30), (60, 20), (30, 10))  # (at least seconds, points)
DEFAULT_WEIGHT = 20
QUALIFIED_SCORE = 50


@dataclass(frozen=True)
class Score:
    value: int
    reasons: tuple[str, ...]


def score_call(call: Call, tag_weights: list[tuple[str, int]]) -> Score:
    points, reasons = 0, []
    if call.status is CallStatus.COMPLETED:
        points += ANSWERED_POINTS
        reasons.append(f"answered +{ANSWERED_POINTS}")
    for seconds, value in DURATION_POINTS:
        if (call.duration or 0) >= seconds:
            points += value
            reasons.append(f"{seconds}+ s long +{value}")
            break
    if call.first_time:
        points += FIRST_TIME_POINTS
        reasons.append(f"first-time caller +{FIRST_TIME_POINTS}")
    for tag, weight in tag_weights:
        points += weight
        reasons.append(f"{tag} {weight:+d}")
    return Score(max(0, min(100, points)), tuple(reasons))


def qualified(
    call: Call, score: int | None, threshold: int = QUALIFIED_SCORE, min_seconds: int = 60
) -> bool:
    if score is not None:
        return score >= threshold
    return call.status is CallStatus.COMPLETED and (call.duration or 0) >= min_seconds


@dataclass(frozen=True)
class CallInsight:
    """What the transcript told about a call, and what a person decided instead."""

    call_id: str
    site_id: int
    tags: tuple[Tag, ...] = ()
    score: int | None = None
    reasons: tuple[str, ...] = ()
    override_score: int | None = None
    override_qualified: bool | None = None
    notes: str | None = None  # a person's notes on the call

    def final_score(self) -> int | None:
        return self.override_score if self.override_score is not None else self.score
