"""Allocation policies in storage: exhaustion, taking back numbers of visitors who left, and the
baselines' behaviour, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from callscope.adapters.storage import Storage
from callscope.domain.allocation import LRU_30MIN_FIXED, RANDOM_5MIN, AllocationPolicy
from callscope.domain.calls import AttributionMethod, CallEvent, EventKind
from callscope.domain.sites import NumberKind
from callscope.domain.visits import Lease, VisitMode
from callscope.services.accounts import create_account
from callscope.services.calls import record_call_event
from callscope.services.sites import NumberDraft, SiteDraft, add_number, create_site
from callscope.services.visits import Assignment, VisitRequest, heartbeat, start_visit

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
LEASE = 900
EXTENSION = "+15550100300"


def site_with(storage: Storage, pool: int, extension: bool = False) -> tuple[int, str]:
    account, _ = create_account(storage, "acme", T0)
    site = create_site(storage, account.id, SiteDraft("acme", "+15550100199"), T0)
    drafts = [NumberDraft(f"+155501002{i:02d}", NumberKind.POOL) for i in range(pool)]
    drafts += [NumberDraft(EXTENSION, NumberKind.EXTENSION)] if extension else []
    for draft in drafts:
        add_number(storage, account.id, site.id, draft, T0)
    return site.id, site.site_key


def arrive(
    storage: Storage, key: str, now: datetime, policy: AllocationPolicy | None = None
) -> Assignment:
    request = VisitRequest(key, "https://a/?gclid=x")
    if policy is None:
        return start_visit(storage, request, LEASE, now)
    return start_visit(storage, request, LEASE, now, random.Random(1), policy)


def test_a_full_pool_gives_the_extension_number_and_a_code_and_counts_the_event(
    storage: Storage,
) -> None:
    site_id, key = site_with(storage, pool=1, extension=True)
    first = arrive(storage, key, T0)
    second = arrive(storage, key, T0 + timedelta(seconds=5))
    assert first.number == "+15550100200" and first.ext is None
    assert second.number == EXTENSION
    assert second.ext is not None and len(second.ext) == 4
    assert second.visit is not None and second.visit.reason == "pool exhausted"
    with storage.read() as uow:
        assert uow.leases.exhaustions(site_id, T0, T0 + timedelta(hours=1)) == 1


def test_a_full_pool_takes_back_the_number_of_a_visitor_who_stopped_heartbeating(
    storage: Storage,
) -> None:
    _, key = site_with(storage, pool=1)
    gone = arrive(storage, key, T0)
    assert gone.visit is not None
    # 150 s without a heartbeat: the visitor has left; the lease grace would last 900 s.
    taker = arrive(storage, key, T0 + timedelta(seconds=151))
    assert taker.number == gone.number
    call_at = T0 + timedelta(seconds=200)
    call = record_call_event(
        storage,
        CallEvent("c1", EventKind.STARTED, call_at, gone.number, "+12125550123"),
        LEASE,
        call_at,
    )
    assert taker.visit is not None and call.attribution.visit_id == taker.visit.id


def test_a_full_pool_keeps_the_number_of_a_visitor_still_heartbeating(storage: Storage) -> None:
    _, key = site_with(storage, pool=1)
    here = arrive(storage, key, T0)
    assert here.visit is not None
    heartbeat(storage, here.visit.id, LEASE, T0 + timedelta(seconds=60))
    other = arrive(storage, key, T0 + timedelta(seconds=151))
    assert other.number == "+15550100199"  # the site's own number: nothing to take back


def test_a_fixed_window_policy_does_not_extend_and_reuses_after_the_window(
    storage: Storage,
) -> None:
    _, key = site_with(storage, pool=1)
    first = arrive(storage, key, T0, LRU_30MIN_FIXED)
    assert first.visit is not None
    beat = heartbeat(storage, first.visit.id, LEASE, T0 + timedelta(minutes=29), LRU_30MIN_FIXED)
    assert beat.visit is not None and beat.visit.expires_at == T0 + timedelta(minutes=30)
    still_open = T0 + timedelta(minutes=31)
    second = arrive(storage, key, still_open, LRU_30MIN_FIXED)
    assert second.number == first.number  # the first visitor still shows it: the baseline's flaw
    late = heartbeat(storage, first.visit.id, LEASE, still_open, LRU_30MIN_FIXED)
    assert late.number == first.number


def test_random_policy_leases_for_five_minutes_and_does_not_take_numbers_back(
    storage: Storage,
) -> None:
    _, key = site_with(storage, pool=1)
    first = arrive(storage, key, T0, RANDOM_5MIN)
    assert first.visit is not None and first.visit.expires_at == T0 + timedelta(minutes=5)
    blocked = arrive(storage, key, T0 + timedelta(minutes=4), RANDOM_5MIN)
    assert blocked.visit is not None and blocked.visit.mode is VisitMode.NONE
    after = arrive(storage, key, T0 + timedelta(minutes=5), RANDOM_5MIN)
    assert after.number == first.number


def test_a_late_caller_after_the_number_was_taken_back_is_the_new_holders(
    storage: Storage,
) -> None:
    _, key = site_with(storage, pool=1)
    arrive(storage, key, T0)
    taker = arrive(storage, key, T0 + timedelta(minutes=10))
    at = T0 + timedelta(minutes=10, seconds=30)
    call = record_call_event(
        storage, CallEvent("c1", EventKind.STARTED, at, taker.number, "+12125550123"), LEASE, at
    )
    assert call.attribution.method is AttributionMethod.POOL
    assert taker.visit is not None and call.attribution.visit_id == taker.visit.id


def test_codes_stay_unique_while_the_extension_number_fills_up(storage: Storage) -> None:
    site_id, key = site_with(storage, pool=0, extension=True)
    with storage.write() as uow:
        number = uow.numbers.for_site(site_id, NumberKind.EXTENSION)[0]
        # Every code but three is held by a live visit: random guesses mostly miss.
        held = [str(c) for c in range(1000, 10000) if c not in (1234, 5678, 9999)]
        for i, code in enumerate(held):
            uow.leases.add(Lease(number.id, f"v{i}", T0, T0 + timedelta(hours=1), ext=code))
        uow.commit()
    codes = [arrive(storage, key, T0 + timedelta(seconds=s)).ext for s in range(4)]
    assert sorted(codes[:3]) == ["1234", "5678", "9999"]  # type: ignore[type-var]
    assert codes[3] is None  # every code held: the site's own number


def test_an_exhausted_pool_never_gives_two_live_visits_one_code(storage: Storage) -> None:
    _, key = site_with(storage, pool=1, extension=True)
    arrive(storage, key, T0)
    codes = [arrive(storage, key, T0 + timedelta(seconds=1)).ext for _ in range(300)]
    assert None not in codes and len(set(codes)) == 300
