"""The core tables: accounts and keys, sites and their tracking numbers, visits, leases, calls."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    text,
    true,
)

from callscope.adapters.tables.base import ID, NEVER_HELD, SHARED_POOL, UTCDateTime, metadata

accounts = Table(
    "accounts",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("account_id", ID, ForeignKey("accounts.id"), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("scope", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
)

sites = Table(
    "sites",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("account_id", ID, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("site_key", String(40), nullable=False, unique=True),
    Column("forward_to", String(20), nullable=False),
    Column("allowed_origins", JSON, nullable=False),
    Column("replace_numbers", JSON, nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # Mask card numbers, codes, SSNs and e-mails in transcripts; play recordings silenced there.
    Column("redact", Boolean, nullable=False, server_default=true()),
    Column("form_allow", JSON, nullable=False, server_default="[]"),
    Column("form_deny", JSON, nullable=False, server_default="[]"),
    Column("consent_required", Boolean, nullable=False, server_default="0"),
    Column("workspace_id", ID),  # a client workspace (tables/users.py), or none
)

tracking_numbers = Table(
    "tracking_numbers",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("site_id", ID, ForeignKey("sites.id"), nullable=False),
    Column("number", String(20), nullable=False, unique=True),
    Column("kind", String(12), nullable=False),
    Column("source", String(200)),
    Column("medium", String(200)),
    Column("campaign", String(200)),
    Column("term", String(200)),
    Column("forward_to", String(20)),
    # The current (or, once expired, the last) holder: one row per number makes two live
    # leases on one number impossible by construction. A number nobody has held yet is held
    # until NEVER_HELD: no NULL, so "free, idlest first" is one range of an index in order.
    Column("holder_visit_id", String(32)),
    Column("held_until", UTCDateTime, nullable=False, default=NEVER_HELD),
    Column("last_visitor_id", String(64)),
    Column("created_at", UTCDateTime, nullable=False),
    # A sub-pool's free numbers (reserved for a source / medium), idlest first...
    Index("ix_numbers_pool", "site_id", "kind", "source", "medium", "held_until", "id"),
    # ...and the shared pool's (PostgreSQL reads no order through an IS NULL key column).
    Index(
        "ix_numbers_shared_pool",
        "site_id",
        "held_until",
        "id",
        postgresql_where=text(SHARED_POOL),
        sqlite_where=text(SHARED_POOL),
    ),
)

visits = Table(
    "visits",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("site_id", ID, ForeignKey("sites.id"), nullable=False),
    Column("visitor_id", String(64)),
    Column("started_at", UTCDateTime, nullable=False),
    Column("landing_url", Text, nullable=False),
    Column("landing_title", String(300)),
    Column("referrer", Text),
    Column("source", String(200), nullable=False),
    Column("medium", String(200), nullable=False),
    Column("campaign", String(200)),
    Column("term", String(200)),
    Column("click_ids", JSON, nullable=False),
    Column("ga_client_id", String(64)),
    Column("user_agent", String(400)),
    Column("mode", String(12), nullable=False),
    Column("number_id", ID),
    Column("ext", String(8)),
    Column("expires_at", UTCDateTime),
    Column("last_seen_at", UTCDateTime),
    Column("reason", String(200)),
    Column("client", String(16)),
    Index("ix_visits_site_started", "site_id", "started_at"),
    Index("ix_visits_site_client", "site_id", "client", "expires_at"),
    Index("ix_visits_site_visitor", "site_id", "visitor_id"),
)

leases = Table(
    "leases",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("number_id", ID, ForeignKey("tracking_numbers.id"), nullable=False),
    Column("visit_id", String(32), nullable=False),
    Column("ext", String(8)),
    Column("started_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index("ix_leases_number_started", "number_id", "started_at"),
    Index("ix_leases_number_ext", "number_id", "ext", "expires_at"),
    Index("ix_leases_visit", "visit_id"),
)

route_notes = Table(
    "route_notes",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("number_id", ID, nullable=False),
    Column("caller", String(20)),
    Column("ext", String(8), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_route_notes_number_at", "number_id", "at"),
)

calls = Table(
    "calls",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("call_id", String(128), nullable=False, unique=True),
    Column("site_id", ID, ForeignKey("sites.id"), nullable=False),
    Column("number_id", ID, nullable=False),
    Column("dialed_number", String(20), nullable=False),
    Column("caller", String(20)),
    Column("agent_number", String(20)),
    Column("ext", String(8)),
    Column("started_at", UTCDateTime, nullable=False),
    Column("answered_at", UTCDateTime),
    Column("ended_at", UTCDateTime),
    Column("duration", Integer),
    Column("record_url", Text),
    Column("failure_code", String(32)),
    Column("failure_reason", String(200)),
    Column("spam_reason", String(200)),
    Column("status", String(12), nullable=False),
    Column("visit_id", String(32)),
    Column("source", String(200)),
    Column("medium", String(200)),
    Column("campaign", String(200)),
    Column("term", String(200)),
    Column("method", String(16), nullable=False),
    Column("confidence", Float, nullable=False),
    Column("first_time", Boolean, nullable=False),
    Index("ix_calls_site_started", "site_id", "started_at"),
    Index("ix_calls_site_caller", "site_id", "caller", "started_at"),
)

# Every (call id, event) delivered, once: what makes repeats change nothing. An event accepted
# under load is stored `pending` with its `payload` (the event itself, and the lease length it
# was accepted under) and applied to its call just after the answer; applied, both are cleared.
call_events = Table(
    "call_events",
    metadata,
    Column("call_id", String(128), primary_key=True),
    Column("event", String(12), primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("pending", Boolean, nullable=False, server_default=text("false")),
    Column("payload", JSON, nullable=True),
    Index(
        "ix_call_events_pending",
        "received_at",
        postgresql_where=text("pending"),
        sqlite_where=text("pending"),
    ),
)
