"""Who holds which pool number or extension code, now and in the past (the lease history).

The statements on the visit and heartbeat path are built once, with bound parameters: building
a SQLAlchemy statement costs more than SQLite running it, and replay runs them by the million."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    ScalarSelect,
    Select,
    and_,
    bindparam,
    func,
    insert,
    literal,
    literal_column,
    select,
    union_all,
    update,
)
from sqlalchemy.engine import Connection

from callscope.adapters import rows
from callscope.adapters.tables import NEVER_HELD
from callscope.adapters.tables.core import leases, tracking_numbers, visits
from callscope.adapters.tables.pool import pool_exhaustions
from callscope.domain.allocation import FreeNumber
from callscope.domain.sites import NumberKind
from callscope.domain.visits import Lease

numbers = tracking_numbers
_COLUMNS = (numbers.c.id, numbers.c.held_until, numbers.c.last_visitor_id, numbers.c.number)
# A number is free by `cutoff` when its hold ended by then (never-held numbers: NEVER_HELD).
_HOLD_ENDED = numbers.c.held_until <= bindparam("b_cutoff")
# Written into the SQL, not bound: PostgreSQL then matches the shared pool's partial index.
_POOL: ColumnClause[str] = literal_column(f"'{NumberKind.POOL.value}'")


def _in_pool(reserved: bool) -> ColumnElement[bool]:
    """The site's pool numbers reserved for one source / medium (a sub-pool), or the shared
    pool: the numbers without a channel."""
    c = numbers.c
    site = [c.site_id == bindparam("b_site_id"), c.kind == _POOL]
    if reserved:
        return and_(*site, c.source == bindparam("b_source"), c.medium == bindparam("b_medium"))
    return and_(*site, c.source.is_(None), c.medium.is_(None))


def _idlest(reserved: bool) -> Select[Any]:
    """Free numbers, idlest first (never held, then released longest ago): one index range
    read in order up to the limit, so a pool of 100,000 costs what a pool of 100 does."""
    return (
        select(*_COLUMNS)
        .where(_in_pool(reserved), _HOLD_ENDED)
        .order_by(numbers.c.held_until, numbers.c.id)
    )


# PostgreSQL: a claim locks its one row without waiting; a row another transaction is claiming
# is skipped, so concurrent visits never queue on the same idlest number (SQLite ignores
# FOR UPDATE: its writers take turns anyway).
_UNCLAIMED = {r: _idlest(r).limit(1).with_for_update(skip_locked=True) for r in (True, False)}
# A returning visitor's last number, found through the visitor's visits (indexed by visitor),
# and not held by anyone since.
_VISITORS_OWN = and_(
    numbers.c.id.in_(
        select(visits.c.number_id).where(
            visits.c.site_id == bindparam("b_site_id"),
            visits.c.visitor_id == bindparam("b_visitor"),
        )
    ),
    numbers.c.last_visitor_id == bindparam("b_visitor"),
)
# Idlest first when the visitor last held several free numbers (as the domain, which takes the
# first of its idlest-first candidates that the visitor held).
_OWN = {
    r: select(*_COLUMNS)
    .where(_in_pool(r), _HOLD_ENDED, _VISITORS_OWN)
    .order_by(numbers.c.held_until, numbers.c.id)
    .limit(1)
    for r in (True, False)
}


def _candidates(limit: bool, visitor: bool) -> Select[Any]:
    """Both pools' candidates in one round trip, each row marked with its pool."""
    parts = []
    for reserved in (True, False):
        idlest = _idlest(reserved).limit(bindparam("b_limit")) if limit else _idlest(reserved)
        parts.append((reserved, idlest))
        if visitor:
            parts.append((reserved, _OWN[reserved]))
    marked = [
        select(part.subquery(), literal(reserved).label("reserved")) for reserved, part in parts
    ]
    return select(union_all(*marked).subquery())


_CANDIDATES = {(limit, v): _candidates(limit, v) for limit in (True, False) for v in (True, False)}


def _lockable(reserved: bool, own: bool) -> ScalarSelect[Any]:
    """The id of the returning visitor's own number (`own`) or of the idlest number, free and
    not being claimed by another transaction (locked by this one, PostgreSQL)."""
    query = _OWN[reserved] if own else _idlest(reserved).limit(1)
    return query.with_only_columns(numbers.c.id).with_for_update(skip_locked=True).scalar_subquery()


def _claim_idlest(returning_visitor: bool) -> Any:
    # COALESCE runs each choice only while the ones before it found nothing.
    order = [(True, True), (True, False), (False, True), (False, False)]
    choices = [_lockable(r, own) for r, own in order if returning_visitor or not own]
    return (
        update(numbers)
        .where(numbers.c.id == func.coalesce(*choices), _HOLD_ENDED)
        .values(
            holder_visit_id=bindparam("b_visit_id"),
            held_until=bindparam("b_until"),
            last_visitor_id=bindparam("b_visitor"),
        )
        .returning(numbers.c.id, numbers.c.number)
    )


