"""Allocation policies: which free pool number a visit gets, how long it is held, when a held
number may be taken back, and which extension code a visit gets when the pool is full."""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

EXT_DIGITS = 4
NEVER = datetime.min


@dataclass(frozen=True)
class FreeNumber:
    """A pool number nobody holds now; `free_since` is when its last lease ended, `number` its
    E.164 form (the number a visit that claims it is shown)."""

    number_id: int
    free_since: datetime | None
    last_visitor_id: str | None = None
    number: str | None = None


Pick = Callable[[Sequence[FreeNumber], random.Random], FreeNumber]


def idle_longest(candidates: Sequence[FreeNumber], rng: random.Random) -> FreeNumber:
    """The number released longest ago (never held first): late callers of its previous holder
    have had the most time to call before a stranger gets it."""
    return min(candidates, key=lambda c: (_naive(c.free_since), c.number_id))


def any_free(candidates: Sequence[FreeNumber], rng: random.Random) -> FreeNumber:
    """A free number at random, as most vendors hand them out."""
    return rng.choice(sorted(candidates, key=lambda c: c.number_id))


@dataclass(frozen=True)
class AllocationPolicy:
    """How a pool hands out numbers. The service receives one; the production default is
    `CALLSCOPE`, the others are the baselines `callscope replay --policy` measures it against.

    lease_seconds: the hold after the last heartbeat (None: the CALLSCOPE_LEASE_SECONDS setting).
    heartbeats_extend: False holds a number a fixed time from the visit's start.
    candidates: how many of the idlest free numbers `pick` chooses from (None: all of them).
    reclaim_after: when no number is free, one whose holder has sent no heartbeat for this many
    seconds is taken back (its visitor has left; the lease grace only protects late callers).
    """

    name: str
    pick: Pick
    lease_seconds: int | None = None
    heartbeats_extend: bool = True
    returning_visitor: bool = True
    candidates: int | None = 8
    reclaim_after: int | None = None

    def choose(
        self, candidates: Sequence[FreeNumber], visitor_id: str | None, rng: random.Random
    ) -> FreeNumber | None:
        """A returning visitor's last number when it is free, else the policy's pick."""
        if not candidates:
            return None
        if visitor_id and self.returning_visitor:
            for candidate in candidates:
                if candidate.last_visitor_id == visitor_id:
                    return candidate
        return self.pick(candidates, rng)

    @property
    def idlest_first(self) -> bool:
        """Whether the choice is the idlest free number (after a returning visitor's own, if
        the policy gives it back): storage can find and claim it in one step."""
        return self.pick is idle_longest

    def hold_seconds(self, setting: int) -> int:
        return setting if self.lease_seconds is None else self.lease_seconds

    def reclaim_cutoff(self, now: datetime, lease_seconds: int) -> datetime | None:
        """Held numbers whose lease ends at or before this were last renewed `reclaim_after`
        ago or earlier; None when the policy never takes a number back."""
        if self.reclaim_after is None:
            return None
        return now + timedelta(seconds=lease_seconds - self.reclaim_after)


CALLSCOPE = AllocationPolicy("callscope", idle_longest, reclaim_after=150)
RANDOM_5MIN = AllocationPolicy(
    "random-5min", any_free, lease_seconds=300, returning_visitor=False, candidates=None
)
RANDOM_15MIN = AllocationPolicy(
    "random-15min", any_free, lease_seconds=900, returning_visitor=False, candidates=None
)
LRU_30MIN_FIXED = AllocationPolicy(
    "lru-30min-fixed",
    idle_longest,
    lease_seconds=1800,
    heartbeats_extend=False,
    returning_visitor=False,
)
POLICIES: dict[str, AllocationPolicy] = {
    p.name: p for p in (CALLSCOPE, RANDOM_5MIN, RANDOM_15MIN, LRU_30MIN_FIXED)
}


def choose_number(candidates: Sequence[FreeNumber], visitor_id: str | None) -> FreeNumber | None:
    """The production policy's choice (a returning visitor's number, else the idlest)."""
    return CALLSCOPE.choose(candidates, visitor_id, random.Random(0))


def random_ext_code(rng: random.Random) -> str:
    """Any code, not starting with 0 (easier to say and to type)."""
    return str(rng.randint(10 ** (EXT_DIGITS - 1), 10**EXT_DIGITS - 1))


def new_ext_code(taken: Collection[str], rng: random.Random) -> str | None:
    """A code no live visit holds (see `random_ext_code`); None when every code is held."""
    low, high = 10 ** (EXT_DIGITS - 1), 10**EXT_DIGITS - 1
    if len(taken) >= high - low + 1:
        return None
    for _ in range(64):
        code = random_ext_code(rng)
        if code not in taken:
            return code
    free = [str(c) for c in range(low, high + 1) if str(c) not in taken]
    return rng.choice(free)


def _naive(moment: datetime | None) -> datetime:
    return NEVER if moment is None else moment.replace(tzinfo=None)
