"""a counter of routing changes

Revision ID: 0008_route_version
Revises: 0007_uncounted_calls
Create Date: 2026-12-02 07:00:00.000000

Numbers can now be changed and removed, and every server process must stop routing the old
way within a second: each change bumps this one-row counter (PostgreSQL also sends a NOTIFY),
and processes drop their in-memory route table when it moves.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_route_version"
down_revision = "0007_uncounted_calls"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "route_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(table, [{"id": 1, "version": 0}])


def downgrade() -> None:
    op.drop_table("route_version")
