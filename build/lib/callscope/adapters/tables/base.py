"""What every table shares: the metadata, id and UTC time types, channel columns."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Integer,
    MetaData,
    String,
    TypeDecorator,
)

metadata = MetaData()
ID = BigInteger().with_variant(Integer, "sqlite")
NEVER_HELD = datetime(1970, 1, 1, tzinfo=UTC)
CHANNEL_FIELDS = ("source", "medium", "campaign", "term")
SHARED_POOL = "kind = 'pool' AND source IS NULL AND medium IS NULL"


def site_day_channel_columns() -> list[Column[Any]]:
    """The leading columns of a table of figures per site, local day and channel: an id, the
    site, the day and the four channel values ("" for none, never NULL)."""
    return [
        Column("id", ID, primary_key=True, autoincrement=True),
        Column("site_id", ID, ForeignKey("sites.id"), nullable=False),
        Column("day", Date, nullable=False),
        *(Column(name, String(200), nullable=False) for name in CHANNEL_FIELDS),
    ]


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python, naive UTC in the database (same on SQLite and PostgreSQL)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to storage; pass UTC-aware datetimes")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)
