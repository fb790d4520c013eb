"""The Twilio auth token of each callscope account, used to check Twilio's request signatures."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String, Table

from callscope.adapters.tables.base import ID, UTCDateTime, metadata

# The token is kept in clear: checking an HMAC signature needs the key itself, not a hash.
twilio_credentials = Table(
    "twilio_credentials",
    metadata,
    Column("account_id", ID, ForeignKey("accounts.id"), primary_key=True),
    Column("account_sid", String(64), nullable=False),
    Column("auth_token", String(128), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
