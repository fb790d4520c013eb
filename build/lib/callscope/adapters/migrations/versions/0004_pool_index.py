"""free pool numbers read from an index in order

Revision ID: 0004_pool_index
Revises: 0003_visit_client
Create Date: 2026-11-26 03:10:00.000000

Finding a free number sorted the whole pool on every visit. A number never held now holds
until 1970-01-01 instead of NULL, and two indexes (a sub-pool's, the shared pool's) give the
free numbers idlest first, so the query stops at its limit.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

import callscope.adapters.tables

revision = "0004_pool_index"
down_revision = "0003_visit_client"
branch_labels = None
depends_on = None

SHARED_POOL = "kind = 'pool' AND source IS NULL AND medium IS NULL"


def upgrade() -> None:
    numbers = sa.table("tracking_numbers", sa.column("held_until", sa.DateTime()))
    op.execute(
        numbers.update()
        .where(numbers.c.held_until.is_(None))
        .values(held_until=sa.literal(datetime(1970, 1, 1), sa.DateTime()))
    )
    with op.batch_alter_table("tracking_numbers", schema=None) as batch_op:
        batch_op.alter_column(
            "held_until",
            existing_type=callscope.adapters.tables.UTCDateTime(),
            nullable=False,
        )
        batch_op.drop_index("ix_numbers_free")
        batch_op.create_index(
            "ix_numbers_pool",
            ["site_id", "kind", "source", "medium", "held_until", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_numbers_shared_pool",
            ["site_id", "held_until", "id"],
            unique=False,
            postgresql_where=sa.text(SHARED_POOL),
            sqlite_where=sa.text(SHARED_POOL),
        )


def downgrade() -> None:
    with op.batch_alter_table("tracking_numbers", schema=None) as batch_op:
        batch_op.drop_index("ix_numbers_shared_pool")
        batch_op.drop_index("ix_numbers_pool")
        batch_op.create_index("ix_numbers_free", ["site_id", "kind", "held_until"], unique=False)
        batch_op.alter_column(
            "held_until",
            existing_type=callscope.adapters.tables.UTCDateTime(),
            nullable=True,
        )
    numbers = sa.table("tracking_numbers", sa.column("held_until", sa.DateTime()))
    op.execute(
        numbers.update()
        .where(numbers.c.held_until == sa.literal(datetime(1970, 1, 1), sa.DateTime()))
        .values(held_until=None)
    )
