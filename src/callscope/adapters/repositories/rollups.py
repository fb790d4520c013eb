"""Daily rollups of calls, callers and visits: the channel report's reads, the deltas that keep
them in step, and their full recomputation from the raw tables in SQL."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from datetime import date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import (
    ColumnElement,
    Date,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from callscope.adapters.tables.core import calls, sites
from callscope.adapters.tables.rollups import (
    call_rollups,
    caller_rollups,
    uncounted_calls,
    uncounted_visits,
    visit_rollups,
)
from callscope.domain.reporting import (
    CHANNEL_GROUPINGS,
    DIMENSIONS,
    NEVER,
    CallPlace,
    CallTally,
    DayKey,
    LinkKey,
    SiteLink,
    SiteTally,
)

FIELDS = fields(CallTally)
_ADD_UNCOUNTED = insert(uncounted_visits)
_TAKE_UNCOUNTED = (
    delete(uncounted_visits)
    .where(
        uncounted_visits.c.id.in_(
            select(uncounted_visits.c.id)
            .order_by(uncounted_visits.c.id)
            .limit(bindparam("b_limit"))
            .with_for_update(skip_locked=True)
        )
    )
    .returning(
        uncounted_visits.c.site_id,
        uncounted_visits.c.day,
        *(uncounted_visits.c[d] for d in CHANNEL_GROUPINGS),
    )
)


_ADD_UNCOUNTED_CALLS = insert(uncounted_calls)
_TAKE_UNCOUNTED_CALLS = (
    delete(uncounted_calls)
    .where(
        uncounted_calls.c.id.in_(
            select(uncounted_calls.c.id)
            .order_by(uncounted_calls.c.id)
            .limit(bindparam("b_limit"))
            .with_for_update(skip_locked=True)
        )
    )
    .returning(*(c for c in uncounted_calls.c if c.name != "id"))
)


class RollupRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def call_tallies(
        self, site_id: int, dimension: str, first: date, last: date
    ) -> dict[str, CallTally]:
        """Summed call figures per value over the local days [first, last]: the rollups plus
        the deltas not counted into them yet, in one statement (one snapshot: a fold running
        meanwhile can neither count a call twice nor hide it)."""
        t, u = call_rollups, uncounted_calls
        names = [f.name for f in FIELDS]
        counted = select(t.c.value, *(t.c[n] for n in names)).where(
            *_range(t, site_id, dimension, first, last)
        )
        uncounted = select(u.c.value, *(u.c[n] for n in names)).where(
            *_range(u, site_id, dimension, first, last), u.c.previous_day.is_(None)
        )
        both = union_all(counted, uncounted).subquery()
        query = (
            select(both.c.value, *(func.sum(both.c[n]).label(n) for n in names))
            .group_by(both.c.value)
            .having(func.sum(both.c.calls) > 0)
        )
        return {r.value: _tally(r) for r in self._conn.execute(query)}

    def unique_callers(
        self, site_id: int, dimension: str, first: date, last: date
    ) -> dict[str, int]:
        """Callers per value over [first, last]: the calls whose previous day is before it
        (counted, and not counted yet, in one statement)."""
        t, u = caller_rollups, uncounted_calls
        counted = select(t.c.value, t.c.callers).where(
            *_range(t, site_id, dimension, first, last), t.c.previous_day < first
        )
        uncounted = select(u.c.value, u.c.callers).where(
            *_range(u, site_id, dimension, first, last), u.c.previous_day < first
        )
        both = union_all(counted, uncounted).subquery()
        query = select(both.c.value, func.sum(both.c.callers).label("callers")).group_by(
            both.c.value
        )
        return {r.value: int(r.callers) for r in self._conn.execute(query)}

    def visit_counts(self, site_id: int, dimension: str, first: date, last: date) -> dict[str, int]:
        """Visits per value of a channel dimension over [first, last]: the rollups plus the
        visits not counted into them yet, in one statement (one snapshot, so a count running
        meanwhile can neither show a visit twice nor hide it)."""
        t, u = visit_rollups, uncounted_visits
        counted = select(t.c.value, t.c.visits).where(*_range(t, site_id, dimension, first, last))
        uncounted = (
            select(u.c[dimension].label("value"), func.count().label("visits"))
            .where(u.c.site_id == site_id, u.c.day >= first, u.c.day <= last)
            .group_by(u.c[dimension])
        )
        both = union_all(counted, uncounted).subquery()
        query = (
            select(both.c.value, func.sum(both.c.visits).label("visits"))
            .group_by(both.c.value)
            .having(func.sum(both.c.visits) > 0)
        )
        return {r.value: int(r.visits) for r in self._conn.execute(query)}

    def add_uncounted_visit(self, site_id: int, day: date, values: dict[str, str]) -> None:
        """A stored visit, to be counted into the rollups by `take_uncounted_visits`."""
        row = {"site_id": site_id, "day": day, **{d: values[d] for d in CHANNEL_GROUPINGS}}
        self._conn.execute(_ADD_UNCOUNTED, row)

    def take_uncounted_visits(self, limit: int) -> list[tuple[int, date, dict[str, str]]]:
        """Remove up to `limit` uncounted visits and return (site, local day, channel values)
        of each; rows another transaction is taking are skipped (PostgreSQL), so counters in
        several processes never count one visit twice."""
        return [
            (int(r.site_id), r.day, {d: r[d] for d in CHANNEL_GROUPINGS})
            for r in self._conn.execute(_TAKE_UNCOUNTED, {"b_limit": limit}).mappings()
        ]

    def add_uncounted_calls(
        self, site_id: int, tallies: dict[DayKey, CallTally], links: dict[LinkKey, int]
    ) -> None:
        """A call's deltas to the call and caller rollups, to be counted into them by
        `take_uncounted_calls`."""
        rows = [
            {**_day_row(site_id, key), "previous_day": None, **_counters(tally), "callers": 0}
            for key, tally in sorted(tallies.items())
            if tally != CallTally()
        ]
        rows += [
            {**_day_row(site_id, key[:3]), "previous_day": key[3], **_NO_CALLS, "callers": n}
            for key, n in sorted(links.items())
            if n
        ]
        if rows:  # one statement compiled once; the rows go as its parameters
            self._conn.execute(_ADD_UNCOUNTED_CALLS, rows)

    def take_uncounted_calls(self, limit: int) -> tuple[list[SiteTally], list[SiteLink]]:
        """Remove up to `limit` uncounted call deltas; returns the call tallies and the caller
        link counts among them, each with its site. Rows another transaction is taking are
        skipped (PostgreSQL): folders in several processes never count a delta twice."""
        tallies: list[SiteTally] = []
        links: list[SiteLink] = []
        for r in self._conn.execute(_TAKE_UNCOUNTED_CALLS, {"b_limit": limit}):
            key: DayKey = (r.dimension, r.day, r.value)
            if r.previous_day is None:
                tallies.append((int(r.site_id), key, _tally(r)))
            else:
                links.append((int(r.site_id), (*key, r.previous_day), int(r.callers)))
        return tallies, links

    def add_calls(self, site_id: int, deltas: dict[DayKey, CallTally]) -> None:
        rows = [
            {**_day_row(site_id, key), **{f.name: getattr(tally, f.name) for f in FIELDS}}
            for key, tally in sorted(deltas.items())
            if tally != CallTally()
        ]
        _add(self._conn, call_rollups, rows, [f.name for f in FIELDS])

    def add_callers(self, site_id: int, deltas: dict[LinkKey, int]) -> None:
        rows = [
            {**_day_row(site_id, key[:3]), "previous_day": key[3], "callers": count}
            for key, count in sorted(deltas.items())
            if count
        ]
        _add(self._conn, caller_rollups, rows, ["callers"])

    def add_visits(self, site_id: int, deltas: dict[DayKey, int]) -> None:
        rows = [{**_day_row(site_id, key), "visits": n} for key, n in sorted(deltas.items()) if n]
        _add(self._conn, visit_rollups, rows, ["visits"])

    def lock_caller(self, site_id: int, caller: str) -> None:
        """Serialise work on one caller's history (PostgreSQL; SQLite has one writer anyway):
        two calls of a caller stored at once must each see the other to link correctly."""
        if self._conn.dialect.name == "postgresql":
            key = f"callscope-caller:{site_id}:{caller}"
            self._conn.execute(
                text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": key}
            )

    def caller_history(self, site_id: int, caller: str, except_call_id: str) -> list[CallPlace]:
        """The caller's other calls on the site, in the order the rollups link them."""
        query = (
            select(calls.c.call_id, calls.c.started_at, *(calls.c[d] for d in CHANNEL_GROUPINGS))
            .where(
                calls.c.site_id == site_id,
                calls.c.caller == caller,
                calls.c.call_id != except_call_id,
                calls.c.spam_reason.is_(None),  # spam is in no report
            )
            .order_by(calls.c.started_at, calls.c.call_id)
        )
        return [_place(r) for r in self._conn.execute(query).mappings()]

    def site_zones(self, site_id: int | None = None) -> list[tuple[int, str]]:
        query = select(sites.c.id, sites.c.timezone).order_by(sites.c.id)
        if site_id is not None:
            query = query.where(sites.c.id == site_id)
        return [(r.id, r.timezone) for r in self._conn.execute(query)]

    def lock_raw_tables(self) -> None:
        """Hold writes to calls and visits while a rebuild reads them (PostgreSQL; an SQLite
        write transaction already excludes other writers)."""
        if self._conn.dialect.name == "postgresql":
            self._conn.exec_driver_sql(
                "LOCK TABLE calls, visits, uncounted_visits, uncounted_calls IN SHARE MODE"
            )
            # Sorting every caller's history is the rebuild's heaviest step.
            self._conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")

    def forget_uncounted_calls(self, site_id: int) -> None:
        """Drop the site's call deltas not folded yet: a rebuild counts every stored call.
        (Apart from `rebuild` because migrations older than the table rebuild too.)"""
        self._conn.execute(uncounted_calls.delete().where(uncounted_calls.c.site_id == site_id))

    def rebuild(self, site_id: int, zone: str) -> None:
        """Recompute the site's rollups from its stored calls and visits."""
        for table in (call_rollups, caller_rollups, visit_rollups, uncounted_visits):
            self._conn.execute(table.delete().where(table.c.site_id == site_id))
        day = _local_day_sql(self._conn)
        params = {"site": site_id, "zone": _zone(zone).key}
        for statement in (CALLS_SQL, CALLERS_SQL, VISITS_SQL):
            sql = text(statement.format(day=day, **_SNIPPETS))
            if ":never" in statement:
                sql = sql.bindparams(bindparam("never", NEVER, type_=Date))
            self._conn.execute(sql, params)


