"""Recordings fetched into the local store, and the transcripts made of them."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, String, Table, Text

from callscope.adapters.tables.base import ID, UTCDateTime, metadata

recordings = Table(
    "recordings",
    metadata,
    Column("call_id", String(128), primary_key=True),
    Column("site_id", ID, ForeignKey("sites.id"), nullable=False, index=True),
    Column("path", String(300), nullable=False),  # relative to CALLSCOPE_RECORDINGS_DIR
    Column("content_type", String(100), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("fetched_at", UTCDateTime, nullable=False),
    # The copy with redacted spans silenced (the file itself when nothing needed silencing);
    # made with the transcript.
    Column("redacted_path", String(300)),
)

transcripts = Table(
    "transcripts",
    metadata,
    Column("call_id", String(128), primary_key=True),
    Column("site_id", ID, ForeignKey("sites.id"), nullable=False, index=True),
    Column("text", Text, nullable=False),  # redacted when the site redacts (the default)
    Column("segments", JSON, nullable=False),
    Column("engine", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# SQLite only: an FTS5 table (and its shadow tables) indexing transcripts for search. Made by
# migration 0009 and kept by the transcripts repository; not declared above (no Core type).
SEARCH_INDEX = "transcripts_fts"


def undeclared(name: str | None) -> bool:
    """Tables that are not part of `metadata` on purpose (the search index)."""
    return bool(name and name.startswith(SEARCH_INDEX))
