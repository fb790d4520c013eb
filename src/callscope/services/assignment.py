"""Which number a visit is shown: a pool number claimed under the allocation policy, else the
extension number with a fresh code, a static number of its channel, or the site's own number."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime

from callscope.domain.allocation import (
    AllocationPolicy,
    FreeNumber,
    new_ext_code,
    random_ext_code,
)
from callscope.domain.channel import Channel
from callscope.domain.sites import NumberKind, Site
from callscope.domain.visits import Lease, Visit, VisitMode, lease_end
from callscope.services.lease_slots import LeaseSlots
from callscope.services.ports import UnitOfWork

CLAIM_ATTEMPTS = 4
CODE_GUESSES = 4


@dataclass(frozen=True)
class Allocation:
    """The policy a request runs under, with the hold it gives and its source of chance."""

    policy: AllocationPolicy
    hold_seconds: int
    rng: random.Random
    leases_per_client: int | None = None
    slots: LeaseSlots | None = None  # the cap shared across processes, when configured


def assign(
    uow: UnitOfWork, site: Site, visit: Visit, pool: Allocation, now: datetime
) -> tuple[Visit, str]:
    """Pool first (a free number, else one whose visitor left, if the policy takes numbers
    back); when the pool is full, the extension number with a fresh code; else a static number
    of the visit's channel; else the site's own number (the visit is unattributable)."""
    until = lease_end(now, pool.hold_seconds)
    if _client_has_enough(uow, site, visit, pool, now, until):
        # A flood from one address must not drain the pool: it gets what an exhausted pool gives.
        visit = replace(visit, reason="too many visits from one address")
        return _instead_of_pool(uow, site, visit, until, now, pool.rng)
    reclaim = pool.policy.reclaim_cutoff(now, pool.hold_seconds)
    lease = Lease(0, visit.id, now, until)  # its number: the one claimed
    for cutoff in (now,) if reclaim is None else (now, reclaim):
        claimed = _claim(uow, site, visit, pool, cutoff, lease)
        if claimed is not None:
            number_id, number = claimed
            leased = replace(
                visit,
                mode=VisitMode.POOL,
                number_id=number_id,
                ext=None,
                expires_at=until,
                reason=None,
            )
            return leased, number or shown_number(uow, site, leased)
    if pool.slots is not None and pool.leases_per_client is not None and visit.client:
        pool.slots.release(site.id, visit.client, visit.id)  # reserved, but nothing was free
    return _fallback(uow, site, visit, until, now, pool.rng)


def _client_has_enough(
    uow: UnitOfWork, site: Site, visit: Visit, pool: Allocation, now: datetime, until: datetime
) -> bool:
    """The address holds its cap of pool numbers. The database's count alone lets concurrent
    visits in several processes all pass it; the shared slots (one atomic check) do not."""
    cap = pool.leases_per_client
    if cap is None or visit.client is None:
        return False
    if uow.visits.live_pool_leases(site.id, visit.client, now) >= cap:
        return True
    if pool.slots is None:
        return False
    return pool.slots.reserve(site.id, visit.client, visit.id, cap, now, until) is False


def _claim(
    uow: UnitOfWork, site: Site, visit: Visit, pool: Allocation, cutoff: datetime, lease: Lease
) -> tuple[int, str | None] | None:
    """A number whose hold ended by `cutoff`, claimed for `lease` (its number left out): (its
    id, the number if known); None when none is left."""
    sub_pool = (visit.channel.source, visit.channel.medium)
    own_first = pool.policy.returning_visitor
    if pool.policy.idlest_first:
        # The production policy: one statement, which concurrent visits never queue on.
        leases = uow.leases
        return leases.claim_idlest(site.id, sub_pool, lease, visit.visitor_id, own_first, cutoff)
    visitor = visit.visitor_id if own_first else None
    limit = pool.policy.candidates
    reserved, shared = uow.leases.free_pool_numbers(site.id, cutoff, visitor, limit, sub_pool)
    # The sub-pool reserved for the visit's channel first, then the shared pool.
    for pool_of, free in ((sub_pool, reserved), (None, shared)):
        claimed = _claim_from(uow, site, visit, pool, cutoff, lease, pool_of, free)
        if claimed is not None:
            return claimed.number_id, claimed.number
    return None


def _claim_from(
    uow: UnitOfWork,
    site: Site,
    visit: Visit,
    pool: Allocation,
    cutoff: datetime,
    lease: Lease,
    reserved: tuple[str, str] | None,
    free: list[FreeNumber],
) -> FreeNumber | None:
    if not free:
        return None  # nothing free here (most sites reserve no sub-pool for most channels)
    visitor = visit.visitor_id if pool.policy.returning_visitor else None
    while (chosen := pool.policy.choose(free, visitor, pool.rng)) is not None:
        if uow.leases.claim(replace(lease, number_id=chosen.number_id), visit.visitor_id, cutoff):
            return chosen
        free = [f for f in free if f.number_id != chosen.number_id]
    # Every candidate was being claimed by concurrent visits: take any number nobody is claiming.
    for _ in range(CLAIM_ATTEMPTS):
        spare = uow.leases.unclaimed_free_number(site.id, cutoff, reserved)
        if spare is None:
            return None
        if uow.leases.claim(replace(lease, number_id=spare.number_id), visit.visitor_id, cutoff):
            return spare
    return None


def _fallback(
    uow: UnitOfWork,
    site: Site,
    visit: Visit,
    until: datetime,
    now: datetime,
    rng: random.Random,
) -> tuple[Visit, str]:
    pool = uow.numbers.count(site.id, NumberKind.POOL)
    reason = "pool exhausted" if pool else "no pool numbers"
    visit, number = _instead_of_pool(uow, site, replace(visit, reason=reason), until, now, rng)
    if pool:
        uow.leases.note_exhaustion(site.id, visit.id, now, visit.mode.value)
    return visit, number


def _instead_of_pool(
    uow: UnitOfWork,
    site: Site,
    visit: Visit,
    until: datetime,
    now: datetime,
    rng: random.Random,
) -> tuple[Visit, str]:
    for number in uow.numbers.for_site(site.id, NumberKind.EXTENSION):
        uow.leases.lock_number(number.id)
        code = _free_code(uow, number.id, now, rng)
        if code is not None:
            uow.leases.add(Lease(number.id, visit.id, now, until, ext=code))
            coded = replace(
                visit, mode=VisitMode.EXTENSION, number_id=number.id, ext=code, expires_at=until
            )
            return coded, number.number
    static = _static_for(uow, site, visit.channel)
    if static is not None:
        shown = replace(
            visit, mode=VisitMode.STATIC, number_id=static[0], ext=None, expires_at=None
        )
        return shown, static[1]
    unattributed = replace(visit, mode=VisitMode.NONE, number_id=None, ext=None, expires_at=None)
    return unattributed, site.forward_to


def _free_code(uow: UnitOfWork, number_id: int, now: datetime, rng: random.Random) -> str | None:
    """A code of the extension number no live visit holds. A few random guesses checked one
    at a time first: while most codes are free that costs an index lookup or two, where
    reading every live code grew with the traffic an exhausted pool sends here."""
    for _ in range(CODE_GUESSES):
        code = random_ext_code(rng)
        if not uow.leases.code_is_live(number_id, code, now):
            return code
    return new_ext_code(uow.leases.live_codes(number_id, now), rng)


def _static_for(uow: UnitOfWork, site: Site, channel: Channel) -> tuple[int, str] | None:
    for number in uow.numbers.for_site(site.id, NumberKind.STATIC):
        if number.channel and (number.channel.source, number.channel.medium) == (
            channel.source,
            channel.medium,
        ):
            return number.id, number.number
    return None


def shown_number(uow: UnitOfWork, site: Site, visit: Visit) -> str:
    if visit.number_id is None:
        return site.forward_to
    number = uow.numbers.get(visit.number_id)
    return number.number if number else site.forward_to
