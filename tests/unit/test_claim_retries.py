"""Claiming under a baseline policy, against a fake lease store: the policy's choice first (a
returning visitor's own number), the next candidate when a concurrent visit took one, then a
few numbers nobody is claiming, then nothing."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from callscope.domain.allocation import RANDOM_5MIN, FreeNumber
from callscope.domain.channel import Channel
from callscope.domain.visits import Lease, Visit
from callscope.services.assignment import CLAIM_ATTEMPTS, Allocation, _claim_from

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
CUTOFF = datetime(2026, 3, 2, 9, 58, tzinfo=UTC)
LEASE = Lease(0, "visit-1", T0, datetime(2026, 3, 2, 10, 5, tzinfo=UTC))
VISIT = Visit("visit-1", 5, T0, "https://a/", None, Channel("google", "cpc"), visitor_id="v-9")
SITE: Any = SimpleNamespace(id=5)
RESERVED = ("google", "cpc")


class FakeLeases:
    """Claims of `busy` numbers fail (another visit got there first); spares come in order."""

    def __init__(self, busy: set[int], spares: list[int]) -> None:
        self.busy, self.spares = busy, [FreeNumber(n, None) for n in spares]
        self.claims: list[tuple[Lease, str | None, datetime]] = []
        self.asked: list[tuple[int, datetime, tuple[str, str] | None]] = []

    def claim(self, lease: Lease, visitor_id: str | None, cutoff: datetime) -> bool:
        self.claims.append((lease, visitor_id, cutoff))
        return lease.number_id not in self.busy

    def unclaimed_free_number(
        self, site_id: int, cutoff: datetime, reserved: tuple[str, str] | None
    ) -> FreeNumber | None:
        self.asked.append((site_id, cutoff, reserved))
        return self.spares.pop(0) if self.spares else None


def claim(leases: FakeLeases, free: list[FreeNumber], returning: bool = False) -> int | None:
    policy = replace(RANDOM_5MIN, returning_visitor=returning)
    uow: Any = SimpleNamespace(leases=leases)
    pool = Allocation(policy, 300, random.Random(0))
    chosen = _claim_from(uow, SITE, VISIT, pool, CUTOFF, LEASE, RESERVED, free)
    return chosen.number_id if chosen else None


def numbers(leases: FakeLeases) -> list[int]:
    return [lease.number_id for lease, _, _ in leases.claims]


def test_a_returning_visitor_claims_their_own_number_first() -> None:
    free = [FreeNumber(n, None, last_visitor_id="v-9" if n == 3 else None) for n in range(1, 6)]
    leases = FakeLeases(busy=set(), spares=[])
    assert claim(leases, free, returning=True) == 3
    assert leases.claims == [(replace(LEASE, number_id=3), "v-9", CUTOFF)]
    assert claim(FakeLeases(set(), []), free, returning=False) != 3  # the seed picks another


def test_numbers_taken_meanwhile_are_skipped_then_a_spare_nobody_claims_is_taken() -> None:
    leases = FakeLeases(busy={1, 2}, spares=[7])
    assert claim(leases, [FreeNumber(1, None), FreeNumber(2, None)]) == 7
    assert sorted(numbers(leases)[:2]) == [1, 2] and numbers(leases)[2:] == [7]
    assert leases.claims[-1] == (replace(LEASE, number_id=7), "v-9", CUTOFF)
    assert leases.asked == [(5, CUTOFF, RESERVED)]


def test_spares_are_tried_a_few_times_only_and_none_left_is_none() -> None:
    leases = FakeLeases(busy={1, 7, 8, 9, 10}, spares=[7, 8, 9, 10, 11])
    assert claim(leases, [FreeNumber(1, None)]) is None
    assert numbers(leases) == [1, 7, 8, 9, 10] and len(leases.asked) == CLAIM_ATTEMPTS == 4
    empty = FakeLeases(busy={1}, spares=[])
    assert claim(empty, [FreeNumber(1, None)]) is None
    assert len(empty.asked) == 1
    nothing = FakeLeases(busy=set(), spares=[7])
    assert claim(nothing, []) is None and nothing.claims == [] == nothing.asked
