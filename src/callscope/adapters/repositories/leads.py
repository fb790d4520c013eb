"""Journeys (the pages of a visit) and leads (calls, form submissions, texts)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, bindparam, func, insert, select, update
from sqlalchemy.engine import Connection

from callscope.adapters import rows
from callscope.adapters.repositories._insert import insert_if_absent
from callscope.adapters.tables.leads import leads, visit_pages
from callscope.domain.channel import Channel
from callscope.domain.journey import PageView
from callscope.domain.leads import Lead, LeadStatus, LeadType

_ADD_PAGE = insert(visit_pages)
_COUNT_PAGES = select(func.count()).where(visit_pages.c.visit_id == bindparam("b_visit_id"))
# Pages read up to the lead, its landing page included (a lead without a visit has none).
_JOURNEY = (
    select(func.count())
    .where(visit_pages.c.visit_id == leads.c.visit_id, visit_pages.c.at <= leads.c.at)
    .correlate(leads)
    .scalar_subquery()
)


class JourneyRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, visit_id: str, pages: list[PageView]) -> None:
        if pages:
            values = [
                {"visit_id": visit_id, "url": p.url, "title": p.title, "at": p.at} for p in pages
            ]
            self._conn.execute(_ADD_PAGE, values)

    def count(self, visit_id: str) -> int:
        return int(self._conn.execute(_COUNT_PAGES, {"b_visit_id": visit_id}).scalar_one())

    def of_visit(self, visit_id: str) -> list[PageView]:
        query = (
            select(visit_pages.c.url, visit_pages.c.title, visit_pages.c.at)
            .where(visit_pages.c.visit_id == visit_id)
            .order_by(visit_pages.c.at, visit_pages.c.id)
        )
        return [PageView(r.url, r.title, r.at) for r in self._conn.execute(query)]


def _lead_columns(lead: Lead, now: datetime) -> dict[str, Any]:
    return {
        "id": lead.id,
        "site_id": lead.site_id,
        "type": lead.type.value,
        "at": lead.at,
        "visit_id": lead.visit_id,
        **rows.channel_columns(lead.channel),
        "status": lead.status.value,
        "value": lead.value,
        "notes": lead.notes,
        "call_id": lead.call_id,
        "submission_id": lead.submission_id,
        "form_id": lead.form_id,
        "fields": lead.fields,
        "contact": lead.contact,
        "updated_at": now,
    }


def _lead(row: RowMapping, journey: int = 0) -> Lead:
    return Lead(
        id=row["id"],
        site_id=row["site_id"],
        type=LeadType(row["type"]),
        at=row["at"],
        visit_id=row["visit_id"],
        channel=rows.channel_of(row),
        status=LeadStatus(row["status"]),
        value=row["value"],
        notes=row["notes"],
        call_id=row["call_id"],
        submission_id=row["submission_id"],
        form_id=row["form_id"],
        fields=dict(row["fields"] or {}),
        contact=row["contact"],
        journey_length=journey,
    )


class LeadRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, lead: Lead, now: datetime) -> bool:
        """Store a lead; False when its submission (or call) was stored before."""
        return insert_if_absent(self._conn, leads, _lead_columns(lead, now))

    def get(self, lead_id: str) -> Lead | None:
        query = select(leads, _JOURNEY.label("journey")).where(leads.c.id == lead_id)
        found = self._conn.execute(query).mappings().first()
        return _with_journey(found) if found else None

    def by_submission(self, site_id: int, submission_id: str) -> Lead | None:
        query = select(leads).where(
            leads.c.site_id == site_id, leads.c.submission_id == submission_id
        )
        found = self._conn.execute(query).mappings().first()
        return _lead(found) if found else None

    def by_call(self, call_id: str) -> Lead | None:
        found = (
            self._conn.execute(select(leads).where(leads.c.call_id == call_id)).mappings().first()
        )
        return _lead(found) if found else None

    def save(self, lead: Lead, now: datetime) -> None:
        values: dict[str, Any] = {"status": lead.status.value, "value": lead.value}
        values.update(notes=lead.notes, updated_at=now)
        self._conn.execute(update(leads).where(leads.c.id == lead.id).values(**values))

    def set_attribution(self, lead_id: str, visit_id: str | None, channel: Channel | None) -> None:
        values = {"visit_id": visit_id, **rows.channel_columns(channel)}
        self._conn.execute(update(leads).where(leads.c.id == lead_id).values(**values))

    def won_values(
        self, site_id: int, start: datetime, end: datetime, by: str
    ) -> dict[str | None, float]:
        """The value of the leads won in [start, end) per value of a channel field."""
        column = leads.c[by]
        query = (
            select(column, func.sum(leads.c.value))
            .where(
                leads.c.site_id == site_id,
                leads.c.at >= start,
                leads.c.at < end,
                leads.c.status == LeadStatus.WON.value,
                leads.c.value.is_not(None),
            )
            .group_by(column)
        )
        return {key or None: float(total or 0) for key, total in self._conn.execute(query)}

    def won(self, site_id: int, start: datetime, end: datetime, limit: int) -> list[Lead]:
        """Leads won with a value in [start, end), oldest first (for the ad platforms)."""
        query = (
            select(leads)
            .where(
                leads.c.site_id == site_id,
                leads.c.at >= start,
                leads.c.at < end,
                leads.c.status == LeadStatus.WON.value,
                leads.c.value.is_not(None),
            )
            .order_by(leads.c.at, leads.c.id)
            .limit(limit)
        )
        return [_lead(r) for r in self._conn.execute(query).mappings()]

    def for_site(
        self, site_id: int, start: datetime, end: datetime, limit: int | None = 5000
    ) -> list[Lead]:
        """The site's leads in [start, end), newest first, each with its journey length."""
        query = (
            select(leads, _JOURNEY.label("journey"))
            .where(leads.c.site_id == site_id, leads.c.at >= start, leads.c.at < end)
            .order_by(leads.c.at.desc(), leads.c.id)
            .limit(limit)
        )
        return [_with_journey(r) for r in self._conn.execute(query).mappings()]


def _with_journey(row: RowMapping) -> Lead:
    return _lead(row, int(row["journey"] or 0) + (1 if row["visit_id"] else 0))
