"""Visits: stored once when the snippet reports them, updated as their lease changes.

The statements of the visit and heartbeat path are built once (see leasing.py on why)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import Connection

from callscope.adapters import rows
from callscope.adapters.tables.core import visits
from callscope.domain.visits import Visit, VisitMode

_ADD = insert(visits)
_GET = select(visits).where(visits.c.id == bindparam("b_visit_id"))
_LIVE_POOL_LEASES = select(func.count()).where(
    visits.c.site_id == bindparam("b_site_id"),
    visits.c.client == bindparam("b_client"),
    visits.c.expires_at > bindparam("b_now"),
    visits.c.mode == VisitMode.POOL.value,
)
_TOUCH = (
    update(visits)
    .where(visits.c.id == bindparam("b_visit_id"))
    .values(expires_at=bindparam("b_until"), last_seen_at=bindparam("b_now"))
)


class VisitRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, visit: Visit) -> None:
        self._conn.execute(_ADD, rows.visit_columns(visit))

    def get(self, visit_id: str) -> Visit | None:
        found = self._conn.execute(_GET, {"b_visit_id": visit_id}).mappings().first()
        return rows.visit(found) if found else None

    def save(self, visit: Visit) -> None:
        values = rows.visit_columns(visit)
        self._conn.execute(update(visits).where(visits.c.id == visit.id).values(**values))

    def touch(self, visit_id: str, now: datetime, until: datetime | None) -> None:
        """A heartbeat's whole change to a visit whose lease was extended: its lease end and
        the moment it was last seen (saving the whole visit costs replay a third of its time)."""
        self._conn.execute(_TOUCH, {"b_visit_id": visit_id, "b_now": now, "b_until": until})

    def live_pool_leases(self, site_id: int, client: str, now: datetime) -> int:
        """Pool numbers visits from one client address hold right now."""
        params = {"b_site_id": site_id, "b_client": client, "b_now": now}
        return int(self._conn.execute(_LIVE_POOL_LEASES, params).scalar_one())

    def count(self, site_id: int, start: datetime, end: datetime) -> int:
        query = select(func.count()).where(
            visits.c.site_id == site_id, visits.c.started_at >= start, visits.c.started_at < end
        )
        return int(self._conn.execute(query).scalar_one())

    def spans(self, site_id: int) -> list[tuple[datetime, datetime]]:
        """(start, last seen) of every visit of the site, for sizing its pool."""
        query = select(visits.c.started_at, visits.c.last_seen_at).where(
            visits.c.site_id == site_id
        )
        return [(r.started_at, r.last_seen_at or r.started_at) for r in self._conn.execute(query)]

    def of_visitor(
        self, site_id: int, visitor_id: str, since: datetime, until: datetime
    ) -> list[Visit]:
        """The visitor's visits to the site that started in [since, until], oldest first."""
        query = (
            select(visits)
            .where(
                visits.c.site_id == site_id,
                visits.c.visitor_id == visitor_id,
                visits.c.started_at >= since,
                visits.c.started_at <= until,
            )
            .order_by(visits.c.started_at, visits.c.id)
            .limit(200)
        )
        return [rows.visit(r) for r in self._conn.execute(query).mappings()]

    def many(self, visit_ids: list[str]) -> dict[str, Visit]:
        found: dict[str, Visit] = {}
        for chunk in _chunks(visit_ids):
            query = select(visits).where(visits.c.id.in_(chunk))
            found.update((r["id"], rows.visit(r)) for r in self._conn.execute(query).mappings())
        return found

    def of_visitors(
        self, site_id: int, visitor_ids: list[str], since: datetime, until: datetime
    ) -> list[Visit]:
        """Every visit of these visitors to the site that started in [since, until]."""
        found: list[Visit] = []
        for chunk in _chunks(visitor_ids):
            query = select(visits).where(
                visits.c.site_id == site_id,
                visits.c.visitor_id.in_(chunk),
                visits.c.started_at >= since,
                visits.c.started_at <= until,
            )
            found.extend(rows.visit(r) for r in self._conn.execute(query).mappings())
        return found


def _chunks(values: list[str], size: int = 500) -> list[list[str]]:
    return [values[i : i + size] for i in range(0, len(values), size)]
