"""Drive the real visit, route and call services over a trace with a virtual clock, and score
the attribution against the trace's ground truth."""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from callscope.domain.allocation import CALLSCOPE, AllocationPolicy
from callscope.domain.calls import CallEvent, EventKind
from callscope.domain.errors import NotFound
from callscope.domain.progress import Progress, unreported
from callscope.domain.visits import VisitMode
from callscope.replay.generate import Trace, TraceCall, TraceVisit
from callscope.services.calls import record_call_event
from callscope.services.ports import Storage
from callscope.services.replay import site_numbers
from callscope.services.routing import route_call
from callscope.services.visits import VisitRequest, heartbeat, start_visit


@dataclass(frozen=True)
class ReplaySetup:
    site_key: str
    start: datetime
    lease_seconds: int = 900
    heartbeat_seconds: int = 60
    full_calls: bool = False  # also answer and complete each call (for demo data)
    seed: int = 0
    policy: AllocationPolicy = CALLSCOPE


@dataclass
class Shown:
    """What a trace visit was last shown, and callscope's visit id for it."""

    visit_id: str | None
    number: str
    ext: str | None
    tracked: bool = True  # shown a number of its own (pool, extension code or static)


@dataclass
class Score:
    calls: int = 0
    correct: int = 0
    wrong: int = 0
    unattributed: int = 0
    visits: int = 0
    visits_without_number: int = 0
    in_visit_calls: int = 0
    in_visit_correct: int = 0
    outcomes: list[tuple[float, bool]] = field(default_factory=list)  # (confidence, right)
    methods: dict[str, list[float]] = field(default_factory=dict)  # [calls, right, confidence]


