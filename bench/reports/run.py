"""Time the channel report (the real service) over 1M and then 10M calls on PostgreSQL: from
the raw calls and visits (the old path) and from the daily rollups, side by side.

    python -m bench.reports.run [--database postgresql+psycopg://postgres@127.0.0.1/callscope_bench]

Calls and visits are bulk-inserted with generate_series over one site and a year: 12 sources,
60 campaigns, 800 terms, a caller base of 3.3M. A caller calls back on the same channel (the
case that fills `caller_rollups`), always 12 days later (fixed, not random, gaps). After each
load the rollups are rebuilt from the raw tables. Rollup reports are the median of three runs,
raw reports one run; both must give the same rows. The database's public schema is dropped first.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from bench.postgres import DEFAULT_URL, fresh_database
from callscope.adapters.storage import Storage
from callscope.services import rollups
from callscope.services.accounts import create_account
from callscope.services.reports import ReportQuery, build_report
from callscope.services.sites import SiteDraft, create_site

YEAR_START = datetime(2025, 1, 1, tzinfo=UTC)
SIZES = (1_000_000, 10_000_000)

FILL_CALLS = """
INSERT INTO calls (call_id, site_id, number_id, dialed_number, caller, started_at,
    answered_at, ended_at, duration, status, visit_id, source, medium, campaign, term,
    method, confidence, first_time)
SELECT 'bench-' || g, :site, 1, '+15550100201', '+1212' || lpad(k::text, 7, '0'),
    :start + t * interval '1 second',
    CASE WHEN g % 5 <> 0 THEN :start + t * interval '1 second' END,
    :start + (t + 120) * interval '1 second',
    CASE WHEN g % 5 <> 0 THEN 20 + g % 400 ELSE 0 END,
    CASE WHEN g % 5 <> 0 THEN 'completed' ELSE 'missed' END,
    NULL, (ARRAY['google','bing','facebook','yandex','(direct)','newsletter','radio',
                 'billboard','duckduckgo','linkedin','nextdoor.com','tiktok'])[1 + k % 12],
    (ARRAY['cpc','organic','social','referral'])[1 + (k / 12) % 4],
    'campaign-' || (k % 60), 'term ' || (k % 800), 'pool', 0.5 + (g % 50) / 100.0,
    g < :callers
FROM generate_series(:low, :high - 1) AS g,
    LATERAL (SELECT g % :callers AS k, (g::bigint * 7919) % 31536000 AS t) AS picked
"""

FILL_VISITS = """
INSERT INTO visits (id, site_id, started_at, landing_url, source, medium, campaign, term,
    click_ids, mode)
SELECT md5(g::text), :site, :start + (g % 31536000) * interval '1 second', 'https://a/',
    (ARRAY['google','bing','facebook','yandex','(direct)','newsletter','radio',
           'billboard','duckduckgo','linkedin','nextdoor.com','tiktok'])[1 + g % 12],
    (ARRAY['cpc','organic','social','referral'])[1 + (g / 12) % 4],
    'campaign-' || (g % 60), 'term ' || (g % 800), '{}', 'pool'
FROM generate_series(:low, :high - 1) AS g
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=DEFAULT_URL)
    args = parser.parse_args()
    fresh_database(args.database)
    storage = Storage.connect(args.database)
    account, _ = create_account(storage, "bench", YEAR_START)
    site = create_site(storage, account.id, SiteDraft("bench", "+15550100199"), YEAR_START)
    filled, rows = 0, []
    for size in SIZES:
        started = time.perf_counter()
        fill(storage, site.id, filled, size)
        load = time.perf_counter() - started
        started = time.perf_counter()
        rollups.rebuild(storage, site.id)
        rebuilt = time.perf_counter() - started
        analyze(storage, "call_rollups", "caller_rollups", "visit_rollups")
        filled = size
        for by in ("source", "campaign", "term"):
            rows.append(Timing(size, by, load, rebuilt, *timed(storage, account.id, site.id, by)))
            print(rows[-1], flush=True)
    print_table(rows)


@dataclass(frozen=True)
class Timing:
    size: int
    by: str
    load: float
    rebuild: float
    groups: int
    raw: float
    rolled: float


def fill(storage: Storage, site_id: int, low: int, high: int) -> None:
    params = {
        "site": site_id,
        "start": YEAR_START.replace(tzinfo=None),
        "low": low,
        "high": high,
        "callers": SIZES[-1] // 3,
    }
    with storage.engine.begin() as conn:
        conn.execute(text(FILL_CALLS), params)
        conn.execute(text(FILL_VISITS), params)
    analyze(storage, "calls", "visits")


def analyze(storage: Storage, *tables: str) -> None:
    with storage.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in tables:
            conn.exec_driver_sql(f"VACUUM ANALYZE {table}")


def timed(storage: Storage, account_id: int, site_id: int, by: str) -> tuple[int, float, float]:
    """(groups, raw seconds, median rollup seconds); the two reports must agree."""
    query = ReportQuery(site_id, YEAR_START, YEAR_START + timedelta(days=365), by)
    started = time.perf_counter()
    raw = build_report(storage, account_id, replace(query, raw=True))
    raw_seconds = time.perf_counter() - started
    seconds = []
    for _ in range(3):
        started = time.perf_counter()
        rolled = build_report(storage, account_id, query)
        seconds.append(time.perf_counter() - started)
    assert (rolled.rows, rolled.totals) == (raw.rows, raw.totals), "rollups differ from raw"
    return len(rolled.rows), raw_seconds, statistics.median(seconds)


def print_table(rows: list[Timing]) -> None:
    print("| calls | by | groups | raw report | rollup report | speed-up | load | rebuild |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(
            f"| {r.size:,} | {r.by} | {r.groups} | {r.raw * 1000:,.0f} ms "
            f"| {r.rolled * 1000:,.0f} ms | {r.raw / r.rolled:,.0f}x | {r.load:,.0f} s "
            f"| {r.rebuild:,.0f} s |"
        )
    base = {r.by: r for r in rows if r.size == SIZES[0]}
    for r in rows:
        if r.size == SIZES[-1]:
            first = base[r.by]
            print(
                f"growth 1M -> 10M, by {r.by}: raw {r.raw / first.raw:.1f}x, "
                f"rollups {r.rolled / first.rolled:.1f}x"
            )


if __name__ == "__main__":
    main()
