"""recordings and transcripts

Revision ID: 0010_recordings
Revises: 0009_jobs
Create Date: 2026-12-02 06:30:00.000000

A call's recording is fetched into callscope's own store (playback and transcription no longer
depend on the platform keeping the file); its transcript is stored beside it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import callscope.adapters.tables

revision = "0010_recordings"
down_revision = "0009_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recordings",
        sa.Column("call_id", sa.String(length=128), nullable=False),
        sa.Column("site_id", callscope.adapters.tables.ID, nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("fetched_at", callscope.adapters.tables.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"]),
        sa.PrimaryKeyConstraint("call_id"),
    )
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.create_index("ix_recordings_site_id", ["site_id"], unique=False)
    op.create_table(
        "transcripts",
        sa.Column("call_id", sa.String(length=128), nullable=False),
        sa.Column("site_id", callscope.adapters.tables.ID, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("segments", sa.JSON(), nullable=False),
        sa.Column("engine", sa.String(length=64), nullable=False),
        sa.Column("created_at", callscope.adapters.tables.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"]),
        sa.PrimaryKeyConstraint("call_id"),
    )
    with op.batch_alter_table("transcripts", schema=None) as batch_op:
        batch_op.create_index("ix_transcripts_site_id", ["site_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("transcripts", schema=None) as batch_op:
        batch_op.drop_index("ix_transcripts_site_id")
    op.drop_table("transcripts")
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.drop_index("ix_recordings_site_id")
    op.drop_table("recordings")
