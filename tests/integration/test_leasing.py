"""Leases in storage, on SQLite and PostgreSQL: exclusive under concurrency, LRU, late callers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update

from callscope.adapters.storage import Storage
from callscope.adapters.tables.core import sites
from callscope.domain.calls import AttributionMethod, CallEvent, EventKind
from callscope.domain.sites import NumberKind
from callscope.domain.visits import VisitMode
from callscope.services.accounts import create_account
from callscope.services.calls import record_call_event
from callscope.services.sites import NumberDraft, SiteDraft, add_number, create_site
from callscope.services.visits import VisitRequest, heartbeat, start_visit

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
LEASE = 900


def pool_site(storage: Storage, size: int) -> str:
    account, _ = create_account(storage, "acme", T0)
    site = create_site(storage, account.id, SiteDraft("acme", "+15550100199"), T0)
    for i in range(size):
        draft = NumberDraft(f"+155501002{i:02d}", NumberKind.POOL)
        add_number(storage, account.id, site.id, draft, T0)
    return site.site_key


def visit(storage: Storage, key: str, now: datetime, visitor: str | None = None) -> tuple[str, str]:
    request = VisitRequest(key, "https://a/?gclid=x", visitor_id=visitor)
    shown = start_visit(storage, request, LEASE, now)
    assert shown.visit is not None
    return shown.visit.id, shown.number


def test_concurrent_visits_never_share_a_live_number(storage: Storage) -> None:
    key = pool_site(storage, 10)
    with ThreadPoolExecutor(max_workers=8) as pool:
        shown = list(pool.map(lambda _: visit(storage, key, T0), range(30)))
    leased = [number for _, number in shown if number != "+15550100199"]
    assert len(leased) == 10
    assert len(set(leased)) == 10
    with storage.read() as uow:
        modes = [uow.visits.get(visit_id).mode for visit_id, _ in shown]  # type: ignore[union-attr]
    assert modes.count(VisitMode.POOL) == 10
    assert modes.count(VisitMode.NONE) == 20


def test_the_number_released_longest_ago_is_leased_next(storage: Storage) -> None:
    key = pool_site(storage, 3)
    first = [visit(storage, key, T0 + timedelta(seconds=i))[1] for i in range(3)]
    later = T0 + timedelta(seconds=LEASE + 10)
    again = [visit(storage, key, later + timedelta(seconds=i))[1] for i in range(3)]
    assert again == first  # each number came back in the order it was freed


def test_a_returning_visitor_gets_their_number_back(storage: Storage) -> None:
    key = pool_site(storage, 3)
    _, mine = visit(storage, key, T0, visitor="vis-42")
    visit(storage, key, T0 + timedelta(seconds=1))
    later = T0 + timedelta(seconds=LEASE + 60)
    _, again = visit(storage, key, later, visitor="vis-42")
    assert again == mine


def test_heartbeats_keep_the_number_past_the_original_lease(storage: Storage) -> None:
    key = pool_site(storage, 1)
    visit_id, number = visit(storage, key, T0)
    for minute in range(1, 30):
        heartbeat(storage, visit_id, LEASE, T0 + timedelta(minutes=minute))
    _, other = visit(storage, key, T0 + timedelta(minutes=29, seconds=30))
    assert other == "+15550100199"  # the only pool number is still held
    assert number == "+15550100200"


def test_a_late_caller_reaches_the_last_holder_until_the_number_is_reassigned(
    storage: Storage,
) -> None:
    key = pool_site(storage, 1)
    visit_id, number = visit(storage, key, T0)
    late = T0 + timedelta(seconds=LEASE + 1800)
    call = record_call_event(
        storage, CallEvent("c1", EventKind.STARTED, late, number, "+12125550123"), LEASE, late
    )
    assert (call.attribution.method, call.attribution.visit_id) == (
        AttributionMethod.POOL,
        visit_id,
    )
    assert 0.5 < call.attribution.confidence < 0.9


def test_call_events_are_idempotent(storage: Storage) -> None:
    key = pool_site(storage, 1)
    _, number = visit(storage, key, T0)
    started = CallEvent("c1", EventKind.STARTED, T0, number, "+12125550123")
    done = CallEvent(
        "c1", EventKind.COMPLETED, T0 + timedelta(seconds=60), number, "+12125550123", duration=55
    )
    for e in (started, done, started, done):
        record_call_event(storage, e, LEASE, T0)
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda e: record_call_event(storage, e, LEASE, T0), [done] * 8))
    with storage.read() as uow:
        call = uow.calls.get("c1")
    assert call is not None and call.duration == 55 and call.status.value == "completed"


def test_first_time_means_never_seen_before_on_the_site(storage: Storage) -> None:
    key = pool_site(storage, 1)
    _, number = visit(storage, key, T0)
    calls = [
        record_call_event(
            storage,
            CallEvent(
                f"c{i}", EventKind.STARTED, T0 + timedelta(minutes=i), number, "+12125550123"
            ),
            LEASE,
            T0,
        )
        for i in range(3)
    ]
    assert [c.first_time for c in calls] == [True, False, False]


def test_sites_kept_in_memory_belong_to_their_own_database(tmp_path: Path) -> None:
    stores = [Storage.connect(f"sqlite:///{tmp_path / f'{n}.db'}") for n in (1, 2)]
    for store, forward in zip(stores, ("+15550100101", "+15550100102"), strict=True):
        account, _ = create_account(store, "acme", T0)
        site = create_site(store, account.id, SiteDraft("acme", forward), T0)
        with store.engine.begin() as conn:  # the same key in both databases
            conn.execute(update(sites).where(sites.c.id == site.id).values(site_key="sk_same"))
    shown = [start_visit(store, VisitRequest("sk_same", "https://a/"), 60, T0) for store in stores]
    assert [s.number for s in shown] == ["+15550100101", "+15550100102"]
