"""Which visit or channel a call belongs to, and the probability that the answer is right.

The confidence model is deliberately simple and is calibrated by `callscope replay`:
- a static number names its channel by construction: 1.0;
- a caller who typed a live extension code: 0.98 (after the code's lease ends, as below);
- a pool number called while its lease is live: 0.95, less for every other visit that held
  the number shortly before (a caller may have written down an earlier holder's number);
- a pool number called after its lease ended but before anyone else took it (a late caller):
  starts at 0.9 and halves every `LATE_HALF_LIFE` since the holder was last seen;
- a repeat caller on a number with no plausible holder inherits their last attribution at
  the confidence it had, times 0.7.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from callscope.domain.calls import UNATTRIBUTED, Attribution, AttributionMethod
from callscope.domain.sites import NumberKind, TrackingNumber
from callscope.domain.visits import Lease, Visit

LIVE_CONFIDENCE = 0.95
EXTENSION_CONFIDENCE = 0.98
LATE_START_CONFIDENCE = 0.9
LATE_HALF_LIFE = timedelta(hours=2)
REUSE_PENALTY = 0.85
HISTORY_FACTOR = 0.7
# Below this a late holder is no better than a guess: fall back to caller history or none.
MIN_CONFIDENCE = 0.05


@dataclass(frozen=True)
class Evidence:
    """What storage knows about the dialed number around the moment of the call."""

    holder: Lease | None = None
    holder_visit: Visit | None = None
    recent_holders: int = 0
    previous: Attribution | None = None


def attribute(number: TrackingNumber, at: datetime, evidence: Evidence) -> Attribution:
    """Attribute a call to `number` at `at`; never raises, unknown is method `none`."""
    if number.kind is NumberKind.STATIC:
        return Attribution(AttributionMethod.STATIC, 1.0, number.channel)
    found = _from_holder(number, at, evidence)
    if found is not None:
        return found
    return _from_history(evidence.previous)


def _from_holder(number: TrackingNumber, at: datetime, evidence: Evidence) -> Attribution | None:
    lease, visit = evidence.holder, evidence.holder_visit
    if lease is None or visit is None or lease.started_at > at:
        return None
    if number.kind is NumberKind.EXTENSION:
        method, live = AttributionMethod.EXTENSION, EXTENSION_CONFIDENCE
    else:
        method, live = (
            AttributionMethod.POOL,
            LIVE_CONFIDENCE * REUSE_PENALTY**evidence.recent_holders,
        )
    confidence = holder_confidence(at, lease, live)
    if confidence < MIN_CONFIDENCE:
        return None
    return Attribution(method, confidence, visit.channel, visit.id)


def holder_confidence(at: datetime, lease: Lease, live: float) -> float:
    """`live` while the lease lasts; after it, a late caller's confidence halves every
    LATE_HALF_LIFE (the number has not been given to anyone else yet, or `holder` would differ)."""
    if at < lease.expires_at:
        return round(live, 3)
    late = (at - lease.expires_at) / LATE_HALF_LIFE
    return round(min(live, LATE_START_CONFIDENCE) * math.pow(0.5, late), 3)


def _from_history(previous: Attribution | None) -> Attribution:
    if previous is None or previous.method is AttributionMethod.NONE:
        return UNATTRIBUTED
    return Attribution(
        AttributionMethod.CALLER_HISTORY,
        round(previous.confidence * HISTORY_FACTOR, 3),
        previous.channel,
        previous.visit_id,
    )
