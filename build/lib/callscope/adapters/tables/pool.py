"""Tables of the pool engine: the moments a site's pool ran out of free numbers."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, String, Table

from callscope.adapters.tables.base import ID, UTCDateTime, metadata

# One row per visit that found every pool number held: what it got instead says how much
# attribution the shortage cost (an extension code still attributes, the site's number not).
pool_exhaustions = Table(
    "pool_exhaustions",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("site_id", ID, ForeignKey("sites.id"), nullable=False),
    Column("visit_id", String(32), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("fallback", String(12), nullable=False),
    Index("ix_pool_exhaustions_site_at", "site_id", "at"),
)
