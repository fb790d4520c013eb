"""Keyword rules per site, and each call's tags and lead score (with a person's override)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, insert, select, update
from sqlalchemy.engine import Connection

from callscope.adapters.repositories._insert import insert_if_absent
from callscope.adapters.tables.insights import call_insights, keywords
from callscope.domain.keywords import KeywordRule, Tag
from callscope.domain.scoring import CallInsight


class InsightRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add_rule(self, rule: KeywordRule, now: datetime) -> KeywordRule:
        values = {k: v for k, v in rule.__dict__.items() if k != "id"}
        result = self._conn.execute(insert(keywords).values(**values, created_at=now))
        rule_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        return KeywordRule(rule_id, *list(values.values()))

    def rules(self, site_id: int) -> list[KeywordRule]:
        query = select(keywords).where(keywords.c.site_id == site_id).order_by(keywords.c.id)
        return [_rule(r) for r in self._conn.execute(query).mappings()]

    def save(self, insight: CallInsight, now: datetime) -> None:
        """Store computed tags and score; a person's override stays as it was."""
        values: dict[str, Any] = {
            "tags": [t.__dict__ for t in insight.tags],
            "score": insight.score,
            "reasons": list(insight.reasons),
            "updated_at": now,
        }
        self._upsert(insight.call_id, insight.site_id, values)

    def override(
        self, call_id: str, site_id: int, score: int | None, qualified: bool | None, now: datetime
    ) -> None:
        values = {"override_score": score, "override_qualified": qualified, "updated_at": now}
        self._upsert(call_id, site_id, values)

    def note(self, call_id: str, site_id: int, notes: str | None, now: datetime) -> None:
        self._upsert(call_id, site_id, {"notes": notes, "updated_at": now})

    def get(self, call_id: str) -> CallInsight | None:
        return self.for_calls([call_id]).get(call_id)

    def for_calls(self, call_ids: list[str]) -> dict[str, CallInsight]:
        query = select(call_insights).where(call_insights.c.call_id.in_(call_ids))
        return {r["call_id"]: _insight(r) for r in self._conn.execute(query).mappings()}

    def _upsert(self, call_id: str, site_id: int, values: dict[str, Any]) -> None:
        empty = {"call_id": call_id, "site_id": site_id, "tags": [], "reasons": []}
        insert_if_absent(self._conn, call_insights, {**empty, "updated_at": values["updated_at"]})
        self._conn.execute(
            update(call_insights).where(call_insights.c.call_id == call_id).values(values)
        )


def _rule(r: RowMapping) -> KeywordRule:
    return KeywordRule(
        int(r["id"]), int(r["site_id"]), r["phrase"], r["tag"], int(r["weight"]), r["speaker"]
    )


def _insight(r: RowMapping) -> CallInsight:
    return CallInsight(
        call_id=r["call_id"],
        site_id=int(r["site_id"]),
        tags=tuple(Tag(**t) for t in r["tags"]),
        score=r["score"],
        reasons=tuple(r["reasons"]),
        override_score=r["override_score"],
        override_qualified=r["override_qualified"],
        notes=r["notes"],
    )
