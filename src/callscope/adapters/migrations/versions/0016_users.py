"""users, dashboard sessions, password reset links, client workspaces

Revision ID: 0016_users
Revises: 0015_leads
Create Date: 2026-12-02 09:30:00.000000

People sign in to the dashboard with an e-mail and a password (argon2id) and a role in their
account; sessions live on the server (revocable at once, each with its CSRF token); a password
is set or reset from a single-use link that expires. An account (an agency) can group its
sites into client workspaces; a person granted some of them sees only their sites.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import callscope.adapters.tables

revision = "0016_users"
down_revision = "0015_leads"
branch_labels = None
depends_on = None

ID = callscope.adapters.tables.ID
UTC = callscope.adapters.tables.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTC(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index("ix_users_account_id", ["account_id"], unique=False)
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=True),
        sa.Column("key_hash", sa.String(length=64), nullable=True),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("expires_at", UTC(), nullable=False),
        sa.Column("revoked_at", UTC(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.create_index("ix_sessions_user", ["user_id"], unique=False)
    op.create_table(
        "password_resets",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("expires_at", UTC(), nullable=False),
        sa.Column("used_at", UTC(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("password_resets", schema=None) as batch_op:
        batch_op.create_index("ix_password_resets_user_id", ["user_id"], unique=False)
    op.create_table(
        "workspaces",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.create_index("ix_workspaces_account_id", ["account_id"], unique=False)
    op.create_table(
        "workspace_grants",
        sa.Column("user_id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"]),
        sa.PrimaryKeyConstraint("user_id", "workspace_id"),
    )
    op.add_column("sites", sa.Column("workspace_id", ID, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("workspace_id")
    op.drop_table("workspace_grants")
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_index("ix_workspaces_account_id")
    op.drop_table("workspaces")
    with op.batch_alter_table("password_resets", schema=None) as batch_op:
        batch_op.drop_index("ix_password_resets_user_id")
    op.drop_table("password_resets")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_sessions_user")
    op.drop_table("sessions")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("ix_users_account_id")
    op.drop_table("users")
