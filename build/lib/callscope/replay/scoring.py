"""Turning a replay's tallies into the figures people read: accuracy and calibration."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from callscope.replay.driver import Score

BUCKETS = (0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 1.01)


def summary(score: Score) -> dict[str, Any]:
    """The replay's JSON: CONTRACT.md's fields plus in-visit accuracy and calibration."""
    return {
        "calls": score.calls,
        "correct": score.correct,
        "wrong": score.wrong,
        "unattributed": score.unattributed,
        "accuracy": _share(score.correct, score.calls),
        "in_visit_calls": score.in_visit_calls,
        "in_visit_accuracy": _share(score.in_visit_correct, score.in_visit_calls),
        "visits": score.visits,
        "visits_without_number": score.visits_without_number,
        "calibration": calibration(score.outcomes),
        "methods": {method: _method(*tally) for method, tally in sorted(score.methods.items())},
    }


def calibration(outcomes: list[tuple[float, bool]]) -> list[dict[str, Any]]:
    """Per confidence bucket: how many attributed calls, their mean confidence, and how many
    were right. A calibrated model has mean_confidence close to observed."""
    rows = []
    for low, high in itertools.pairwise(BUCKETS):
        inside = [(c, ok) for c, ok in outcomes if low <= c < high]
        if not inside:
            continue
        rows.append(
            {
                "bucket": f"{low:.1f}-{min(high, 1.0):.1f}",
                "calls": len(inside),
                "mean_confidence": round(sum(c for c, _ in inside) / len(inside), 3),
                "observed": round(sum(ok for _, ok in inside) / len(inside), 3),
            }
        )
    return rows


def _method(calls: float, right: float, confidence: float) -> dict[str, Any]:
    return {
        "calls": int(calls),
        "right": int(right),
        "mean_confidence": round(confidence / calls, 3) if calls else None,
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
