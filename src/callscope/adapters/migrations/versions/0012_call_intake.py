"""call events accepted under load, applied just after the answer

Revision ID: 0012_call_intake
Revises: 0011_insights
Create Date: 2026-12-02 09:45:00.000000

A telephony webhook that arrives while the process is busy stores its event `pending` in
`call_events` (with the event as `payload`) and answers; the server applies it to its call a
moment later. A partial index finds the pending ones.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_call_intake"
down_revision = "0011_insights"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("call_events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pending", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )
        batch_op.add_column(sa.Column("payload", sa.JSON(), nullable=True))
        batch_op.create_index(
            "ix_call_events_pending",
            ["received_at"],
            unique=False,
            postgresql_where=sa.text("pending"),
            sqlite_where=sa.text("pending"),
        )


def downgrade() -> None:
    with op.batch_alter_table("call_events", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_call_events_pending",
            postgresql_where=sa.text("pending"),
            sqlite_where=sa.text("pending"),
        )
        batch_op.drop_column("payload")
        batch_op.drop_column("pending")
