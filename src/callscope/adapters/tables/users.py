"""People who sign in to the dashboard, their server-side sessions and password reset links,
and an account's client workspaces with the people granted each.

Passwords are kept as argon2id hashes; session ids and reset tokens as SHA-256 hashes, so the
table alone opens nothing."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table

from callscope.adapters.tables.base import ID, UTCDateTime, metadata

users = Table(
    "users",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("account_id", ID, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("password_hash", String(200)),  # NULL until the person sets one from their link
    Column("role", String(12), nullable=False),
    Column("failures", Integer, nullable=False),
    Column("locked_until", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
)

# A dashboard session: opened by a person (user_id) or, for machines and old bookmarks, by an
# API key (key_hash, checked against the live keys on every request).
sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("account_id", ID, ForeignKey("accounts.id"), nullable=False),
    Column("user_id", ID, ForeignKey("users.id")),
    Column("key_hash", String(64)),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    Index("ix_sessions_user", "user_id"),
)

password_resets = Table(
    "password_resets",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", ID, ForeignKey("users.id"), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime),
)

workspaces = Table(
    "workspaces",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("account_id", ID, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# A person with grants sees only the sites of those workspaces; with none, the whole account.
workspace_grants = Table(
    "workspace_grants",
    metadata,
    Column("user_id", ID, ForeignKey("users.id"), primary_key=True),
    Column("workspace_id", ID, ForeignKey("workspaces.id"), primary_key=True),
)
