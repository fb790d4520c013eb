"""Call flows (a site's, and numbers' overrides) and the accounts' blocklists."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, String, Table, Text

from callscope.adapters.tables.base import ID, UTCDateTime, metadata

# One row per site (number_id 0) and per number that overrides its site's flow. `body` is the
# flow's JSON form (domain.flows.flow_to_dict), kept as text so the route table parses each
# distinct flow once. `turns` is the round-robin counter every server process moves atomically.
call_flows = Table(
    "call_flows",
    metadata,
    Column("site_id", ID, ForeignKey("sites.id"), primary_key=True, autoincrement=False),
    Column("number_id", ID, primary_key=True, autoincrement=False),
    Column("body", Text, nullable=False),
    Column("turns", BigInteger, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

blocklist = Table(
    "blocklist",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("account_id", ID, ForeignKey("accounts.id"), nullable=False),
    Column("number", String(20)),
    Column("prefix", String(16)),
    Column("reason", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_blocklist_account_number", "account_id", "number"),
)
