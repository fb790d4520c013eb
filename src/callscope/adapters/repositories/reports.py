"""The read side: channel figures and the call log, computed in the database by index ranges;
per-call facts for the groupings SQL cannot compute portably (local days, landing pages)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, Row, case, cast, func, select
from sqlalchemy.engine import Connection

from callscope.adapters import rows
from callscope.adapters.tables.core import calls, visits
from callscope.domain.calls import Call, CallStatus
from callscope.domain.reporting import ANSWERED, CallFact, CallFigures, CallFilter


class ReportRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def call_figures(
        self, site_id: int, start: datetime, end: datetime, by: str, qualified_seconds: int = 60
    ) -> dict[str | None, CallFigures]:
        key = calls.c[by]
        answered = calls.c.status.in_(ANSWERED)
        duration = func.coalesce(calls.c.duration, 0)
        query = (
            select(
                key.label("key"),
                func.count().label("calls"),
                func.count(calls.c.caller.distinct()).label("unique_callers"),
                func.sum(cast(calls.c.first_time, Integer)).label("first_time"),
                func.sum(case((answered, 1), else_=0)).label("answered"),
                func.sum(case((calls.c.status == CallStatus.MISSED.value, 1), else_=0)).label(
                    "missed"
                ),
                func.sum(case((answered, duration), else_=0)).label("duration"),
                func.sum(case((answered & (duration >= qualified_seconds), 1), else_=0)).label(
                    "qualified"
                ),
                func.avg(calls.c.confidence).label("confidence"),
            )
            .where(*_counted(site_id, start, end))
            .group_by(key)
        )
        return {r.key: _figures(r) for r in self._conn.execute(query)}

    def visit_counts(
        self, site_id: int, start: datetime, end: datetime, by: str
    ) -> dict[str | None, int]:
        key = visits.c[by]
        query = (
            select(key.label("key"), func.count().label("visits"))
            .where(
                visits.c.site_id == site_id, visits.c.started_at >= start, visits.c.started_at < end
            )
            .group_by(key)
        )
        return {r.key: int(r.visits) for r in self._conn.execute(query)}

    def call_facts(self, site_id: int, start: datetime, end: datetime) -> list[CallFact]:
        joined = calls.outerjoin(visits, visits.c.id == calls.c.visit_id)
        query = (
            select(
                calls.c.started_at,
                calls.c.caller,
                calls.c.first_time,
                calls.c.status,
                calls.c.duration,
                calls.c.confidence,
                visits.c.landing_url,
                calls.c.source,
            )
            .select_from(joined)
            .where(*_counted(site_id, start, end))
        )
        return [CallFact(*r) for r in self._conn.execute(query)]

    def visit_facts(
        self, site_id: int, start: datetime, end: datetime
    ) -> list[tuple[datetime, str]]:
        """(start, landing URL) of each visit in the period."""
        query = select(visits.c.started_at, visits.c.landing_url).where(
            visits.c.site_id == site_id, visits.c.started_at >= start, visits.c.started_at < end
        )
        return [(r.started_at, r.landing_url) for r in self._conn.execute(query)]

    def count_calls(self, site_id: int, start: datetime, end: datetime) -> int:
        query = select(func.count()).where(*_counted(site_id, start, end))
        return int(self._conn.execute(query).scalar_one())

    def call_log(self, f: CallFilter) -> list[Call]:
        query = select(calls).where(
            calls.c.site_id == f.site_id, calls.c.started_at >= f.start, calls.c.started_at < f.end
        )
        if f.status is not None:
            query = query.where(calls.c.status == f.status)
        if f.first_time is not None:
            query = query.where(calls.c.first_time == f.first_time)
        if f.source is not None:
            query = query.where(calls.c.source == f.source)
        if f.spam is not None:
            query = query.where(calls.c.spam_reason.is_not(None) if f.spam else _NOT_SPAM)
        query = query.order_by(calls.c.started_at.desc()).limit(f.limit)
        return [rows.call(r) for r in self._conn.execute(query).mappings()]


_NOT_SPAM = calls.c.spam_reason.is_(None)


def _counted(site_id: int, start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    """The site's calls in [start, end) that reports count: spam is in none of them."""
    c = calls.c
    return [c.site_id == site_id, c.started_at >= start, c.started_at < end, _NOT_SPAM]


def _figures(r: Row[Any]) -> CallFigures:
    return CallFigures(
        calls=int(r.calls),
        unique_callers=int(r.unique_callers),
        first_time_callers=int(r.first_time or 0),
        answered=int(r.answered or 0),
        missed=int(r.missed or 0),
        total_duration=int(r.duration or 0),
        mean_confidence=float(r.confidence or 0.0),
        qualified=int(r.qualified or 0),
    )