_CLAIM_IDLEST = {v: _claim_idlest(v) for v in (True, False)}
# One statement: the row is locked only if free and nobody else is claiming it (no waiting),
# then updated; a number taken or being taken matches nothing.
_LOCK_FREE = (
    select(numbers.c.id)
    .where(
        numbers.c.id == bindparam("b_number_id"),
        _HOLD_ENDED,
    )
    .with_for_update(skip_locked=True)
    .scalar_subquery()
)
_CLAIM = (
    update(numbers)
    .where(numbers.c.id == _LOCK_FREE, _HOLD_ENDED)
    .values(
        holder_visit_id=bindparam("b_visit_id"),
        held_until=bindparam("b_until"),
        last_visitor_id=bindparam("b_visitor"),
    )
)
_CUT_SHORT = (
    update(leases)
    .where(
        leases.c.number_id == bindparam("b_number_id"),
        leases.c.ext.is_(None),
        leases.c.expires_at > bindparam("b_now"),
    )
    .values(expires_at=bindparam("b_now"))
)
_ADD = insert(leases)
_HOLD_LONGER = (
    update(numbers)
    .where(
        numbers.c.id == bindparam("b_number_id"),
        numbers.c.holder_visit_id == bindparam("b_visit_id"),
        numbers.c.held_until > bindparam("b_now"),
    )
    .values(held_until=bindparam("b_until"))
)
_EXTEND = (
    update(leases)
    .where(
        leases.c.visit_id == bindparam("b_visit_id"),
        leases.c.number_id == bindparam("b_number_id"),
        leases.c.expires_at > bindparam("b_now"),
    )
    .values(expires_at=bindparam("b_until"))
)
_CODE_LIVE = (
    select(leases.c.id)
    .where(
        leases.c.number_id == bindparam("b_number_id"),
        leases.c.ext == bindparam("b_ext"),
        leases.c.expires_at > bindparam("b_now"),
    )
    .limit(1)
)


class LeaseRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def free_pool_numbers(
        self,
        site_id: int,
        cutoff: datetime,
        visitor_id: str | None,
        limit: int | None,
        sub_pool: tuple[str, str],
    ) -> tuple[list[FreeNumber], list[FreeNumber]]:
        """Pool numbers whose hold ended by `cutoff` (now, or later to take back numbers whose
        visitor left), idlest first, at most `limit` (None: all), plus the visitor's own last
        number: those of the sub-pool reserved for `sub_pool` (source, medium), and those of
        the shared pool."""
        params = {
            "b_site_id": site_id,
            "b_cutoff": cutoff,
            "b_limit": limit,
            "b_source": sub_pool[0],
            "b_medium": sub_pool[1],
            "b_visitor": visitor_id,
        }
        query = _CANDIDATES[limit is not None, visitor_id is not None]
        pools: dict[bool, list[FreeNumber]] = {True: [], False: []}
        for row in sorted(self._conn.execute(query, params), key=lambda r: (r.held_until, r.id)):
            pools[bool(row.reserved)].append(_free(row))
        return pools[True], pools[False]

    def claim_idlest(
        self,
        site_id: int,
        sub_pool: tuple[str, str],
        lease: Lease,
        visitor_id: str | None,
        own_first: bool,
        cutoff: datetime,
    ) -> tuple[int, str] | None:
        """Claim for `lease` (its number left out) in one statement: the visitor's own last
        number if free (`own_first`), else the idlest free number, of the sub-pool reserved
        for `sub_pool` (source, medium), then of the shared pool. A number another transaction
        is claiming is skipped, never waited for. Records the lease; returns (number id,
        number), or None when no number is free by `cutoff`."""
        params = {
            "b_site_id": site_id,
            "b_source": sub_pool[0],
            "b_medium": sub_pool[1],
            "b_cutoff": cutoff,
            "b_visitor": visitor_id,
            "b_visit_id": lease.visit_id,
            "b_until": lease.expires_at,
        }
        query = _CLAIM_IDLEST[own_first and visitor_id is not None]
        row = self._conn.execute(query, params).first()
        if row is None:
            return None
        self._cut_short_and_add(replace(lease, number_id=row.id), cutoff)
        return int(row.id), str(row.number)

    def unclaimed_free_number(
        self, site_id: int, cutoff: datetime, reserved_for: tuple[str, str] | None = None
    ) -> FreeNumber | None:
        """The idlest free number no concurrent transaction is claiming, locked for this one."""
        source, medium = reserved_for or (None, None)
        params = {"b_site_id": site_id, "b_cutoff": cutoff, "b_source": source, "b_medium": medium}
        row = self._conn.execute(_UNCLAIMED[reserved_for is not None], params).first()
        return _free(row) if row else None

    def claim(self, lease: Lease, visitor_id: str | None, cutoff: datetime) -> bool:
        """Bind a number whose hold ended by `cutoff` to a visit; False if someone else took
        it first (then try another). Taking a number back cuts its holder's lease short.

        On PostgreSQL a row another transaction is claiming is skipped, not waited for (the
        caller tries another number); on SQLite writers take turns anyway."""
        claimed = self._conn.execute(
            _CLAIM,
            {
                "b_number_id": lease.number_id,
                "b_cutoff": cutoff,
                "b_visit_id": lease.visit_id,
                "b_until": lease.expires_at,
                "b_visitor": visitor_id,
            },
        )
        if claimed.rowcount != 1:
            return False
        self._cut_short_and_add(lease, cutoff)
        return True

    def _cut_short_and_add(self, lease: Lease, cutoff: datetime) -> None:
        """Record a claim's lease; a number taken back (`cutoff` after the claim) ends its
        previous holder's lease now."""
        if cutoff > lease.started_at:
            self._conn.execute(
                _CUT_SHORT, {"b_number_id": lease.number_id, "b_now": lease.started_at}
            )
        self.add(lease)

    def add(self, lease: Lease) -> None:
        values = {
            "number_id": lease.number_id,
            "visit_id": lease.visit_id,
            "ext": lease.ext,
            "started_at": lease.started_at,
            "expires_at": lease.expires_at,
        }
        self._conn.execute(_ADD, values)

    def extend(
        self, visit_id: str, number_id: int, ext: str | None, now: datetime, until: datetime
    ) -> bool:
        """Move a live lease's end forward; False when the lease already ended."""
        params = {"b_visit_id": visit_id, "b_number_id": number_id, "b_now": now, "b_until": until}
        if ext is None and self._conn.execute(_HOLD_LONGER, params).rowcount != 1:
            return False
        return self._conn.execute(_EXTEND, params).rowcount >= 1

    def holder_at(self, number_id: int, at: datetime, ext: str | None = None) -> Lease | None:
        """The latest lease on the number (and code) that started at or before `at`."""
        query = select(leases).where(leases.c.number_id == number_id, leases.c.started_at <= at)
        if ext is not None:
            query = query.where(leases.c.ext == ext)
        query = query.order_by(leases.c.started_at.desc(), leases.c.id.desc()).limit(1)
        found = self._conn.execute(query).mappings().first()
        return rows.lease(found) if found else None

    def holders_between(self, number_id: int, start: datetime, end: datetime) -> int:
        """How many leases on the number began in [start, end): a measure of reuse."""
        query = select(func.count()).where(
            leases.c.number_id == number_id,
            leases.c.started_at >= start,
            leases.c.started_at < end,
        )
        return int(self._conn.execute(query).scalar_one())

    def live_codes(self, number_id: int, now: datetime) -> set[str]:
        query = select(leases.c.ext).where(
            leases.c.number_id == number_id, leases.c.expires_at > now, leases.c.ext.is_not(None)
        )
        return {str(code) for code in self._conn.execute(query).scalars()}

    def code_is_live(self, number_id: int, code: str, now: datetime) -> bool:
        """Whether a live visit holds `code` on the extension number (one index lookup)."""
        params = {"b_number_id": number_id, "b_ext": code, "b_now": now}
        return self._conn.execute(_CODE_LIVE, params).first() is not None

    def lock_number(self, number_id: int) -> None:
        """Serialise code allocation on one extension number (a no-op on SQLite, whose
        writers are serialised already)."""
        self._conn.execute(select(numbers.c.id).where(numbers.c.id == number_id).with_for_update())

    def live_pool_leases(self, site_id: int, now: datetime) -> int:
        """Pool numbers of the site held right now."""
        query = select(func.count()).where(
            numbers.c.site_id == site_id,
            numbers.c.kind == NumberKind.POOL.value,
            numbers.c.held_until > now,
        )
        return int(self._conn.execute(query).scalar_one())

    def pool_lease_spans(
        self, site_id: int, start: datetime, end: datetime
    ) -> list[tuple[datetime, datetime]]:
        """(start, end) of every pool lease of the site that overlaps [start, end)."""
        query = (
            select(leases.c.started_at, leases.c.expires_at)
            .join(numbers, numbers.c.id == leases.c.number_id)
            .where(
                numbers.c.site_id == site_id,
                numbers.c.kind == NumberKind.POOL.value,
                leases.c.started_at < end,
                leases.c.expires_at > start,
            )
        )
        return [(r.started_at, r.expires_at) for r in self._conn.execute(query)]

    def note_exhaustion(self, site_id: int, visit_id: str, at: datetime, fallback: str) -> None:
        """A visit found every pool number held; `fallback` is the visit mode it got instead."""
        values = {"site_id": site_id, "visit_id": visit_id, "at": at, "fallback": fallback}
        self._conn.execute(insert(pool_exhaustions).values(**values))

    def exhaustions(self, site_id: int, start: datetime, end: datetime) -> int:
        query = select(func.count()).where(
            pool_exhaustions.c.site_id == site_id,
            pool_exhaustions.c.at >= start,
            pool_exhaustions.c.at < end,
        )
        return int(self._conn.execute(query).scalar_one())


def _free(row: Any) -> FreeNumber:
    free_since = None if row.held_until == NEVER_HELD else row.held_until
    return FreeNumber(row.id, free_since, row.last_visitor_id, row.number)
