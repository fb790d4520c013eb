"""Who holds which pool number or extension code, now and in the past (the lease history)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from callscope.adapters import rows
from callscope.adapters.tables import leases, tracking_numbers
from callscope.domain.allocation import FreeNumber
from callscope.domain.sites import NumberKind
from callscope.domain.visits import Lease

numbers = tracking_numbers


class LeaseRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def free_pool_numbers(
        self, site_id: int, now: datetime, visitor_id: str | None, limit: int = 8
    ) -> list[FreeNumber]:
        """The pool numbers idle longest (by the index on held_until), plus the visitor's own
        last number when it is free."""
        free = and_(
            numbers.c.site_id == site_id,
            numbers.c.kind == NumberKind.POOL.value,
            or_(numbers.c.held_until.is_(None), numbers.c.held_until <= now),
        )
        columns = (numbers.c.id, numbers.c.held_until, numbers.c.last_visitor_id)
        idle = (
            select(*columns)
            .where(free)
            .order_by(numbers.c.held_until.is_not(None), numbers.c.held_until, numbers.c.id)
        )
        found = list(self._conn.execute(idle.limit(limit)))
        if visitor_id:
            own = select(*columns).where(free, numbers.c.last_visitor_id == visitor_id).limit(1)
            found.extend(self._conn.execute(own))
        return [FreeNumber(r.id, r.held_until, r.last_visitor_id) for r in found]

    def claim(self, number_id: int, lease: Lease, visitor_id: str | None, now: datetime) -> bool:
        """Bind a free number to a visit; False if someone else took it first (then try another).

        The WHERE re-checks freedom, so on PostgreSQL a concurrent claimer blocks on the row
        and then matches nothing; on SQLite writers are serialised anyway."""
        claimed = self._conn.execute(
            update(numbers)
            .where(
                numbers.c.id == number_id,
                or_(numbers.c.held_until.is_(None), numbers.c.held_until <= now),
            )
            .values(
                holder_visit_id=lease.visit_id,
                held_until=lease.expires_at,
                last_visitor_id=visitor_id,
            )
        )
        if claimed.rowcount != 1:
            return False
        self.add(lease)
        return True

    def add(self, lease: Lease) -> None:
        self._conn.execute(
            insert(leases).values(
                number_id=lease.number_id,
                visit_id=lease.visit_id,
                ext=lease.ext,
                started_at=lease.started_at,
                expires_at=lease.expires_at,
            )
        )

    def extend(
        self, visit_id: str, number_id: int, ext: str | None, now: datetime, until: datetime
    ) -> bool:
        """Move a live lease's end forward; False when the lease already ended."""
        if ext is None:
            held = self._conn.execute(
                update(numbers)
                .where(
                    numbers.c.id == number_id,
                    numbers.c.holder_visit_id == visit_id,
                    numbers.c.held_until > now,
                )
                .values(held_until=until)
            )
            if held.rowcount != 1:
                return False
        extended = self._conn.execute(
            update(leases)
            .where(
                leases.c.visit_id == visit_id,
                leases.c.number_id == number_id,
                leases.c.expires_at > now,
            )
            .values(expires_at=until)
        )
        return extended.rowcount >= 1

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

    def lock_number(self, number_id: int) -> None:
        """Serialise code allocation on one extension number (a no-op on SQLite, whose
        writers are serialised already)."""
        self._conn.execute(select(numbers.c.id).where(numbers.c.id == number_id).with_for_update())
