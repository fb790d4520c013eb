"""Which visit or channel a call belongs to, and the probability that the answer is right.

The confidence is calibrated by replay (`bench/attribution`, `tests/integration/
test_pool_calibration.py`): of calls given ~0.8, ~80% are right. It reads three things:
- static number: its channel by construction, 1.0; a live extension code the caller typed: 0.98,
  halving every `LATE_HALF_LIFE` after the code's lease ended;
- pool number whose holder is on the page (a heartbeat within `PRESENT_WINDOW`): odds of
  `PRESENT_ODDS` to 1 that the caller is the holder, halved for every other visit that took the
  number shortly before the holder (their late callers and strays share the number): 0.92, 0.86,
  0.75, 0.6...;
- pool number whose holder has left (a late caller; the number is not reassigned yet, or the
  holder would differ): `LATE_STEPS` by minutes since the holder was last seen (calls minutes
  after leaving are more often strays than the holder), halving every `LATE_HALF_LIFE` after an
  hour, times `LATE_REUSE_FACTOR` per recent other holder;
- a repeat caller whose number has no plausible holder (below `MIN_CONFIDENCE`, or less likely
  than the caller's own past) inherits their last attribution on the site at its confidence
  times `HISTORY_FACTOR`, once per chain of repeat calls (method caller_history);
- failing all that, a number reserved for a channel (a sub-pool) names its channel, no visit,
  at `SUB_POOL_CONFIDENCE` (an assumption: replay has no sub-pools to measure it on).
The constants were fitted on synthetic traces (callers who call after leaving do so after a
median 30 minutes; a few percent of calls are strays); `bench/attribution` reprints the check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from callscope.domain.calls import UNATTRIBUTED, Attribution, AttributionMethod
from callscope.domain.sites import NumberKind, TrackingNumber
from callscope.domain.visits import Lease, Visit

EXTENSION_CONFIDENCE = 0.98
PRESENT_WINDOW = timedelta(seconds=90)  # the snippet beats every 60 s while the page is shown
PRESENT_ODDS = 12.0
# (minutes since the holder was last seen, confidence up to then)
LATE_STEPS = ((5.0, 0.15), (15.0, 0.35), (60.0, 0.55))
LATE_HALF_LIFE = timedelta(hours=2)
LATE_REUSE_FACTOR = 0.4
# Replay finds a repeat caller's earlier attribution exactly as reliable as it was; real
# repeat callers may have come back through another visit, which traces do not model.
HISTORY_FACTOR = 1.0
# Not measured: replay traces have no sub-pools. Strays (callers not from the site) are the
# calls on a reserved number that are not of its channel.
SUB_POOL_CONFIDENCE = 0.7
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
    history = _from_history(evidence.previous)
    # The holder is no longer plausible once the caller's own past says more.
    if found is not None and found.confidence >= history.confidence:
        return found
    if history.method is AttributionMethod.NONE and number.channel is not None:
        # A number of a channel's sub-pool names the channel even when no visit is plausible.
        return Attribution(AttributionMethod.POOL, SUB_POOL_CONFIDENCE, number.channel)
    return history


def _from_holder(number: TrackingNumber, at: datetime, evidence: Evidence) -> Attribution | None:
    lease, visit = evidence.holder, evidence.holder_visit
    if lease is None or visit is None or lease.started_at > at:
        return None
    if number.kind is NumberKind.EXTENSION:
        method = AttributionMethod.EXTENSION
        confidence = code_confidence(at, lease, visit)
    else:
        method = AttributionMethod.POOL
        confidence = holder_confidence(at, visit, evidence.recent_holders)
    if confidence < MIN_CONFIDENCE:
        return None
    return Attribution(method, confidence, visit.channel, visit.id)


def holder_confidence(at: datetime, visit: Visit, recent_holders: int) -> float:
    """The chance that a call on a pool number comes from the visit holding it (see above)."""
    since = at - (visit.last_seen_at or visit.started_at)
    if since <= PRESENT_WINDOW:
        odds = PRESENT_ODDS * 0.5**recent_holders
        return round(odds / (1.0 + odds), 3)
    return round(late_confidence(since) * LATE_REUSE_FACTOR**recent_holders, 3)


def late_confidence(since: timedelta) -> float:
    """A late caller's chance by time since the holder was last seen, no other recent holder."""
    minutes = since.total_seconds() / 60.0
    for until, confidence in LATE_STEPS:
        if minutes <= until:
            return confidence
    last_until, last = LATE_STEPS[-1]
    return last * math.pow(0.5, (minutes - last_until) / (LATE_HALF_LIFE.total_seconds() / 60))


def code_confidence(at: datetime, lease: Lease, visit: Visit) -> float:
    """A typed code names its visit (strays do not type codes); after the code's lease ends it
    halves every LATE_HALF_LIFE, as the code may have been written down and typed much later."""
    if at < lease.expires_at:
        return EXTENSION_CONFIDENCE
    late = (at - lease.expires_at) / LATE_HALF_LIFE
    return round(EXTENSION_CONFIDENCE * math.pow(0.5, late), 3)


def _from_history(previous: Attribution | None) -> Attribution:
    if previous is None or previous.method is AttributionMethod.NONE:
        return UNATTRIBUTED
    # A chain of repeat calls rests on the first one's evidence: discount it once, not per call.
    factor = 1.0 if previous.method is AttributionMethod.CALLER_HISTORY else HISTORY_FACTOR
    return Attribution(
        AttributionMethod.CALLER_HISTORY,
        round(previous.confidence * factor, 3),
        previous.channel,
        previous.visit_id,
    )