def older_than(conn: Connection, table: Table, cutoff: datetime) -> ColumnElement[bool]:
    """Rollup rows of local days that ended before `cutoff`, each site on its own clock."""
    zones = [r.timezone for r in conn.execute(select(sites.c.timezone).distinct())]
    return or_(
        False,
        *(
            and_(
                table.c.site_id.in_(select(sites.c.id).where(sites.c.timezone == name)),
                table.c.day < cutoff.astimezone(_zone(name)).date(),
            )
            for name in zones
        ),
    )


def _range(table: Table, site_id: int, dimension: str, first: date, last: date) -> list[Any]:
    c = table.c
    return [c.site_id == site_id, c.dimension == dimension, c.day >= first, c.day <= last]


def _day_row(site_id: int, key: DayKey) -> dict[str, Any]:
    dimension, day, value = key
    return {"site_id": site_id, "dimension": dimension, "day": day, "value": value}


def _add(conn: Connection, table: Table, rows: list[dict[str, Any]], counters: list[str]) -> None:
    """Add the rows' counters to the stored rows (inserting missing ones). Rows go in key
    order, so concurrent writers lock shared rows in the same order and never deadlock."""
    if not rows:
        return
    conn.execute(_upsert(conn.dialect.name, table, tuple(counters)), rows)


