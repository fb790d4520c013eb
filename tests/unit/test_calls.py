"""A call's state follows from its facts: events in any order, any number of times."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from callscope.domain.calls import UNATTRIBUTED, Call, CallEvent, CallStatus, EventKind

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def event(kind: EventKind, seconds: int, **extra: object) -> CallEvent:
    return CallEvent(
        "CA1", kind, T0 + timedelta(seconds=seconds), "+15550100201", "+12125550123", **extra
    )  # type: ignore[arg-type]


def new_call() -> Call:
    return Call(
        "CA1", 1, 1, "+15550100201", "+12125550123", T0 + timedelta(hours=1), UNATTRIBUTED, True
    )


ANSWERED_CALL = [
    event(EventKind.STARTED, 0),
    event(EventKind.ANSWERED, 5, agent_number="+15550100199"),
    event(EventKind.COMPLETED, 65, duration=60, record_url="https://rec/1"),
]


@pytest.mark.parametrize("order", list(itertools.permutations(ANSWERED_CALL)))
def test_any_order_of_events_ends_completed_with_the_same_facts(
    order: tuple[CallEvent, ...],
) -> None:
    call = new_call()
    for e in order + order:
        call = call.with_event(e)
    assert call.status is CallStatus.COMPLETED
    assert (call.started_at, call.answered_at, call.ended_at) == (
        T0,
        T0 + timedelta(seconds=5),
        T0 + timedelta(seconds=65),
    )
    assert (call.duration, call.record_url, call.agent_number) == (
        60,
        "https://rec/1",
        "+15550100199",
    )


def test_completed_without_an_answer_is_missed() -> None:
    call = new_call().with_event(event(EventKind.STARTED, 0))
    call = call.with_event(event(EventKind.COMPLETED, 30, duration=0))
    assert call.status is CallStatus.MISSED


def test_a_failure_keeps_its_code_and_reason() -> None:
    call = new_call().with_event(
        event(EventKind.FAILED, 3, failure_code="486", failure_reason="Busy Here")
    )
    assert call.status is CallStatus.FAILED
    assert (call.failure_code, call.failure_reason) == ("486", "Busy Here")


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("487", CallStatus.MISSED),
        ("no-answer", CallStatus.MISSED),
        ("486", CallStatus.FAILED),
        ("busy", CallStatus.FAILED),
    ],
)
def test_unanswered_failure_codes_are_missed_calls(code: str, status: CallStatus) -> None:
    call = new_call().with_event(event(EventKind.FAILED, 30, failure_code=code))
    assert call.status is status


def test_started_and_answered_only_is_answered_then_ringing_before() -> None:
    ringing = new_call().with_event(event(EventKind.STARTED, 0))
    assert ringing.status is CallStatus.RINGING
    assert ringing.with_event(event(EventKind.ANSWERED, 2)).status is CallStatus.ANSWERED


def test_a_later_failure_after_an_answer_does_not_hide_the_conversation() -> None:
    call = replace(new_call(), answered_at=T0).with_event(
        event(EventKind.FAILED, 90, failure_code="500")
    )
    assert call.status is CallStatus.COMPLETED


def test_two_answers_in_either_order_keep_the_earliest() -> None:
    early, late = event(EventKind.ANSWERED, 5), event(EventKind.ANSWERED, 9)
    for first, second in ((early, late), (late, early)):
        assert new_call().with_event(first).with_event(second).answered_at == early.at
