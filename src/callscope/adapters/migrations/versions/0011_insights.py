"""keyword rules, call insights, transcript search

Revision ID: 0011_insights
Revises: 0010_recordings
Create Date: 2026-12-02 06:45:00.000000

Sites define keyword rules; each transcribed call gets tags and a lead score (which a person may
override). On SQLite, transcripts are also indexed in an FTS5 table for `GET /v1/calls?q=`
(PostgreSQL searches with its own full-text functions).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import callscope.adapters.tables

revision = "0011_insights"
down_revision = "0010_recordings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "keywords",
        sa.Column("id", callscope.adapters.tables.ID, autoincrement=True, nullable=False),
        sa.Column("site_id", callscope.adapters.tables.ID, nullable=False),
        sa.Column("phrase", sa.String(length=100), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("speaker", sa.String(length=12), nullable=True),
        sa.Column("created_at", callscope.adapters.tables.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("keywords", schema=None) as batch_op:
        batch_op.create_index("ix_keywords_site_id", ["site_id"], unique=False)
    op.create_table(
        "call_insights",
        sa.Column("call_id", sa.String(length=128), nullable=False),
        sa.Column("site_id", callscope.adapters.tables.ID, nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("override_score", sa.Integer(), nullable=True),
        sa.Column("override_qualified", sa.Boolean(), nullable=True),
        sa.Column("updated_at", callscope.adapters.tables.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"]),
        sa.PrimaryKeyConstraint("call_id"),
    )
    with op.batch_alter_table("call_insights", schema=None) as batch_op:
        batch_op.create_index("ix_call_insights_site_id", ["site_id"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE transcripts_fts USING fts5(call_id UNINDEXED, text)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE transcripts_fts")
    with op.batch_alter_table("call_insights", schema=None) as batch_op:
        batch_op.drop_index("ix_call_insights_site_id")
    op.drop_table("call_insights")
    with op.batch_alter_table("keywords", schema=None) as batch_op:
        batch_op.drop_index("ix_keywords_site_id")
    op.drop_table("keywords")
