"""pool numbers indexed by sub-pool and idleness

Revision ID: 0004_pool_index
Revises: 0003_visit_client
Create Date: 2026-11-26 03:10:00.000000

Finding a free number sorted the whole pool on every visit: the free-number queries now read
this index in order and stop at their limit.
"""

from __future__ import annotations

from alembic import op

revision = "0004_pool_index"
down_revision = "0003_visit_client"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tracking_numbers", schema=None) as batch_op:
        batch_op.drop_index("ix_numbers_free")
        batch_op.create_index(
            "ix_numbers_pool",
            ["site_id", "kind", "source", "medium", "held_until", "id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("tracking_numbers", schema=None) as batch_op:
        batch_op.drop_index("ix_numbers_pool")
        batch_op.create_index("ix_numbers_free", ["site_id", "kind", "held_until"], unique=False)
