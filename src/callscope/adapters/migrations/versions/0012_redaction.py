"""call notes; per-site redaction and redacted copies of recordings

Revision ID: 0012_redaction
Revises: 0011_insights
Create Date: 2026-12-02 09:30:00.000000

A person's notes on a call sit beside their score override (`call_insights.notes`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_redaction"
down_revision = "0011_insights"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("call_insights", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notes", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("call_insights", schema=None) as batch_op:
        batch_op.drop_column("notes")
