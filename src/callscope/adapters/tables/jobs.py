"""The background job queue: one row per job, claimed by workers under a lease."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, Integer, String, Table, Text

from callscope.adapters.tables.base import ID, UTCDateTime, metadata

jobs = Table(
    "jobs",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("key", String(200), nullable=False, unique=True),
    Column("payload", JSON, nullable=False),
    Column("status", String(12), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("max_attempts", Integer, nullable=False),
    # When a queued job may run; for a running one, when its lease ends (a worker that died
    # mid-job stops extending it, and the job becomes claimable again).
    Column("run_at", UTCDateTime, nullable=False),
    Column("worker", String(64)),
    Column("last_error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Index("ix_jobs_status_run_at", "status", "run_at"),
)