@cache
def _upsert(dialect_name: str, table: Table, counters: tuple[str, ...]) -> Any:
    """One statement per table, compiled once; the rows are its parameters (executemany)."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    stmt = dialect.insert(table)
    keys = [c.name for c in table.primary_key.columns]
    adds = {name: table.c[name] + stmt.excluded[name] for name in counters}
    return stmt.on_conflict_do_update(index_elements=keys, set_=adds)


def _counters(tally: CallTally) -> dict[str, Any]:
    return {f.name: getattr(tally, f.name) for f in FIELDS}


_NO_CALLS = _counters(CallTally())


def _tally(r: Any) -> CallTally:
    counts = {f.name: int(getattr(r, f.name) or 0) for f in FIELDS if f.type == "int"}
    return CallTally(**counts, confidence_sum=float(r.confidence_sum or 0.0))


def _place(r: Any) -> CallPlace:
    channel_fields = {d: r[d] or "" for d in CHANNEL_GROUPINGS}
    return CallPlace(r["call_id"], r["started_at"], {"site": "", **channel_fields})


@cache
def _zone(name: str) -> ZoneInfo:
    """As `services.reports.site_zone`: an unknown name reads as UTC."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _sqlite_local_day(started_at: str, zone: str) -> str:
    moment = datetime.fromisoformat(started_at).replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(_zone(zone)).date().isoformat()


