"""Which free pool number a new visit gets, and which extension code when the pool is full."""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

EXT_DIGITS = 4
NEVER = datetime.min


@dataclass(frozen=True)
class FreeNumber:
    """A pool number nobody holds now; `free_since` is when its last lease ended."""

    number_id: int
    free_since: datetime | None
    last_visitor_id: str | None = None


def choose_number(candidates: Sequence[FreeNumber], visitor_id: str | None) -> FreeNumber | None:
    """A returning visitor gets their last number back; otherwise the number idle longest, so a
    released number rests as long as possible before a stranger gets it (late callers of the
    previous holder still reach the right attribution)."""
    if not candidates:
        return None
    if visitor_id:
        for candidate in candidates:
            if candidate.last_visitor_id == visitor_id:
                return candidate
    return min(candidates, key=lambda c: (_naive(c.free_since), c.number_id))


def new_ext_code(taken: Collection[str], rng: random.Random) -> str | None:
    """A code no live visit holds, not starting with 0 (easier to say and to type)."""
    low, high = 10 ** (EXT_DIGITS - 1), 10**EXT_DIGITS - 1
    if len(taken) >= high - low + 1:
        return None
    for _ in range(64):
        code = str(rng.randint(low, high))
        if code not in taken:
            return code
    free = [str(c) for c in range(low, high + 1) if str(c) not in taken]
    return rng.choice(free)


def _naive(moment: datetime | None) -> datetime:
    return NEVER if moment is None else moment.replace(tzinfo=None)
