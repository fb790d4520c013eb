"""The channel report from daily rollups equals the report from the raw calls and visits, on
hand-counted calls and on generated traffic (repeat and withheld callers, several time zones,
events and calls arriving out of order), and a rebuild gives the rollups kept incrementally."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from callscope.adapters.recording_store import RecordingFiles
from callscope.adapters.storage import Storage
from callscope.adapters.tables.rollups import (
    call_rollups,
    caller_rollups,
    uncounted_calls,
    visit_rollups,
)
from callscope.domain.calls import CallEvent, EventKind
from callscope.domain.channel import Channel
from callscope.domain.reporting import CHANNEL_GROUPINGS, NEVER
from callscope.domain.sites import NumberKind
from callscope.domain.visits import Visit
from callscope.services import rollups
from callscope.services.accounts import create_account
from callscope.services.calls import record_call_event
from callscope.services.privacy import purge
from callscope.services.reports import Report, ReportQuery, build_report
from callscope.services.sites import NumberDraft, SiteDraft, add_number, create_site

T0 = datetime(2026, 3, 1, tzinfo=UTC)
GOOGLE = Channel("google", "cpc", "spring", "boiler repair")
CHANNELS = (GOOGLE, Channel("bing", "cpc"), Channel("radio", "offline", "morning"))
ZONES = ("UTC", "America/New_York", "Asia/Kolkata")
CALLERS = ("+12125550001", "+12125550002", "+12125550003", "+12125550004", None)


@dataclass(frozen=True)
class Fixture:
    account_id: int
    sites: dict[int, ZoneInfo]


def make_site(storage: Storage, account_id: int, zone: str, index: int) -> int:
    site = create_site(
        storage, account_id, SiteDraft(f"s{index}", "+15550100199", timezone=zone), T0
    )
    for n, channel in enumerate(CHANNELS):
        number = NumberDraft(f"+1555010{index}{n:03d}", NumberKind.STATIC, channel)
        add_number(storage, account_id, site.id, number, T0)
    # A pool number with no lease: its calls are unattributed (or follow the caller's past).
    add_number(
        storage, account_id, site.id, NumberDraft(f"+1555010{index}900", NumberKind.POOL), T0
    )
    return site.id


def event(
    call_id: str, kind: EventKind, at: datetime, dialed: str, caller: str | None, **extra: Any
) -> CallEvent:
    return CallEvent(call_id, kind, at, dialed, caller, **extra)


def record(storage: Storage, e: CallEvent) -> None:
    record_call_event(storage, e, 900, e.at)


def report(
    storage: Storage,
    account_id: int,
    site_id: int,
    zone: ZoneInfo,
    first: date,
    last: date,
    by: str,
    raw: bool,
) -> Report:
    start = datetime.combine(first, time(), zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), zone).astimezone(UTC)
    return build_report(storage, account_id, ReportQuery(site_id, start, end, by, raw=raw))


def test_a_caller_counts_once_per_range_even_when_an_earlier_call_is_stored_late(
    storage: Storage,
) -> None:
    account, _ = create_account(storage, "a", T0)
    site = make_site(storage, account.id, "UTC", 1)
    dialed, a, b = "+15550101000", "+12125550001", "+12125550002"
    day = timedelta(days=1)
    for call_id, caller, at in (
        ("C1", a, T0),
        ("C2", a, T0 + 2 * day),
        ("C3", b, T0 + 2 * day),
        ("C4", a, T0 + day),
    ):  # C4 rang before C2 but arrives last
        record(storage, event(call_id, EventKind.STARTED, at + timedelta(hours=10), dialed, caller))
    mar = [date(2026, 3, d) for d in (1, 2, 3)]
    assert_unique_callers(storage, account.id, site, mar)  # the calls' deltas not folded yet
    assert rollups.count_calls(storage) > 0
    with storage.engine.connect() as conn:
        links = conn.execute(
            select(caller_rollups.c.day, caller_rollups.c.previous_day, caller_rollups.c.callers)
            .where(caller_rollups.c.dimension == "source", caller_rollups.c.callers != 0)
            .order_by(caller_rollups.c.day, caller_rollups.c.previous_day)
        ).all()
    # C2 links to 03-02, not 03-01, since C4 arrived (its first link and the move net to 0); C3 is
    # B's first call.
    assert [tuple(r) for r in links] == [
        (mar[0], NEVER, 1),
        (mar[1], mar[0], 1),
        (mar[2], NEVER, 1),
        (mar[2], mar[1], 1),
    ]
    assert_unique_callers(storage, account.id, site, mar)


def assert_unique_callers(storage: Storage, account: int, site: int, mar: list[date]) -> None:
    zone = ZoneInfo("UTC")
    for first, expected in ((mar[2], 2), (mar[1], 2), (mar[0], 2)):
        rows = report(storage, account, site, zone, first, mar[2], "source", False).rows
        assert (rows[0].group, rows[0].unique_callers) == ("google", expected)
    only_first_two = report(storage, account, site, zone, mar[0], mar[1], "source", False)
    assert (only_first_two.rows[0].calls, only_first_two.rows[0].unique_callers) == (2, 1)


def test_a_status_change_moves_the_call_from_ringing_to_answered_and_qualified(
    storage: Storage,
) -> None:
    account, _ = create_account(storage, "a", T0)
    site = make_site(storage, account.id, "America/New_York", 1)
    at, dialed, caller = T0 + timedelta(hours=15), "+15550101000", "+12125550001"
    zone = ZoneInfo("America/New_York")
    record(storage, event("C1", EventKind.STARTED, at, dialed, caller))
    ringing = report(
        storage, account.id, site, zone, date(2026, 3, 1), date(2026, 3, 1), "term", False
    )
    assert (ringing.rows[0].calls, ringing.rows[0].answered, ringing.totals.qualified_calls) == (
        1,
        0,
        0,
    )
    record(storage, event("C1", EventKind.ANSWERED, at + timedelta(seconds=5), dialed, caller))
    record(
        storage,
        event("C1", EventKind.COMPLETED, at + timedelta(seconds=95), dialed, caller, duration=90),
    )
    done = report(
        storage, account.id, site, zone, date(2026, 3, 1), date(2026, 3, 1), "term", False
    )
    row = done.rows[0]
    assert (row.group, row.calls, row.answered, row.missed) == ("boiler repair", 1, 1, 0)
    assert (row.avg_duration, row.qualified_calls, row.unique_callers) == (90.0, 1, 1)


def generate(storage: Storage, rng: random.Random) -> Fixture:
    account, _ = create_account(storage, "gen", T0)
    sites = {}
    events: list[CallEvent] = []
    for index, name in enumerate(ZONES, start=1):
        site = make_site(storage, account.id, name, index)
        sites[site] = ZoneInfo(name)
        store_visits(storage, site, rng)
        dialed = [f"+1555010{index}{n:03d}" for n in range(len(CHANNELS))] + [f"+1555010{index}900"]
        for n in range(45):
            events += call_events(f"s{index}-c{n}", rng.choice(dialed), rng.choice(CALLERS), rng)
    rng.shuffle(events)  # calls and their events arrive in any order, some twice
    for e in events + rng.sample(events, 20):
        record(storage, e)
    return Fixture(account.id, sites)


def call_events(
    call_id: str, dialed: str, caller: str | None, rng: random.Random
) -> list[CallEvent]:
    # Near local midnights too: a late "started" can move the call to the previous day.
    at = T0 + timedelta(
        days=rng.randrange(8),
        hours=rng.choice((0, 4, 5, 13, 18, 23)),
        minutes=rng.choice((0, 1, 29, 59)),
    )
    first = event(call_id, EventKind.STARTED, at, dialed, caller)
    outcome = rng.choice(("talk", "talk", "missed", "busy", "ringing"))
    if outcome == "ringing":
        return [first]
    if outcome != "talk":
        code = "487" if outcome == "missed" else "486"
        return [
            first,
            event(
                call_id,
                EventKind.FAILED,
                at + timedelta(seconds=20),
                dialed,
                caller,
                failure_code=code,
            ),
        ]
    talk = rng.choice((10, 59, 60, 200))
    answered = at + timedelta(minutes=rng.choice((0, 2)))
    return [
        first,
        event(call_id, EventKind.ANSWERED, answered, dialed, caller),
        event(
            call_id,
            EventKind.COMPLETED,
            answered + timedelta(seconds=talk),
            dialed,
            caller,
            duration=talk,
        ),
    ]


def store_visits(storage: Storage, site_id: int, rng: random.Random, first: int = 0) -> None:
    with storage.write() as uow:
        for n in range(first, first + 30):
            at = T0 + timedelta(days=rng.randrange(8), hours=rng.randrange(24))
            visit = Visit(f"v{site_id}-{n}", site_id, at, "https://a/", None, rng.choice(CHANNELS))
            uow.visits.add(visit)
            rollups.add_visit(uow, visit)  # what services.visits does when it stores one
        uow.commit()


def test_the_rollup_report_equals_the_raw_report_for_random_ranges_and_every_grouping(
    storage: Storage,
) -> None:
    rng = random.Random(7)
    fixture = generate(storage, rng)
    same_reports(storage, fixture, rng)  # every visit and call still waits to be counted
    assert rollups.count_visits(storage, batch=7) == 90
    assert rollups.count_calls(storage, batch=7) > 135  # at least a call tally per call
    same_reports(storage, fixture, rng)  # every visit and call counted
    store_visits(storage, min(fixture.sites), rng, first=30)
    more_calls(storage, 1, rng)
    same_reports(storage, fixture, rng)  # some counted, some not
    site, zone = max(fixture.sites), fixture.sites[max(fixture.sites)]
    whole = report(
        storage,
        fixture.account_id,
        site,
        zone,
        date(2026, 2, 28),
        date(2026, 3, 10),
        "source",
        False,
    )
    assert whole.totals.calls == 45 and whole.totals.unique_callers == 4


def more_calls(storage: Storage, index: int, rng: random.Random) -> None:
    """Ten more calls to site `index` (as numbered by `generate`), stored after a count."""
    for n in range(100, 110):
        for e in call_events(f"s{index}-c{n}", f"+1555010{index}000", rng.choice(CALLERS), rng):
            record(storage, e)


def test_reports_stay_exact_while_several_folders_count_the_calls(storage: Storage) -> None:
    fixture = generate(storage, random.Random(13))
    with storage.engine.connect() as conn:
        waiting = conn.execute(select(func.count()).select_from(uncounted_calls)).scalar_one()
    ranges = [(date(2026, 3, d), date(2026, 3, d + s)) for d in (1, 3, 5) for s in (0, 2)]
    site, zone = min(fixture.sites), fixture.sites[min(fixture.sites)]
    raw = {r: report(storage, fixture.account_id, site, zone, *r, "source", True) for r in ranges}
    with ThreadPoolExecutor(3) as pool:
        folders = [pool.submit(rollups.count_calls, storage, 3) for _ in range(3)]
        checked = 0
        while checked < 3 or not all(f.done() for f in folders):
            for r in ranges:  # each report reads the rollups as some folder left them
                rolled = report(storage, fixture.account_id, site, zone, *r, "source", False)
                assert (rolled.rows, rolled.totals) == (raw[r].rows, raw[r].totals), r
            checked += 1
        counted = sum(f.result() for f in folders)
    assert counted == waiting  # each delta folded by exactly one folder
    assert rollups.count_calls(storage) == 0
    rollups.count_visits(storage)
    kept = snapshot(storage)
    rollups.rebuild(storage)
    assert snapshot(storage) == kept  # folding gave what a recount from the calls gives


def same_reports(storage: Storage, fixture: Fixture, rng: random.Random) -> None:
    for site, zone in fixture.sites.items():
        for _ in range(8):
            first = date(2026, 2, 28) + timedelta(days=rng.randrange(9))
            last = first + timedelta(days=rng.randrange(5))
            for by in CHANNEL_GROUPINGS:
                rolled = report(storage, fixture.account_id, site, zone, first, last, by, False)
                raw = report(storage, fixture.account_id, site, zone, first, last, by, True)
                assert (rolled.rows, rolled.totals) == (raw.rows, raw.totals), (
                    site,
                    first,
                    last,
                    by,
                )


def snapshot(storage: Storage) -> dict[str, set[tuple[Any, ...]]]:
    """Every non-empty rollup row (a call that moved leaves zeros behind), floats rounded."""
    out = {}
    with storage.engine.connect() as conn:
        for table, count in (
            (call_rollups, "calls"),
            (caller_rollups, "callers"),
            (visit_rollups, "visits"),
        ):
            found = conn.execute(select(table).where(table.c[count] != 0)).all()
            out[table.name] = {
                tuple(round(v, 9) if isinstance(v, float) else v for v in r) for r in found
            }
    return out


def test_a_rebuild_from_the_raw_tables_gives_the_incremental_rollups(storage: Storage) -> None:
    generate(storage, random.Random(11))
    rollups.count_visits(storage)
    rollups.count_calls(storage)
    kept = snapshot(storage)
    assert rollups.rebuild(storage) == len(ZONES)
    assert snapshot(storage) == kept
    assert len(kept["caller_rollups"]) > 20 and len(kept["visit_rollups"]) > 20


def test_retention_deletes_the_rollups_of_days_that_ended_before_the_cutoff(
    storage: Storage, tmp_path: Path
) -> None:
    generate(storage, random.Random(3))
    purge(storage, datetime(2026, 3, 4, 12, tzinfo=UTC), RecordingFiles(tmp_path))
    with storage.engine.connect() as conn:
        days = {
            r.day
            for t in (call_rollups, caller_rollups, visit_rollups, uncounted_calls)
            for r in conn.execute(select(t.c.day))
        }
    assert min(days) == date(2026, 3, 4)


def test_counters_running_at_once_count_every_visit_once(storage: Storage) -> None:
    fixture = generate(storage, random.Random(5))
    with ThreadPoolExecutor(4) as pool:
        counted = sum(pool.map(lambda _: rollups.count_visits(storage, batch=4), range(4)))
    assert counted == 90
    assert rollups.count_visits(storage) == 0
    with storage.engine.connect() as conn:
        per_site = dict(
            conn.execute(
                select(visit_rollups.c.site_id, func.sum(visit_rollups.c.visits))
                .where(visit_rollups.c.dimension == "source")
                .group_by(visit_rollups.c.site_id)
            ).all()
        )
    assert per_site == dict.fromkeys(fixture.sites, 30)
