"""The read side: channel figures and the call log, computed in the database by index ranges."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, case, cast, func, select
from sqlalchemy.engine import Connection

from callscope.adapters import rows
from callscope.adapters.tables import calls, visits
from callscope.domain.calls import Call, CallStatus

GROUPS = ("source", "medium", "campaign", "term")
ANSWERED = (CallStatus.ANSWERED.value, CallStatus.COMPLETED.value)


@dataclass(frozen=True)
class CallFigures:
    calls: int
    unique_callers: int
    first_time_callers: int
    answered: int
    missed: int
    total_duration: int
    mean_confidence: float


@dataclass(frozen=True)
class CallFilter:
    site_id: int
    start: datetime
    end: datetime
    status: str | None = None
    first_time: bool | None = None
    source: str | None = None
    limit: int = 500


class ReportRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def call_figures(
        self, site_id: int, start: datetime, end: datetime, by: str
    ) -> dict[str | None, CallFigures]:
        key = calls.c[by]
        answered = calls.c.status.in_(ANSWERED)
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
                func.sum(case((answered, func.coalesce(calls.c.duration, 0)), else_=0)).label(
                    "duration"
                ),
                func.avg(calls.c.confidence).label("confidence"),
            )
            .where(
                calls.c.site_id == site_id, calls.c.started_at >= start, calls.c.started_at < end
            )
            .group_by(key)
        )
        return {
            r.key: CallFigures(
                calls=int(r.calls),
                unique_callers=int(r.unique_callers),
                first_time_callers=int(r.first_time or 0),
                answered=int(r.answered or 0),
                missed=int(r.missed or 0),
                total_duration=int(r.duration or 0),
                mean_confidence=float(r.confidence or 0.0),
            )
            for r in self._conn.execute(query)
        }

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
        query = query.order_by(calls.c.started_at.desc()).limit(f.limit)
        return [rows.call(r) for r in self._conn.execute(query).mappings()]
