"""pool tables

Revision ID: 0002_pool
Revises: 0001
Create Date: 2026-11-25 23:37:39.627201
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import callscope.adapters.tables

revision = "0002_pool"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pool_exhaustions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("site_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("visit_id", sa.String(length=32), nullable=False),
        sa.Column("at", callscope.adapters.tables.UTCDateTime(), nullable=False),
        sa.Column("fallback", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pool_exhaustions", schema=None) as batch_op:
        batch_op.create_index("ix_pool_exhaustions_site_at", ["site_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pool_exhaustions", schema=None) as batch_op:
        batch_op.drop_index("ix_pool_exhaustions_site_at")
    op.drop_table("pool_exhaustions")
