"""Choosing a pool number and an extension code."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from callscope.domain.allocation import FreeNumber, choose_number, new_ext_code

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
