"""journeys and leads

Revision ID: 0015_leads
Revises: 0014_flows
Create Date: 2026-12-02 09:30:00.000000

Sites gain form capture lists and a consent setting. Each visit keeps the pages it read
(`visit_pages`; its landing page's title on the visit); every call, form submission and text
becomes a lead a person triages (`leads`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import callscope.adapters.tables

revision = "0015_leads"
down_revision = "0014_flows"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("form_allow", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("form_deny", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(
            sa.Column("consent_required", sa.Boolean(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("landing_title", sa.String(length=300), nullable=True))
    op.create_table(
        "visit_pages",
        sa.Column("id", callscope.adapters.tables.ID, autoincrement=True, nullable=False),
        sa.Column("visit_id", sa.String(length=32), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=True),
        sa.Column("at", callscope.adapters.tables.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("visit_pages", schema=None) as batch_op:
        batch_op.create_index("ix_visit_pages_visit_at", ["visit_id", "at"], unique=False)
    op.create_table(
        "leads",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("site_id", callscope.adapters.tables.ID, nullable=False),
        sa.Column("type", sa.String(length=8), nullable=False),
        sa.Column("at", callscope.adapters.tables.UTCDateTime(), nullable=False),
        sa.Column("visit_id", sa.String(length=32), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("medium", sa.String(length=200), nullable=True),
        sa.Column("campaign", sa.String(length=200), nullable=True),
        sa.Column("term", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("call_id", sa.String(length=128), nullable=True),
        sa.Column("submission_id", sa.String(length=64), nullable=True),
        sa.Column("form_id", sa.String(length=100), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("contact", sa.String(length=20), nullable=True),
        sa.Column("updated_at", callscope.adapters.tables.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("call_id", name="uq_leads_call"),
        sa.UniqueConstraint("site_id", "submission_id", name="uq_leads_submission"),
    )
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index("ix_leads_site_at", ["site_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_site_at")
    op.drop_table("leads")
    with op.batch_alter_table("visit_pages", schema=None) as batch_op:
        batch_op.drop_index("ix_visit_pages_visit_at")
    op.drop_table("visit_pages")
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_column("landing_title")
    # Plain ALTERs (SQLite 3.35+): rebuilding `sites` would trip its foreign keys.
    for column in ("consent_required", "form_deny", "form_allow"):
        op.drop_column("sites", column)
