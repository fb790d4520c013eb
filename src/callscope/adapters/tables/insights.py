"""Keyword rules per site, and what the transcript told about each call (tags, lead score)."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Integer, String, Table, Text

from callscope.adapters.tables.base import ID, UTCDateTime, metadata

keywords = Table(
    "keywords",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("site_id", ID, ForeignKey("sites.id"), nullable=False, index=True),
    Column("phrase", String(100), nullable=False),
    Column("tag", String(40), nullable=False),
    Column("weight", Integer, nullable=False),
    Column("speaker", String(12)),
    Column("created_at", UTCDateTime, nullable=False),
)

call_insights = Table(
    "call_insights",
    metadata,
    Column("call_id", String(128), primary_key=True),
    Column("site_id", ID, ForeignKey("sites.id"), nullable=False, index=True),
    Column("tags", JSON, nullable=False),  # [{"tag", "at", "speaker"}]
    Column("score", Integer),
    Column("reasons", JSON, nullable=False),
    # A person's decision wins over the computed score and qualification.
    Column("override_score", Integer),
    Column("override_qualified", Boolean),
    Column("notes", Text),  # a person's notes on the call
    Column("updated_at", UTCDateTime, nullable=False),
)
