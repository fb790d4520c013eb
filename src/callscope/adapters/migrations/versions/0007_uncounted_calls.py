"""calls' rollup deltas not counted into the rollups yet

Revision ID: 0007_uncounted_calls
Revises: 0006_linear
Create Date: 2026-12-02 06:30:00.000000

A call no longer upserts the call and caller rollups in its own transaction (every call to one
number, channel and day queued on the same rollup rows): it adds its deltas here, folded into
the rollups by the server every second, and reports add the rows still waiting.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import callscope.adapters.tables

revision = "0007_uncounted_calls"
down_revision = "0006_linear"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "uncounted_calls",
        sa.Column("id", callscope.adapters.tables.ID, autoincrement=True, nullable=False),
        sa.Column("site_id", callscope.adapters.tables.ID, nullable=False),
        sa.Column("dimension", sa.String(length=8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("previous_day", sa.Date(), nullable=True),
        sa.Column("calls", sa.BigInteger(), nullable=False),
        sa.Column("answered", sa.BigInteger(), nullable=False),
        sa.Column("missed", sa.BigInteger(), nullable=False),
        sa.Column("first_time", sa.BigInteger(), nullable=False),
        sa.Column("duration_sum", sa.BigInteger(), nullable=False),
        sa.Column("qualified", sa.BigInteger(), nullable=False),
        sa.Column("confidence_sum", sa.Float(), nullable=False),
        sa.Column("callers", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("uncounted_calls", schema=None) as batch_op:
        batch_op.create_index(
            "ix_uncounted_calls_site_dimension_day", ["site_id", "dimension", "day"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("uncounted_calls", schema=None) as batch_op:
        batch_op.drop_index("ix_uncounted_calls_site_dimension_day")
    op.drop_table("uncounted_calls")
