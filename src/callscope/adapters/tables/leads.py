"""Journeys (the pages of each visit) and leads (calls, form submissions and texts)."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Float, ForeignKey, Index, String, Table, Text, UniqueConstraint

from callscope.adapters.tables.base import ID, UTCDateTime, metadata

visit_pages = Table(
    "visit_pages",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("visit_id", String(32), nullable=False),
    Column("url", Text, nullable=False),
    Column("title", String(300)),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_visit_pages_visit_at", "visit_id", "at"),
)

leads = Table(
    "leads",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("site_id", ID, ForeignKey("sites.id"), nullable=False),
    Column("type", String(8), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("visit_id", String(32)),
    Column("source", String(200)),
    Column("medium", String(200)),
    Column("campaign", String(200)),
    Column("term", String(200)),
    Column("status", String(12), nullable=False),
    Column("value", Float),
    Column("notes", Text),
    # The call (type call) or Twilio message (type text) the lead stands for.
    Column("call_id", String(128)),
    Column("submission_id", String(64)),
    Column("form_id", String(100)),
    Column("fields", JSON, nullable=False),
    Column("contact", String(20)),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("site_id", "submission_id", name="uq_leads_submission"),
    UniqueConstraint("call_id", name="uq_leads_call"),
    Index("ix_leads_site_at", "site_id", "at"),
)
