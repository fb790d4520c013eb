"""Ad spend per site, local day and channel: stored by import, summed by the reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from callscope.adapters.tables.reporting import spend


@dataclass(frozen=True)
class SpendEntry:
    """What a channel cost on one local day; campaign and term may be left out."""

    day: date
    source: str
    medium: str
    amount_cents: int
    currency: str
    campaign: str | None = None
    term: str | None = None


class SpendRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def put(self, site_id: int, entry: SpendEntry, now: datetime) -> None:
        """Store the day's figure, replacing an earlier import of the same day and channel."""
        dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        values = {
            "site_id": site_id,
            "day": entry.day,
            "source": entry.source,
            "medium": entry.medium,
            "campaign": entry.campaign or "",
            "term": entry.term or "",
            "amount_cents": entry.amount_cents,
            "currency": entry.currency,
            "updated_at": now,
        }
        stmt = dialect.insert(spend).values(**values)
        keys = ["site_id", "day", "source", "medium", "campaign", "term"]
        changed = {
            "amount_cents": entry.amount_cents,
            "currency": entry.currency,
            "updated_at": now,
        }
        self._conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=changed))

    def currencies(self, site_id: int) -> set[str]:
        query = select(spend.c.currency).where(spend.c.site_id == site_id).distinct()
        return {str(c) for c in self._conn.execute(query).scalars()}

    def totals(self, site_id: int, first: date, until: date, by: str) -> dict[str | None, int]:
        """Cents per channel value (`by` is source, medium, campaign or term) over the local
        days [first, until); an empty campaign or term counts as None."""
        key = spend.c[by]
        query = (
            select(key.label("key"), func.sum(spend.c.amount_cents).label("cents"))
            .where(spend.c.site_id == site_id, spend.c.day >= first, spend.c.day < until)
            .group_by(key)
        )
        return {(r.key or None): int(r.cents) for r in self._conn.execute(query)}

    def daily(self, site_id: int, first: date, until: date) -> dict[date, int]:
        query = (
            select(spend.c.day, func.sum(spend.c.amount_cents).label("cents"))
            .where(spend.c.site_id == site_id, spend.c.day >= first, spend.c.day < until)
            .group_by(spend.c.day)
        )
        return {r.day: int(r.cents) for r in self._conn.execute(query)}

    def entries(self, site_id: int, first: date, until: date) -> list[SpendEntry]:
        query = (
            select(spend)
            .where(spend.c.site_id == site_id, spend.c.day >= first, spend.c.day < until)
            .order_by(spend.c.day, spend.c.source, spend.c.medium, spend.c.campaign)
        )
        return [
            SpendEntry(
                r.day,
                r.source,
                r.medium,
                r.amount_cents,
                r.currency,
                r.campaign or None,
                r.term or None,
            )
            for r in self._conn.execute(query)
        ]
