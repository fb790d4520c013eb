"""Replay drives the returning-visitor path: a visit carrying a visitor id seen before gets
that visitor's last number back when it is free, and its call is attributed to the new visit."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import select

from callscope.adapters.storage import Storage
from callscope.adapters.tables.core import visits
from callscope.entrypoints.demo import tracking_site
from callscope.replay.driver import ReplaySetup, Score, replay
from callscope.replay.generate import Trace, TraceCall, TraceVisit

EPOCH = datetime(2026, 1, 5, tzinfo=UTC)
LANDING = "https://a/?utm_source=google&utm_medium=cpc"
# Alice visits, someone else visits, and an hour later (every lease long over) Alice is back
# and calls. Of three numbers the idlest is the one nobody held: only her id brings hers back.
VISITS = (
    TraceVisit("first", 0, 50, LANDING, "", visitor_id="alice"),
    TraceVisit("other", 10, 50, LANDING, ""),
    TraceVisit("back", 3600, 3700, LANDING, "", visitor_id="alice"),
)
CALLS = (TraceCall("call", 3650, "back", "+12125550123"),)


def replayed(trace: Trace) -> tuple[Score, list[int]]:
    storage = Storage.connect("sqlite://")
    site_key = tracking_site(storage, EPOCH, 3, extension=False)
    score = replay(storage, trace, ReplaySetup(site_key, EPOCH))
    with storage.engine.connect() as conn:
        shown = conn.execute(select(visits.c.number_id).order_by(visits.c.started_at)).scalars()
        numbers = [int(n) for n in shown]
    storage.close()
    return score, numbers


def test_a_returning_visitor_in_a_replay_gets_their_last_number_and_their_call() -> None:
    score, (first, other, back) = replayed(Trace(VISITS, CALLS))
    assert back == first and len({first, other}) == 2
    assert (score.calls, score.correct, score.wrong) == (1, 1, 0)


def test_without_visitor_ids_the_same_trace_gives_the_idlest_number_instead() -> None:
    anonymous = tuple(replace(v, visitor_id=None) for v in VISITS)
    _, (first, other, back) = replayed(Trace(anonymous, CALLS))
    assert back not in (first, other)
