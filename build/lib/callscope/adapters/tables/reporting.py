"""Tables of the reporting and integration features: ad spend, webhook endpoints and their
delivery queue, and the dashboard's session signing secret."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from callscope.adapters.tables.base import ID, UTCDateTime, metadata, site_day_channel_columns

# Spend per site, local day and channel. Empty strings, not NULL, for "any campaign / term":
# unique constraints treat NULLs as distinct, and an import must replace a day's figure.
spend = Table(
    "spend",
    metadata,
    *site_day_channel_columns(),
    # Minor units (cents): exact sums on both databases without Decimal round trips.
    Column("amount_cents", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("site_id", "day", "source", "medium", "campaign", "term", name="uq_spend"),
)

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("site_id", ID, ForeignKey("sites.id"), nullable=False, index=True),
    Column("url", Text, nullable=False),
    Column("secret", String(80), nullable=False),
    Column("events", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("disabled_at", UTCDateTime),
)

# The outbox: one row per (endpoint, event id), so an event is queued once per endpoint
# however often the call that caused it is saved.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("endpoint_id", ID, ForeignKey("webhook_endpoints.id"), nullable=False),
    Column("event_id", String(200), nullable=False),
    Column("event_type", String(40), nullable=False),
    Column("payload", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime),
    Column("last_error", String(300)),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("endpoint_id", "event_id", name="uq_delivery_event"),
    Index("ix_deliveries_due", "delivered_at", "next_attempt_at"),
)

# One random secret, made on first use: signs dashboard sessions the same way on every
# server process and across restarts, with no setting to forget.
dashboard_secrets = Table(
    "dashboard_secrets",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", String(128), nullable=False),
)
