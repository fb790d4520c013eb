"""twilio tables: each account's Twilio auth token

Revision ID: 0002_twilio
Revises: 0001
Create Date: 2026-11-25 23:37:48.369877
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import callscope.adapters.tables

revision = "0002_twilio"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "twilio_credentials",
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("account_sid", sa.String(length=64), nullable=False),
        sa.Column("auth_token", sa.String(length=128), nullable=False),
        sa.Column("updated_at", callscope.adapters.tables.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("account_id"),
    )


def downgrade() -> None:
    op.drop_table("twilio_credentials")
