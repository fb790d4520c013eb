"""Daily rollups behind the channel report: call figures, caller links and visits per site,
local day (the site's time zone) and channel value; kept in step with the raw tables."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    PrimaryKeyConstraint,
    String,
    Table,
)

from callscope.adapters.tables.base import ID, metadata, site_day_channel_columns
from callscope.domain.reporting import CallTally


def tally_columns() -> list[Column[Any]]:
    """One column per figure of a `CallTally`, in its order: counts as BIGINT, the confidence
    sum as a float. `duration_sum` is the seconds of answered calls, `qualified` the answered
    calls of 60 s or more (the default threshold)."""
    return [
        Column(f.name, Float if f.name == "confidence_sum" else BigInteger, nullable=False)
        for f in fields(CallTally)
    ]


# `dimension` is "site" (value "": the whole site, for the totals) or a channel field; a NULL
# field is stored as "" because primary key columns cannot be NULL. The key starts with
# (site, dimension, day) so a report reads one index range.
call_rollups = Table(
    "call_rollups",
    metadata,
    Column("site_id", ID, ForeignKey("sites.id"), nullable=False),
    Column("dimension", String(8), nullable=False),
    Column("day", Date, nullable=False),
    Column("value", String(200), nullable=False),
    *tally_columns(),
    PrimaryKeyConstraint("site_id", "dimension", "day", "value", name="pk_call_rollups"),
)

# Exact unique callers over any day range [a, b]: every call with a caller is counted under
# the local day of the caller's previous call with the same value (0001-01-01 when none), so
# the callers of [a, b] are the calls of [a, b] whose previous day is before a. A repeat on
# the same day can never count and is not stored.
caller_rollups = Table(
    "caller_rollups",
    metadata,
    Column("site_id", ID, ForeignKey("sites.id"), nullable=False),
    Column("dimension", String(8), nullable=False),
    Column("day", Date, nullable=False),
    Column("value", String(200), nullable=False),
    Column("previous_day", Date, nullable=False),
    Column("callers", BigInteger, nullable=False),
    PrimaryKeyConstraint(
        "site_id", "dimension", "day", "value", "previous_day", name="pk_caller_rollups"
    ),
)

# Visits per channel value; the site's total is the sum over sources (every visit has one).
visit_rollups = Table(
    "visit_rollups",
    metadata,
    Column("site_id", ID, ForeignKey("sites.id"), nullable=False),
    Column("dimension", String(8), nullable=False),
    Column("day", Date, nullable=False),
    Column("value", String(200), nullable=False),
    Column("visits", BigInteger, nullable=False),
    PrimaryKeyConstraint("site_id", "dimension", "day", "value", name="pk_visit_rollups"),
)

# Visits not counted into visit_rollups yet. A visit adds one row here instead of updating four
# rollup rows that every concurrent visit of the site updates too (they queued on those rows'
# locks); the server counts these into visit_rollups every second (`rollups.count_visits`),
# and a report adds the few still here, so its figures are exact at any moment.
uncounted_visits = Table(
    "uncounted_visits",
    metadata,
    *site_day_channel_columns(),
    Index("ix_uncounted_visits_site_day", "site_id", "day"),
)

# What stored calls add to call_rollups and caller_rollups, not counted into them yet. A call
# adds its deltas here instead of upserting rollup rows that every concurrent call to the same
# number, channel and day updates too (calls queued on those rows' locks for the rest of their
# transaction). A row with `previous_day` NULL is a call_rollups delta (the tally columns);
# one with a `previous_day` is a caller_rollups delta (`callers`). The server folds these into
# the rollups every second (`rollups.count_calls`) and a report adds the ones still here.
uncounted_calls = Table(
    "uncounted_calls",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("site_id", ID, ForeignKey("sites.id"), nullable=False),
    Column("dimension", String(8), nullable=False),
    Column("day", Date, nullable=False),
    Column("value", String(200), nullable=False),
    Column("previous_day", Date, nullable=True),
    *tally_columns(),
    Column("callers", BigInteger, nullable=False),
    Index("ix_uncounted_calls_site_dimension_day", "site_id", "dimension", "day"),
)