def replay(
    storage: Storage, trace: Trace, setup: ReplaySetup, progress: Progress = unreported
) -> Score:
    """Play every visit start, heartbeat and call of `trace` in time order; `progress` hears
    the trace minutes played of the trace's length."""
    rng = random.Random(setup.seed)
    visits_by_id = {v.visit_id: v for v in trace.visits}
    shown: dict[str, Shown] = {}
    back: dict[str, str] = {}
    score = Score()
    queue: list[tuple[float, int, str, str]] = []
    for order, visit in enumerate(trace.visits):
        heapq.heappush(queue, (visit.start, order, "visit", visit.visit_id))
    for order, call in enumerate(trace.calls):
        heapq.heappush(queue, (call.at, len(trace.visits) + order, "call", call.call_id))
    calls_by_id = {c.call_id: c for c in trace.calls}
    order = len(trace.visits) + len(trace.calls)
    minutes, played = _trace_minutes(trace), -1
    while queue:
        at, _, kind, key = heapq.heappop(queue)
        if int(at // 60) > played:  # once a trace minute: a report per event cost ~5%
            played = int(at // 60)
            progress(played, minutes)
        now = setup.start + timedelta(seconds=at)
        if kind == "visit":
            visit = visits_by_id[key]
            shown[key] = _start(storage, setup, visit, now)
            back[shown[key].visit_id or ""] = key
            score.visits += 1
            score.visits_without_number += not shown[key].tracked
            next_beat = at + setup.heartbeat_seconds
            if next_beat <= visit.end:
                order += 1
                heapq.heappush(queue, (next_beat, order, "beat", key))
        elif kind == "beat":
            visit = visits_by_id[key]
            shown[key] = _beat(storage, setup, key, shown[key], now)
            next_beat = at + setup.heartbeat_seconds
            if next_beat <= visit.end:
                order += 1
                heapq.heappush(queue, (next_beat, order, "beat", key))
        else:
            call = calls_by_id[key]
            _call(storage, setup, call, shown, back, visits_by_id, now, rng, score)
    progress(minutes, minutes)
    return score


def _trace_minutes(trace: Trace) -> int:
    ends = [v.end for v in trace.visits] + [c.at for c in trace.calls]
    return int(max(ends, default=0.0) // 60) + 1


def _start(storage: Storage, setup: ReplaySetup, visit: TraceVisit, now: datetime) -> Shown:
    request = VisitRequest(
        setup.site_key, visit.landing_url, visit.referrer or None, visitor_id=visit.visitor_id
    )
    assignment = start_visit(
        storage, request, setup.lease_seconds, now, random.Random(visit.visit_id), setup.policy
    )
    v = assignment.visit
    tracked = v is not None and v.mode is not VisitMode.NONE
    return Shown(v.id if v else None, assignment.number, assignment.ext, tracked)


def _beat(
    storage: Storage, setup: ReplaySetup, trace_id: str, current: Shown, now: datetime
) -> Shown:
    if current.visit_id is None:
        return current
    # Seeded per visit and moment, so a replay with a random policy repeats exactly.
    rng = random.Random(f"{trace_id}@{now.isoformat()}")
    assignment = heartbeat(storage, current.visit_id, setup.lease_seconds, now, setup.policy, rng)
    return replace(current, number=assignment.number, ext=assignment.ext)


def _call(
    storage: Storage,
    setup: ReplaySetup,
    call: TraceCall,
    shown: dict[str, Shown],
    back: dict[str, str],
    visits_by_id: dict[str, TraceVisit],
    now: datetime,
    rng: random.Random,
    score: Score,
) -> None:
    source = shown.get(call.visit_id or "")
    dialed, ext = (
        (source.number, source.ext) if source else (_any_tracking_number(storage, setup, rng), None)
    )
    score.calls += 1
    truth = call.visit_id
    in_visit = truth is not None and visits_by_id[truth].start <= call.at <= visits_by_id[truth].end
    score.in_visit_calls += in_visit
    try:
        route_call(storage, dialed, ext, call.caller, now)
    except NotFound:
        score.unattributed += 1  # the visitor was shown the site's own number
        return
    attributed = _record(storage, setup, call, dialed, ext, now)
    guess = back.get(attributed[0] or "") if attributed[0] else None
    tally = score.methods.setdefault(attributed[2], [0, 0, 0.0])
    tally[0] += 1
    tally[1] += guess == truth if guess is not None else truth is None
    tally[2] += attributed[1]
    if guess is None:
        score.unattributed += 1
        right = truth is None
    else:
        right = guess == truth
        score.correct += right
        score.wrong += not right
        score.outcomes.append((attributed[1], right))
    score.in_visit_correct += in_visit and right and guess is not None


def _record(
    storage: Storage,
    setup: ReplaySetup,
    call: TraceCall,
    dialed: str,
    ext: str | None,
    now: datetime,
) -> tuple[str | None, float, str]:
    base = CallEvent(
        call_id=call.call_id,
        event=EventKind.STARTED,
        at=now,
        dialed_number=dialed,
        caller=call.caller,
        ext=ext,
    )
    recorded = record_call_event(storage, base, setup.lease_seconds, now)
    if setup.full_calls:
        _finish(storage, setup, base, call, now)
    found = recorded.attribution
    return found.visit_id, found.confidence, found.method.value


def _finish(
    storage: Storage, setup: ReplaySetup, base: CallEvent, call: TraceCall, now: datetime
) -> None:
    talk = 20 + (sum(map(ord, call.call_id)) * 37) % 400
    answered = sum(map(ord, call.call_id)) % 7 != 0
    if answered:
        record_call_event(
            storage,
            replace(base, event=EventKind.ANSWERED, at=now + timedelta(seconds=8)),
            setup.lease_seconds,
            now,
        )
    done = replace(
        base,
        event=EventKind.COMPLETED,
        at=now + timedelta(seconds=8 + talk),
        duration=talk if answered else 0,
    )
    record_call_event(storage, done, setup.lease_seconds, now)


def _any_tracking_number(storage: Storage, setup: ReplaySetup, rng: random.Random) -> str:
    """A caller not from the site dials some tracking number they saw elsewhere."""
    numbers = site_numbers(storage, setup.site_key)
    return rng.choice(numbers) if numbers else "+10000000000"