def _local_day_sql(conn: Connection) -> str:
    """SQL for the local day of calls.started_at (naive UTC) in :zone."""
    if conn.dialect.name == "postgresql":
        return "CAST(timezone(:zone, timezone('UTC', started_at)) AS DATE)"
    # SQLite has no time zones: lend it Python's, on this connection.
    raw = conn.connection.driver_connection
    raw.create_function("callscope_local_day", 2, _sqlite_local_day, deterministic=True)  # type: ignore[union-attr]
    return "callscope_local_day(started_at, :zone)"


def _value_sql(alias: str) -> str:
    whens = " ".join(f"WHEN '{d}' THEN COALESCE({alias}.{d}, '')" for d in CHANNEL_GROUPINGS)
    return f"CASE d.dimension {whens} ELSE '' END"


def _dims_sql(names: Iterable[str]) -> str:
    return " UNION ALL ".join(f"SELECT '{name}' AS dimension" for name in names)


_SNIPPETS = {
    "c_value": _value_sql("c"),
    "v_value": _value_sql("v"),
    "dims": _dims_sql(DIMENSIONS),
    "channel_dims": _dims_sql(CHANNEL_GROUPINGS),
}
_ANSWERED = "status IN ('answered', 'completed')"

# Spam is in no rollup. By status, not spam_reason: migration 0002 rebuilds with this SQL
# before the column exists.
CALLS_SQL = f"""
INSERT INTO call_rollups (site_id, dimension, day, value, calls, answered, missed, first_time,
    duration_sum, qualified, confidence_sum)
SELECT :site, d.dimension, c.day, {{c_value}}, COUNT(*), SUM(c.answered), SUM(c.missed),
    SUM(c.first_time), SUM(c.duration), SUM(c.qualified), SUM(c.confidence)
FROM (
    SELECT {{day}} AS day, source, medium, campaign, term, confidence,
        CASE WHEN {_ANSWERED} THEN 1 ELSE 0 END AS answered,
        CASE WHEN status = 'missed' THEN 1 ELSE 0 END AS missed,
        CASE WHEN first_time THEN 1 ELSE 0 END AS first_time,
        CASE WHEN {_ANSWERED} THEN COALESCE(duration, 0) ELSE 0 END AS duration,
        CASE WHEN {_ANSWERED} AND COALESCE(duration, 0) >= 60 THEN 1 ELSE 0 END AS qualified
    FROM calls WHERE site_id = :site AND status <> 'spam'
) c CROSS JOIN ({{dims}}) d
GROUP BY 2, 3, 4
"""

# LAG gives each call the local day of the caller's previous call with the same value.
CALLERS_SQL = """
INSERT INTO caller_rollups (site_id, dimension, day, value, previous_day, callers)
SELECT :site, dimension, day, value, COALESCE(previous_day, :never), COUNT(*)
FROM (
    SELECT d.dimension, c.day, {c_value} AS value,
        LAG(c.day) OVER (PARTITION BY d.dimension, {c_value}, c.caller
                         ORDER BY c.started_at, c.call_id) AS previous_day
    FROM (
        SELECT {day} AS day, caller, started_at, call_id, source, medium, campaign, term
        FROM calls WHERE site_id = :site AND caller IS NOT NULL AND status <> 'spam'
    ) c CROSS JOIN ({dims}) d
) linked
WHERE previous_day IS NULL OR previous_day < day
GROUP BY 2, 3, 4, 5
"""

VISITS_SQL = """
INSERT INTO visit_rollups (site_id, dimension, day, value, visits)
SELECT :site, d.dimension, v.day, {v_value}, COUNT(*)
FROM (
    SELECT {day} AS day, source, medium, campaign, term FROM visits WHERE site_id = :site
) v CROSS JOIN ({channel_dims}) d
GROUP BY 2, 3, 4
"""
