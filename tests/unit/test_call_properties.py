"""Property: a call's state follows from the set of its facts, so its events in any order and
any number of repeats give the same call (Hypothesis draws the events, orders and repeats)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from callscope.domain.calls import UNATTRIBUTED, Call, CallEvent, EventKind

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
AGENT, EXT, RECORDING = "+15550100199", "4821", "https://rec/1.mp3"


@st.composite
def call_events(draw: st.DrawFn) -> list[CallEvent]:
    """One event of each kind the call had (a kind repeats only as a retry of that event); a
    platform names the agent, code and recording the same way in every event carrying them."""
    kinds = draw(st.sets(st.sampled_from(list(EventKind)), min_size=1))
    events = []
    for kind in sorted(kinds):
        events.append(
            CallEvent(
                "CA1",
                kind,
                T0 + timedelta(seconds=draw(st.integers(0, 3600))),
                "+15550100201",
                "+12125550123",
                agent_number=draw(st.sampled_from([None, AGENT])),
                ext=draw(st.sampled_from([None, EXT])),
                duration=draw(st.none() | st.integers(0, 3600))
                if kind is EventKind.COMPLETED
                else None,
                record_url=draw(st.sampled_from([None, RECORDING])),
                failure_code=draw(st.sampled_from([None, "busy", "487"]))
                if kind is EventKind.FAILED
                else None,
                failure_reason=draw(st.sampled_from([None, "Busy Here"])),
            )
        )
    return events


def applied(events: list[CallEvent]) -> Call:
    """The call as the service builds it: from the first event heard, then every event."""
    first = events[0]
    call = Call(
        "CA1",
        1,
        1,
        first.dialed_number,
        first.caller,
        first.at,
        UNATTRIBUTED,
        True,
        agent_number=first.agent_number,
        ext=first.ext,
    )
    for event in events:
        call = call.with_event(event)
    return call


@settings(max_examples=300, deadline=None)
@given(
    events=call_events(),
    data=st.data(),
)
def test_events_in_any_order_and_any_repeats_give_the_same_call(
    events: list[CallEvent], data: st.DataObject
) -> None:
    repeats = data.draw(st.lists(st.sampled_from(events), max_size=8), label="repeats")
    shuffled = data.draw(st.permutations(events + repeats), label="delivery order")
    in_order = applied(sorted(events, key=lambda e: (e.at, list(EventKind).index(e.event))))
    assert applied(shuffled) == in_order
    assert in_order.started_at == min(e.at for e in events)
