"""The database schema, one module per stored concept; times are naive UTC in the database.

Every table module is imported here, so `metadata` always holds the whole schema (migrations
and the declared-tables check read it). A new concept adds a module and one line below."""

from callscope.adapters.tables import (
    core,
    flows,
    insights,
    jobs,
    leads,
    pool,
    recordings,
    reporting,
    rollups,
    routing,
    twilio,
    users,
)
from callscope.adapters.tables.base import (
    CHANNEL_FIELDS,
    ID,
    NEVER_HELD,
    SHARED_POOL,
    UTCDateTime,
    metadata,
    site_day_channel_columns,
)

__all__ = [
    "CHANNEL_FIELDS",
    "ID",
    "NEVER_HELD",
    "SHARED_POOL",
    "UTCDateTime",
    "core",
    "flows",
    "insights",
    "jobs",
    "leads",
    "metadata",
    "pool",
    "recordings",
    "reporting",
    "rollups",
    "routing",
    "site_day_channel_columns",
    "twilio",
    "users",
]
