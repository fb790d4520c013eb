"""call notes; per-site redaction and redacted copies of recordings

Revision ID: 0013_redaction
Revises: 0012_call_intake
Create Date: 2026-12-02 09:30:00.000000

A person's notes on a call sit beside their score override (`call_insights.notes`). Each site
says whether callscope redacts its calls (`sites.redact`, on by default and for existing sites);
a recording's copy with the redacted spans silenced is kept beside it (`redacted_path`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_redaction"
down_revision = "0012_call_intake"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE ... ADD COLUMN (SQLite too): a batch copy of `sites` would have to drop
    # a table other tables' foreign keys point at.
    op.add_column("call_insights", sa.Column("notes", sa.Text(), nullable=True))
    op.add_column(
        "sites", sa.Column("redact", sa.Boolean(), nullable=False, server_default=sa.true())
    )
    op.add_column("recordings", sa.Column("redacted_path", sa.String(length=300), nullable=True))


def downgrade() -> None:
    op.drop_column("recordings", "redacted_path")
    op.drop_column("sites", "redact")
    op.drop_column("call_insights", "notes")
