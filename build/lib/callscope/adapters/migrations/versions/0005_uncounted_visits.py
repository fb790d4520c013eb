"""visits not counted into the rollups yet

Revision ID: 0005_uncounted_visits
Revises: 0004_pool_index
Create Date: 2026-11-26 03:30:00.000000

A visit no longer updates the visit rollups in its own transaction (concurrent visits queued
on those rows): it adds a row here, counted into the rollups by the server every second.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import callscope.adapters.tables

revision = "0005_uncounted_visits"
down_revision = "0004_pool_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "uncounted_visits",
        sa.Column("id", callscope.adapters.tables.ID, autoincrement=True, nullable=False),
        sa.Column("site_id", callscope.adapters.tables.ID, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("medium", sa.String(length=200), nullable=False),
        sa.Column("campaign", sa.String(length=200), nullable=False),
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("uncounted_visits", schema=None) as batch_op:
        batch_op.create_index("ix_uncounted_visits_site_day", ["site_id", "day"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("uncounted_visits", schema=None) as batch_op:
        batch_op.drop_index("ix_uncounted_visits_site_day")
    op.drop_table("uncounted_visits")
