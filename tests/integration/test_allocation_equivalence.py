"""The production pick exists twice: `idle_longest` in the domain and the one-statement SQL claim
(`LeaseRepository.claim_idlest`). On random pool states both choose the same number."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import insert

from callscope.adapters.repositories.leasing import LeaseRepository
from callscope.adapters.storage import Storage
from callscope.adapters.tables import NEVER_HELD
from callscope.adapters.tables.core import tracking_numbers, visits
from callscope.domain.allocation import CALLSCOPE, FreeNumber
from callscope.domain.visits import Lease
from callscope.services.accounts import create_account
from callscope.services.sites import SiteDraft, create_site

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
SUB_POOL = ("google", "cpc")
VISITOR = "returning-visitor"
# Few distinct hold ends, so ties (broken by id) are common; offsets in minutes from NOW.
HOLD_ENDS = st.sampled_from([None, -120, -30, -30, -1, 0, 5, 60])


@dataclass(frozen=True)
class PoolNumber:
    in_sub_pool: bool
    held_until: datetime
    last_visitor: str | None


@st.composite
def pool_states(draw: st.DrawFn) -> tuple[list[PoolNumber], bool]:
    """Numbers of a sub-pool and the shared pool; the returning visitor may have last held
    several of them (then the idlest of those is theirs)."""
    numbers = []
    for _ in range(draw(st.integers(0, 7))):
        sub = draw(st.booleans())
        offset = draw(HOLD_ENDS)
        until = NEVER_HELD if offset is None else NOW + timedelta(minutes=offset)
        last = draw(st.sampled_from([None, "someone-else", VISITOR]))
        numbers.append(PoolNumber(sub, until, None if offset is None else last))
    return numbers, draw(st.booleans())


def domain_choice(numbers: dict[int, PoolNumber], visitor: str | None) -> int | None:
    """The domain's pick: the sub-pool first, then the shared pool; in each, the visitor's own
    free number, else the idlest free one (never held first, ties by id), from candidates in the
    order storage reads them (idlest first)."""
    idlest_first = sorted(numbers.items(), key=lambda item: (item[1].held_until, item[0]))
    for sub in (True, False):
        free = [
            FreeNumber(i, n.held_until, n.last_visitor)
            for i, n in idlest_first
            if n.in_sub_pool is sub and n.held_until <= NOW
        ]
        chosen = CALLSCOPE.choose(free, visitor, random.Random(0))
        if chosen is not None:
            return chosen.number_id
    return None


def sql_choice(
    storage: Storage, site_id: int, state: list[PoolNumber], visitor: str | None
) -> tuple[dict[int, PoolNumber], int | None]:
    """The state written in one transaction, the SQL claim run in it, all rolled back."""
    with storage.engine.connect() as conn, conn.begin() as transaction:
        stored = {}
        for k, n in enumerate(state):
            channel = SUB_POOL if n.in_sub_pool else (None, None)
            row = conn.execute(
                insert(tracking_numbers).values(
                    site_id=site_id,
                    number=f"+1555300{k:04d}",
                    kind="pool",
                    source=channel[0],
                    medium=channel[1],
                    held_until=n.held_until,
                    last_visitor_id=n.last_visitor,
                    created_at=NOW,
                )
            )
            number_id = int(row.inserted_primary_key[0])  # type: ignore[index]
            stored[number_id] = n
            if n.last_visitor is not None:
                conn.execute(insert(visits).values(visit_row(f"v{k}", site_id, n, number_id)))
        lease = Lease(0, "claimer", NOW, NOW + timedelta(minutes=15))
        claimed = LeaseRepository(conn).claim_idlest(site_id, SUB_POOL, lease, visitor, True, NOW)
        transaction.rollback()
    return stored, claimed[0] if claimed else None


def visit_row(visit_id: str, site_id: int, n: PoolNumber, number_id: int) -> dict[str, object]:
    return {
        "id": visit_id,
        "site_id": site_id,
        "visitor_id": n.last_visitor,
        "started_at": NOW - timedelta(hours=3),
        "landing_url": "https://a.example/",
        "source": "google",
        "medium": "cpc",
        "click_ids": {},
        "mode": "pool",
        "number_id": number_id,
    }


def test_the_sql_claim_chooses_what_the_domain_policy_chooses(storage: Storage) -> None:
    account, _ = create_account(storage, "Pool", NOW)
    site_id = create_site(storage, account.id, SiteDraft("Pool", "+15550100199"), NOW).id

    @settings(max_examples=200, deadline=None, derandomize=True)
    @given(pool_states())
    def same_choice(case: tuple[list[PoolNumber], bool]) -> None:
        state, returning = case
        visitor = VISITOR if returning else None
        stored, claimed = sql_choice(storage, site_id, state, visitor)
        assert claimed == domain_choice(stored, visitor)

    same_choice()
