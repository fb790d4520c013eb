"""Property, on SQLite and PostgreSQL: for any sequence of visits, heartbeats and pauses (long
enough for leases to lapse or be taken back), no two leases of a pool number overlap in time."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from callscope.adapters.storage import Storage
from callscope.adapters.tables.core import leases, tracking_numbers
from callscope.domain.sites import NumberKind
from callscope.services.accounts import create_account
from callscope.services.sites import NumberDraft, SiteDraft, add_number, create_site
from callscope.services.visits import VisitRequest, heartbeat, start_visit

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
LEASE = 300  # seconds; take-back after 150 s without a heartbeat
POOL = 2
SITES = itertools.count(1)

STEP = st.one_of(
    st.tuples(st.just("visit"), st.integers(0, 200)),
    st.tuples(st.just("beat"), st.integers(0, 200)),
)


def pool_site(storage: Storage) -> tuple[str, int]:
    """A fresh site with its own two pool numbers; returns its key and site id."""
    n = next(SITES)
    account, _ = create_account(storage, f"acct {n}", T0)
    site = create_site(storage, account.id, SiteDraft("s", "+15550100199"), T0)
    for i in range(POOL):
        draft = NumberDraft(f"+1555{n:03d}{i:04d}", NumberKind.POOL)
        add_number(storage, account.id, site.id, draft, T0)
    return site.site_key, site.id


def leases_by_number(storage: Storage, site_id: int) -> dict[int, list[tuple[datetime, datetime]]]:
    query = (
        select(leases.c.number_id, leases.c.started_at, leases.c.expires_at)
        .join(tracking_numbers, tracking_numbers.c.id == leases.c.number_id)
        .where(tracking_numbers.c.site_id == site_id)
        .order_by(leases.c.number_id, leases.c.started_at, leases.c.id)
    )
    found: dict[int, list[tuple[datetime, datetime]]] = {}
    with storage.engine.connect() as conn:
        for number_id, started, expires in conn.execute(query):
            found.setdefault(number_id, []).append((started, expires))
    return found


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEP, min_size=1, max_size=14), picks=st.randoms(use_true_random=False))
def test_no_two_leases_of_a_number_ever_overlap(
    storage: Storage, steps: list[tuple[str, int]], picks: object
) -> None:
    key, site_id = pool_site(storage)
    now, visits = T0, []
    for action, pause in [("visit", 0), *steps]:
        now += timedelta(seconds=pause)
        if action == "visit":
            shown = start_visit(storage, VisitRequest(key, "https://a/"), LEASE, now)
            visits += [shown.visit.id] if shown.visit else []
        elif visits:
            heartbeat(storage, picks.choice(visits), LEASE, now)  # type: ignore[attr-defined]
    held = leases_by_number(storage, site_id)
    assert sum(len(spans) for spans in held.values()) >= 1
    for spans in held.values():
        for (_, first_ends), (second_starts, _) in itertools.pairwise(spans):
            assert first_ends <= second_starts, spans
