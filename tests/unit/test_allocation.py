"""Choosing a pool number and an extension code."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from callscope.domain.allocation import (
    CALLSCOPE,
    LRU_30MIN_FIXED,
    POLICIES,
    RANDOM_5MIN,
    RANDOM_15MIN,
    FreeNumber,
    choose_number,
    new_ext_code,
    random_ext_code,
)

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_the_number_idle_longest_is_chosen_and_never_held_ones_first() -> None:
    free = [FreeNumber(1, T0), FreeNumber(2, T0 - timedelta(hours=1)), FreeNumber(3, None)]
    assert choose_number(free, None) == FreeNumber(3, None)
    assert choose_number(free[:2], None) == FreeNumber(2, T0 - timedelta(hours=1))


def test_a_returning_visitor_gets_their_last_number_back() -> None:
    free = [FreeNumber(1, T0 - timedelta(hours=3)), FreeNumber(2, T0, last_visitor_id="vis-7")]
    assert choose_number(free, "vis-7") == free[1]
    assert choose_number(free, "vis-8") == free[0]


def test_no_free_number_means_none() -> None:
    assert choose_number([], "vis") is None


def test_extension_codes_are_four_digits_and_avoid_live_ones() -> None:
    rng = random.Random(1)
    taken = {str(c) for c in range(1000, 9999)}
    assert new_ext_code(taken, rng) == "9999"
    assert new_ext_code(taken | {"9999"}, rng) is None
    code = new_ext_code(set(), rng)
    assert code is not None and len(code) == 4 and code[0] != "0"


def test_policies_by_name_are_ours_and_the_three_baselines() -> None:
    assert sorted(POLICIES) == ["callscope", "lru-30min-fixed", "random-15min", "random-5min"]
    assert POLICIES["callscope"] is CALLSCOPE


def test_our_policy_holds_for_the_setting_and_takes_back_after_150_quiet_seconds() -> None:
    assert CALLSCOPE.hold_seconds(900) == 900
    # Held until <= now + 900 - 150 means the last heartbeat was 150 s ago or more.
    assert CALLSCOPE.reclaim_cutoff(T0, 900) == T0 + timedelta(seconds=750)


def test_baselines_hold_fixed_times_and_never_take_numbers_back() -> None:
    assert [RANDOM_5MIN.hold_seconds(900), RANDOM_15MIN.hold_seconds(60)] == [300, 900]
    assert LRU_30MIN_FIXED.hold_seconds(900) == 1800 and not LRU_30MIN_FIXED.heartbeats_extend
    assert RANDOM_5MIN.reclaim_cutoff(T0, 300) is None


def test_the_random_baseline_picks_any_free_number_and_ignores_returning_visitors() -> None:
    free = [FreeNumber(n, T0 - timedelta(hours=n), last_visitor_id=f"vis-{n}") for n in (1, 2, 3)]
    picks = {RANDOM_5MIN.choose(free, "vis-3", random.Random(seed)) for seed in range(40)}
    assert {pick.number_id for pick in picks if pick} == {1, 2, 3}
    assert CALLSCOPE.choose(free, "vis-1", random.Random(0)) == free[0]
    assert CALLSCOPE.choose(free, None, random.Random(0)) == free[2]  # idle three hours


class Edge(random.Random):
    """A generator that always draws the lowest (or highest) value it is allowed."""

    def __init__(self, highest: bool) -> None:
        super().__init__(0)
        self.highest = highest

    def randint(self, a: int, b: int) -> int:
        return b if self.highest else a


def test_extension_codes_run_from_1000_to_9999() -> None:
    assert (random_ext_code(Edge(False)), random_ext_code(Edge(True))) == ("1000", "9999")
