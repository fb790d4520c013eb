"""Attribution and its confidence, from the evidence storage gathers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from callscope.domain import attribution
from callscope.domain.attribution import Evidence, attribute, code_confidence, late_confidence
from callscope.domain.calls import Attribution, AttributionMethod
from callscope.domain.channel import Channel
from callscope.domain.sites import NumberKind, TrackingNumber
from callscope.domain.visits import Lease, Visit

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
GOOGLE = Channel("google", "cpc", term="boiler repair")
POOL = TrackingNumber(1, 1, "+15550100201", NumberKind.POOL)
EXT = TrackingNumber(2, 1, "+15550100300", NumberKind.EXTENSION)
VISIT = Visit("v1", 1, T0, "https://a/", None, GOOGLE)
LEASE = Lease(1, "v1", T0, T0 + timedelta(minutes=15))


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_static_number_is_its_channel_for_sure() -> None:
    radio = TrackingNumber(3, 1, "+15550100101", NumberKind.STATIC, Channel("radio", "offline"))
    assert attribute(radio, at(0), Evidence()) == Attribution(
        AttributionMethod.STATIC, 1.0, Channel("radio", "offline")
    )


def test_a_call_while_the_holder_is_on_the_page_goes_to_the_holder_at_odds_of_12_to_1() -> None:
    present = replace(VISIT, last_seen_at=at(4.5))
    found = attribute(POOL, at(5), Evidence(LEASE, present))
    assert (found.method, found.visit_id, found.channel, found.confidence) == (
        AttributionMethod.POOL,
        "v1",
        GOOGLE,
        0.923,  # 12 / 13
    )


def test_each_recent_other_holder_halves_the_odds() -> None:
    present = replace(VISIT, last_seen_at=at(4.5))
    assert attribute(POOL, at(5), Evidence(LEASE, present, recent_holders=2)).confidence == 0.75


def test_a_late_caller_is_attributed_by_minutes_since_the_holder_was_last_seen() -> None:
    ten_minutes_after = attribute(POOL, at(10), Evidence(LEASE, VISIT))
    assert (ten_minutes_after.method, ten_minutes_after.visit_id) == (AttributionMethod.POOL, "v1")
    assert ten_minutes_after.confidence == 0.35
    assert attribute(POOL, at(10), Evidence(LEASE, VISIT, recent_holders=1)).confidence == 0.14
    assert attribute(POOL, at(3), Evidence(LEASE, VISIT)).confidence == 0.15
    # After an hour, 0.55 halves every two hours: 3 hours after is 0.55 / 2.
    assert attribute(POOL, at(180), Evidence(LEASE, VISIT)).confidence == 0.275


def test_far_too_late_falls_back_to_caller_history_then_none() -> None:
    previous = Attribution(AttributionMethod.POOL, 0.9, GOOGLE, "v0")
    a_day_later = at(15 + 24 * 60)
    found = attribute(POOL, a_day_later, Evidence(LEASE, VISIT, previous=previous))
    assert (found.method, found.visit_id, found.confidence) == (
        AttributionMethod.CALLER_HISTORY,
        "v0",
        0.9,  # the earlier attribution's own confidence
    )
    assert attribute(POOL, a_day_later, Evidence(LEASE, VISIT)).method is AttributionMethod.NONE


def test_an_extension_code_names_its_visit() -> None:
    lease = Lease(2, "v1", T0, at(15), ext="4821")
    found = attribute(EXT, at(3), Evidence(lease, VISIT))
    assert (found.method, found.visit_id, found.confidence) == (
        AttributionMethod.EXTENSION,
        "v1",
        0.98,
    )


def test_no_holder_and_no_history_is_unattributed_with_zero_confidence() -> None:
    found = attribute(POOL, at(1), Evidence())
    assert (found.method, found.confidence, found.visit_id) == (AttributionMethod.NONE, 0.0, None)


def test_caller_history_wins_over_a_less_likely_holder_and_is_discounted_once_per_chain(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A factor below 1 tells "once per chain" from "once per call" (the shipped 1.0 cannot).
    monkeypatch.setattr(attribution, "HISTORY_FACTOR", 0.8)
    first = Attribution(AttributionMethod.POOL, 0.9, GOOGLE, "v0")
    second = attribute(POOL, at(180), Evidence(LEASE, VISIT, previous=first))
    assert (second.method, second.confidence) == (AttributionMethod.CALLER_HISTORY, 0.72)
    third = attribute(POOL, at(180), Evidence(LEASE, VISIT, previous=second))
    assert (third.method, third.visit_id, third.confidence) == (
        AttributionMethod.CALLER_HISTORY,
        "v0",
        0.72,  # not 0.576: the chain was discounted once, at its first repeat
    )
    earlier = Attribution(AttributionMethod.CALLER_HISTORY, 0.72, GOOGLE, "v0")
    three_hours_after = attribute(POOL, at(180), Evidence(LEASE, VISIT, previous=earlier))
    assert (three_hours_after.method, three_hours_after.visit_id) == (
        AttributionMethod.CALLER_HISTORY,
        "v0",
    )
    assert three_hours_after.confidence == 0.72  # beats the holder's 0.275, not cut again
    weak = Attribution(AttributionMethod.POOL, 0.2, GOOGLE, "v0")
    assert attribute(POOL, at(180), Evidence(LEASE, VISIT, previous=weak)).visit_id == "v1"


def test_a_code_typed_after_its_lease_ended_halves_every_two_hours() -> None:
    lease = Lease(2, "v1", T0, at(15), ext="4821")
    assert code_confidence(at(15), lease, VISIT) == 0.98  # the moment it ends: still 0.98
    assert code_confidence(at(15 + 120), lease, VISIT) == 0.49
    assert code_confidence(at(15 + 180), lease, VISIT) == 0.346  # 0.98 / 2**1.5, 3 decimals


def test_each_late_step_includes_its_last_minute() -> None:
    steps = [late_confidence(timedelta(minutes=m)) for m in (5, 5.5, 15, 15.5, 60)]
    assert steps == [0.15, 0.35, 0.35, 0.55, 0.55]
