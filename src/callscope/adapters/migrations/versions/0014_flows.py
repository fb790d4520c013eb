"""call flows, blocklists, spam calls

Revision ID: 0014_flows
Revises: 0013_redaction
Create Date: 2026-12-02 09:30:00.000000

A site's call flow and numbers' overrides of it (hours, targets, strategy, fallbacks, notice,
spam rules) with the round-robin counter; each account's blocklist; and the reason a call was
stored as spam.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import callscope.adapters.tables

revision = "0014_flows"
down_revision = "0013_redaction"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_flows",
        sa.Column("site_id", callscope.adapters.tables.ID, autoincrement=False, nullable=False),
        sa.Column("number_id", callscope.adapters.tables.ID, autoincrement=False, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("turns", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", callscope.adapters.tables.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"]),
        sa.PrimaryKeyConstraint("site_id", "number_id"),
    )
    op.create_table(
        "blocklist",
        sa.Column("id", callscope.adapters.tables.ID, autoincrement=True, nullable=False),
        sa.Column("account_id", callscope.adapters.tables.ID, nullable=False),
        sa.Column("number", sa.String(length=20), nullable=True),
        sa.Column("prefix", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_at", callscope.adapters.tables.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("blocklist", schema=None) as batch_op:
        batch_op.create_index("ix_blocklist_account_number", ["account_id", "number"], unique=False)
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("spam_reason", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_column("spam_reason")
    with op.batch_alter_table("blocklist", schema=None) as batch_op:
        batch_op.drop_index("ix_blocklist_account_number")
    op.drop_table("blocklist")
    op.drop_table("call_flows")
