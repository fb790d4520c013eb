"""Call flows: the plan for a moment (hours in the site's zone across DST and midnight, closed
days, round robin), validation messages, and the spam verdict."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from callscope.domain.errors import InvalidInput
from callscope.domain.flows import (
    Action,
    Announcement,
    BlockEntry,
    Blocklist,
    Fallback,
    Flow,
    Hours,
    Reason,
    SpamRules,
    Strategy,
    Voicemail,
    flow_from_dict,
    flow_to_dict,
    is_target,
    judge,
    plan_to_dict,
)

A, B, C = "+15550100201", "+15550100202", "sip:carol@pbx.example.com"
WEEKDAYS = tuple(Hours(d, time(9), time(17)) for d in range(5))


def flow(**given: object) -> Flow:
    values: dict[str, object] = {"targets": (A, B, C), "time_zone": "America/New_York"}
    values.update(given)
    return Flow(**values)  # type: ignore[arg-type]


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


# --- hours -----------------------------------------------------------------------------------


def test_no_hours_is_always_open() -> None:
    assert flow().reason_at(utc(2026, 3, 8, 3, 0)) is Reason.OPEN


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # Winter (EST, UTC-5): 13:59 UTC is 08:59 local, 14:00 UTC 09:00.
        (utc(2026, 3, 6, 13, 59), Reason.AFTER_HOURS),
        (utc(2026, 3, 6, 14, 0), Reason.OPEN),
        (utc(2026, 3, 6, 21, 59), Reason.OPEN),
        (utc(2026, 3, 6, 22, 0), Reason.AFTER_HOURS),
        # Summer (EDT, UTC-4) after the change on Sunday 8 March 2026: 13:00 UTC is 09:00.
        (utc(2026, 3, 9, 12, 59), Reason.AFTER_HOURS),
        (utc(2026, 3, 9, 13, 0), Reason.OPEN),
        (utc(2026, 3, 9, 20, 59), Reason.OPEN),
        (utc(2026, 3, 9, 21, 0), Reason.AFTER_HOURS),
        # Back to EST on Sunday 1 November 2026: Monday 2 November 09:00 is 14:00 UTC again.
        (utc(2026, 11, 2, 13, 30), Reason.AFTER_HOURS),
        (utc(2026, 11, 2, 14, 0), Reason.OPEN),
        # The weekend is closed.
        (utc(2026, 3, 7, 15, 0), Reason.AFTER_HOURS),
    ],
)
def test_weekday_hours_follow_the_sites_wall_clock_across_dst(
    moment: datetime, expected: Reason
) -> None:
    assert flow(hours=WEEKDAYS).reason_at(moment) is expected


def test_hours_on_the_night_clocks_change() -> None:
    """Saturday 22:00 to Sunday 04:00 on the night clocks go forward at 02:00 (local 02:xx
    does not exist): open until 04:00 EDT, which is 08:00 UTC, five hours after 22:00 EST."""
    night = flow(hours=(Hours(5, time(22), time(4)),))
    assert night.reason_at(utc(2026, 3, 8, 2, 59)) is Reason.AFTER_HOURS  # Sat 21:59 EST
    assert night.reason_at(utc(2026, 3, 8, 3, 0)) is Reason.OPEN  # Sat 22:00 EST
    assert night.reason_at(utc(2026, 3, 8, 7, 59)) is Reason.OPEN  # Sun 03:59 EDT
    assert night.reason_at(utc(2026, 3, 8, 8, 0)) is Reason.AFTER_HOURS  # Sun 04:00 EDT


def test_hours_past_midnight_belong_to_the_day_they_open() -> None:
    late = flow(hours=(Hours(4, time(20), time(2)),), closed_days=(date(2026, 3, 14),))
    # Friday 13 March 20:00 EDT to Saturday 02:00: Saturday 14 March being closed does not cut
    # the Friday night short.
    assert late.reason_at(utc(2026, 3, 14, 5, 59)) is Reason.OPEN  # Sat 01:59 EDT
    assert late.reason_at(utc(2026, 3, 14, 6, 0)) is Reason.CLOSED_DAY  # Sat 02:00: closed
    assert late.reason_at(utc(2026, 3, 7, 7, 0)) is Reason.AFTER_HOURS  # a week before, 02:00 EST
    assert late.reason_at(utc(2026, 3, 13, 23, 59)) is Reason.AFTER_HOURS  # Fri 19:59


def test_hours_past_sunday_midnight_run_into_monday() -> None:
    sunday_night = flow(hours=(Hours(6, time(23), time(1)),), time_zone="Europe/Paris")
    assert sunday_night.reason_at(utc(2026, 1, 4, 23, 30)) is Reason.OPEN  # Mon 00:30 CET
    assert sunday_night.reason_at(utc(2026, 1, 5, 0, 0)) is Reason.AFTER_HOURS  # Mon 01:00


def test_closed_days_are_local_dates() -> None:
    christmas = flow(hours=WEEKDAYS, closed_days=(date(2026, 12, 25),))
    assert christmas.reason_at(utc(2026, 12, 25, 15, 0)) is Reason.CLOSED_DAY
    assert christmas.reason_at(utc(2026, 12, 24, 15, 0)) is Reason.OPEN
    # 02:00 UTC on the 26th is still the 25th in New York.
    always = flow(closed_days=(date(2026, 12, 25),))
    assert always.reason_at(utc(2026, 12, 26, 2, 0)) is Reason.CLOSED_DAY
    assert always.reason_at(utc(2026, 12, 26, 6, 0)) is Reason.OPEN


def test_whole_day_hours() -> None:
    saturday = flow(hours=(Hours(5, time(0), time(0)),), time_zone="UTC")
    assert saturday.reason_at(utc(2026, 3, 7, 0, 0)) is Reason.OPEN
    assert saturday.reason_at(utc(2026, 3, 7, 23, 59)) is Reason.OPEN
    assert saturday.reason_at(utc(2026, 3, 8, 0, 0)) is Reason.AFTER_HOURS


# --- plans -----------------------------------------------------------------------------------


def test_open_plan_rings_the_targets_with_their_timeouts() -> None:
    plan = flow(strategy=Strategy.IN_ORDER, ring_seconds=(15, 25), record=True).plan_at(
        utc(2026, 3, 6, 15, 0)
    )
    assert plan.targets == (A, B, C)
    assert plan.ring_seconds == (15, 25, 20)
    assert plan.strategy is Strategy.IN_ORDER
    assert plan.reason is Reason.OPEN and plan.record
    assert plan.voicemail is not None and plan.first == A


def test_round_robin_rotates_the_first_target() -> None:
    rr = flow(strategy=Strategy.ROUND_ROBIN, ring_seconds=(10, 11, 12))
    firsts = [rr.plan_at(utc(2026, 3, 6, 15, 0), turn=t).targets for t in range(4)]
    assert firsts == [(A, B, C), (B, C, A), (C, A, B), (A, B, C)]
    assert rr.plan_at(utc(2026, 3, 6, 15, 0), turn=1).ring_seconds == (11, 12, 10)


def test_after_hours_goes_to_voicemail_or_another_number() -> None:
    night = utc(2026, 3, 7, 3, 0)
    box = Voicemail(target="sip:voicemail@pbx.example.com")
    plan = flow(hours=WEEKDAYS, voicemail=box).plan_at(night)
    assert plan.targets == () and plan.reason is Reason.AFTER_HOURS
    assert plan.voicemail == box and plan.first == "sip:voicemail@pbx.example.com"
    other = flow(hours=WEEKDAYS, after_hours=Fallback.NUMBER, after_hours_number="+15550100299")
    assert other.plan_at(night).targets == ("+15550100299",)


def test_no_answer_number_is_the_fallback() -> None:
    plan = flow(no_answer=Fallback.NUMBER, no_answer_number="+15550100299").plan_at(
        utc(2026, 3, 6, 15, 0)
    )
    assert plan.fallback_number == "+15550100299" and plan.voicemail is None


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"targets": ()}, "at least one target"),
        ({"time_zone": "Mars/Olympus"}, "not an IANA time zone"),
        ({"targets": ("555-0100",)}, "neither an E.164 phone number"),
        ({"targets": ("sip:nohost",)}, "nor a SIP URI"),
        (
            {"hours": (Hours(0, time(9), time(17)), Hours(0, time(16), time(20)))},
            "mon 09:00-17:00 overlaps mon 16:00-20:00",
        ),
        (
            {"hours": (Hours(0, time(22), time(3)), Hours(1, time(2), time(5)))},
            "overlaps",
        ),
        (
            {"hours": (Hours(6, time(22), time(3)), Hours(0, time(1), time(5)))},
            "sun 22:00-03:00 overlaps mon 01:00-05:00",
        ),
        ({"hours": (Hours(7, time(9), time(17)),)}, "day 7"),
        ({"ring_seconds": (2,)}, "outside"),
        ({"after_hours": Fallback.NUMBER}, "after_hours_number"),
        ({"announcement": Announcement()}, "text or an audio_url"),
    ],
)
def test_bad_flows_are_refused_with_a_clear_message(given: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        flow(**given)


def test_adjacent_hours_do_not_overlap() -> None:
    flow(hours=(Hours(0, time(9), time(12)), Hours(0, time(12), time(17))))
    flow(hours=(Hours(6, time(22), time(0)), Hours(0, time(0), time(5))))


@pytest.mark.parametrize(
    ("address", "ok"),
    [
        ("+15550100123", True),
        ("sip:agent@10.0.0.5:5080", True),
        ("sips:agent@pbx.example.com;transport=tls", True),
        ("15550100123", False),
        ("+0123456789", False),
        ("sip:@host", False),
        ("http://x@y", False),
    ],
)
def test_targets_are_phone_numbers_or_sip_uris(address: str, ok: bool) -> None:
    assert is_target(address) is ok


# --- spam ------------------------------------------------------------------------------------


def test_blocklist_numbers_and_longest_prefix() -> None:
    listed = Blocklist.of(
        [
            BlockEntry(1, 1, "+15550100666", None, "robocaller"),
            BlockEntry(2, 1, None, "+1900", "premium rate"),
            BlockEntry(3, 1, None, "+19005", "known scam range"),
        ]
    )
    rules = SpamRules()
    assert judge("+15550100666", "+15550100666", listed, rules).reason == "blocklist: robocaller"
    assert judge("+19005550100", "+19005550100", listed, rules).reason == (
        "blocklist: known scam range"
    )
    assert judge("+19001550100", "+19001550100", listed, rules).blocked
    assert not judge("+15550100667", "+15550100667", listed, rules).blocked


def test_withheld_and_invalid_caller_ids() -> None:
    rules = SpamRules(anonymous=Action.GATE, invalid=Action.BLOCK)
    assert judge(None, "anonymous", Blocklist(), rules).action is Action.GATE
    assert judge(None, None, Blocklist(), rules).action is Action.GATE
    invalid = judge(None, "12", Blocklist(), rules)
    assert invalid.blocked and invalid.reason == "invalid caller id"
    assert judge(None, "anonymous", Blocklist(), SpamRules(anonymous=Action.ALLOW)).action is (
        Action.ALLOW
    )


def test_too_many_calls_in_the_window() -> None:
    rules = SpamRules(max_calls=3, window_minutes=5)
    assert not judge(A, A, Blocklist(), rules, recent_calls=2).blocked
    verdict = judge(A, A, Blocklist(), rules, recent_calls=3)
    assert verdict.blocked and verdict.reason == "more than 3 calls in 5 minutes"
    assert not judge(A, A, Blocklist(), SpamRules(), recent_calls=99).blocked  # rule off


@pytest.mark.parametrize(
    ("number", "prefix", "reason", "message"),
    [
        (None, None, "x", "either a number or a prefix"),
        ("+15550100666", "+1", "x", "either a number or a prefix"),
        ("5550100", None, "x", "E.164"),
        (None, "1900", "x", "prefix"),
        ("+15550100666", None, " ", "reason"),
    ],
)
def test_bad_block_entries(
    number: str | None, prefix: str | None, reason: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        BlockEntry(0, 1, number, prefix, reason)


def test_the_sequence_lists_the_steps_a_forwarding_platform_rings() -> None:
    box = Voicemail(target="sip:voicemail@pbx.example.com")
    together = flow(ring_seconds=(10, 30, 20), voicemail=box).plan_at(utc(2026, 3, 6, 15, 0))
    assert plan_to_dict(together)["sequence"] == [
        {"targets": [A, B, C], "ring_seconds": 30},
        {"targets": ["sip:voicemail@pbx.example.com"], "ring_seconds": 60},
    ]
    one_by_one = flow(
        strategy=Strategy.IN_ORDER, no_answer=Fallback.NUMBER, no_answer_number="+15550100299"
    ).plan_at(utc(2026, 3, 6, 15, 0))
    assert plan_to_dict(one_by_one)["sequence"] == [
        {"targets": [A], "ring_seconds": 20},
        {"targets": [B], "ring_seconds": 20},
        {"targets": [C], "ring_seconds": 20},
        {"targets": ["+15550100299"], "ring_seconds": 20},
    ]


def test_a_flow_survives_its_stored_form() -> None:
    original = flow(
        strategy=Strategy.ROUND_ROBIN,
        ring_seconds=(10, 11, 12),
        hours=(*WEEKDAYS, Hours(5, time(22), time(2))),
        closed_days=(date(2026, 12, 25),),
        announcement=Announcement(audio_url="https://cdn.example/notice.mp3"),
        record=True,
        spam=SpamRules(max_calls=3, window_minutes=5),
    )
    assert flow_from_dict(flow_to_dict(original)) == original
