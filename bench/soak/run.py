"""Soak: steady mixed traffic (visits with heartbeats, routes, call events, reports) against two
server processes on PostgreSQL for many minutes; prints, per minute, p99 latency, RSS of each
process, live leases against those expected, and open database connections.

    python -m bench.soak.run [--minutes 10] [--visits-per-second 5] [--postgres URL]

Not a test: it takes as long as it is told. Targets: RSS growth under 10% after minute 2, no
lease outliving its grace (held past the expiry its last answer gave), p99 flat.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from bench.limits.run import free_port, wait_healthy
from bench.postgres import DEFAULT_URL, fresh_database
from callscope.adapters.database import make_engine
from callscope.adapters.storage import Storage
from callscope.domain.sites import NumberKind
from callscope.services.accounts import create_account
from callscope.services.sites import SiteDraft, create_site

POOL = 1500
LEASE_SECONDS = 60  # short, so leases turn over many times in a run
HEARTBEAT_SECONDS = 15
MEAN_VISIT_SECONDS = 90
CALL_SHARE = 0.1
SECRET = "soak-secret"
SLACK = timedelta(seconds=1)  # clocks of the driver and the database


@dataclass
class Figures:
    """What one minute saw."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: int = 0
    samples: list[tuple[list[int], int, int, int, int]] = field(default_factory=list)


@dataclass
class Soak:
    urls: list[str]
    site_key: str
    site_id: int
    admin: dict[str, str]
    started: float
    minutes: dict[int, Figures] = field(default_factory=lambda: defaultdict(Figures))
    expiry: dict[str, datetime] = field(default_factory=dict)  # visit -> lease end last answered

    def now_minute(self) -> Figures:
        return self.minutes[int((time.monotonic() - self.started) // 60)]


async def timed(soak: Soak, kind: str, request: object) -> httpx.Response | None:
    began = time.monotonic()
    try:
        answer: httpx.Response = await request  # type: ignore[misc]
    except httpx.HTTPError:
        soak.now_minute().errors += 1
        return None
    soak.now_minute().latencies[kind].append((time.monotonic() - began) * 1000)
    if answer.status_code >= 400:
        soak.now_minute().errors += 1
    return answer


async def visitor(soak: Soak, client: httpx.AsyncClient, n: int) -> None:
    url = soak.urls[n % len(soak.urls)]
    address = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
    body = {
        "site_key": soak.site_key,
        "landing_url": "https://a.example/?utm_source=google&utm_medium=cpc",
    }
    answer = await timed(
        soak,
        "visit",
        client.post(f"{url}/v1/visits", json=body, headers={"X-Forwarded-For": address}),
    )
    if answer is None or answer.status_code != 200:
        return
    shown = answer.json()
    visit_id, number = shown["visit_id"], shown["number"]
    remember(soak, visit_id, shown)
    stays = random.expovariate(1 / MEAN_VISIT_SECONDS)
    calls_at = random.uniform(0, stays) if random.random() < CALL_SHARE else None
    left = time.monotonic() + stays
    while (wait := min(HEARTBEAT_SECONDS, left - time.monotonic())) > 0:
        if calls_at is not None and calls_at < HEARTBEAT_SECONDS:
            await asyncio.sleep(calls_at)
            await call(soak, client, url, number, shown.get("ext"))
            calls_at = None
            continue
        await asyncio.sleep(wait)
        if calls_at is not None:
            calls_at -= wait
        if time.monotonic() >= left:
            break
        beat = await timed(soak, "heartbeat", client.post(f"{url}/v1/visits/{visit_id}/heartbeat"))
        if beat is not None and beat.status_code == 200:
            remember(soak, visit_id, beat.json())


def remember(soak: Soak, visit_id: str, shown: dict[str, object]) -> None:
    """Note the end of the visit's pool lease as the answer gave it (codes and static numbers
    are not pool leases)."""
    expires = shown.get("expires_at")
    if isinstance(expires, str) and not shown.get("ext"):
        soak.expiry[visit_id] = datetime.fromisoformat(expires)
    else:
        soak.expiry.pop(visit_id, None)


async def call(
    soak: Soak, client: httpx.AsyncClient, url: str, number: str, ext: str | None
) -> None:
    telephony = {"X-Callscope-Secret": SECRET}
    params = {"dialed_number": number, **({"ext": ext} if ext else {})}
    await timed(soak, "route", client.get(f"{url}/v1/route", params=params, headers=telephony))
    call_id, caller = uuid.uuid4().hex, f"+1212{random.randint(2000000, 9999999)}"
    for event in ("started", "answered", "completed"):
        body = {
            "call_id": call_id,
            "event": event,
            "at": datetime.now(UTC).isoformat(),
            "dialed_number": number,
            "caller": caller,
            "duration": 42,
        }
        await timed(
            soak, "call event", client.post(f"{url}/v1/calls/events", json=body, headers=telephony)
        )


async def reports(soak: Soak, client: httpx.AsyncClient, until: float) -> None:
    today = datetime.now(UTC).date().isoformat()
    while time.monotonic() < until:
        params = {"site": soak.site_id, "from": today, "to": today}
        await timed(
            soak,
            "report",
            client.get(f"{soak.urls[0]}/v1/reports/channels", params=params, headers=soak.admin),
        )
        await asyncio.sleep(5)


async def sampler(
    soak: Soak, processes: list[subprocess.Popen[bytes]], url: str, until: float
) -> None:
    engine = make_engine(url)
    while time.monotonic() < until:
        now = datetime.now(UTC).replace(tzinfo=None)
        with engine.connect() as conn:
            held = conn.execute(
                text(
                    "SELECT holder_visit_id, held_until FROM tracking_numbers"
                    " WHERE kind = 'pool' AND held_until > :now"
                ),
                {"now": now},
            ).all()
            connections = conn.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
            ).scalar_one()
        expected = sum(1 for end in soak.expiry.values() if end.replace(tzinfo=None) > now)
        outliving = outliving_grace(held, soak.expiry, now)
        soak.now_minute().samples.append(
            ([rss_kb(p.pid) for p in processes], len(held), expected, outliving, int(connections))
        )
        await asyncio.sleep(10)
    engine.dispose()


def outliving_grace(held: Sequence[Any], expiry: dict[str, datetime], now: datetime) -> int:
    """Numbers the database still holds for a visit whose lease, as its last answer gave it,
    ended more than SLACK ago (a visit whose answer is still in flight is not judged)."""
    ended = (expiry.get(visit) for visit, _ in held)
    return sum(1 for end in ended if end is not None and end.replace(tzinfo=None) + SLACK < now)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def drive(
    soak: Soak, processes: list[subprocess.Popen[bytes]], args: argparse.Namespace
) -> None:
    until = soak.started + args.minutes * 60
    limits = httpx.Limits(max_connections=200)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        background = [
            asyncio.create_task(reports(soak, client, until)),
            asyncio.create_task(sampler(soak, processes, args.postgres, until)),
        ]
        visitors: set[asyncio.Task[None]] = set()
        n, tick = 0, 1 / args.visits_per_second
        while (now := time.monotonic()) < until:
            n += 1
            task = asyncio.create_task(visitor(soak, client, n))
            visitors.add(task)
            task.add_done_callback(visitors.discard)
            await asyncio.sleep(max(0.0, soak.started + n * tick - now))
        await asyncio.gather(*background)
        for task in visitors:
            task.cancel()


def setup(url: str) -> tuple[str, int, str]:
    fresh_database(url)
    storage = Storage.connect(url)
    now = datetime.now(UTC)
    account, key = create_account(storage, "soak", now)
    site = create_site(storage, account.id, SiteDraft("soak", "+15550100199"), now)
    with storage.write() as uow:
        for i in range(POOL):
            uow.numbers.add(site.id, f"+1555{3000000 + i:07d}", NumberKind.POOL, None, None, now)
        uow.numbers.add(site.id, "+15553999999", NumberKind.EXTENSION, None, None, now)
        uow.commit()
    storage.close()
    return site.site_key, site.id, key


def report(soak: Soak) -> None:
    print(
        "| minute | requests | errors | p99 visit ms | p99 all ms | RSS MB (each process) "
        "| live leases / expected | outliving grace | DB connections |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    rss_by_minute = {}
    for minute in sorted(soak.minutes):
        f = soak.minutes[minute]
        every = sorted(x for values in f.latencies.values() for x in values)
        visits = sorted(f.latencies["visit"])
        if not f.samples or not every:
            continue
        rss, held, expected, _, connections = f.samples[-1]
        rss_by_minute[minute] = rss
        megabytes = " / ".join(f"{r / 1024:.0f}" for r in rss)
        outliving = max(sample[3] for sample in f.samples)
        print(
            f"| {minute + 1} | {len(every)} | {f.errors} | {p99(visits):.1f} | {p99(every):.1f} "
            f"| {megabytes} | {held} / {expected} | {outliving} | {connections} |"
        )
    minutes = sorted(rss_by_minute)
    if len(minutes) > 2:
        base, last = rss_by_minute[minutes[1]], rss_by_minute[minutes[-1]]
        growth = [f"{(b - a) / a * 100:+.1f}%" for a, b in zip(base, last, strict=True)]
        print(f"\nRSS growth from minute 2 to the end: {', '.join(growth)}")


def p99(values: list[float]) -> float:
    return values[min(len(values) - 1, int(len(values) * 0.99))] if values else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--visits-per-second", type=float, default=5)
    parser.add_argument(
        "--postgres", default=os.environ.get("CALLSCOPE_BENCH_DATABASE_URL", DEFAULT_URL)
    )
    args = parser.parse_args()
    site_key, site_id, key = setup(args.postgres)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLSCOPE_")}
    env |= {
        "CALLSCOPE_DATABASE_URL": args.postgres,
        "CALLSCOPE_TELEPHONY_SECRET": SECRET,
        "CALLSCOPE_LOG_LEVEL": "WARNING",
        "CALLSCOPE_LEASE_SECONDS": str(LEASE_SECONDS),
        "CALLSCOPE_DATABASE_POOL_SIZE": "10",
    }
    ports = [free_port(), free_port()]
    with tempfile.TemporaryDirectory() as tmp:
        processes = []
        for port in ports:
            with (Path(tmp) / f"{port}.log").open("ab") as log:
                command = [sys.executable, "-m", "callscope", "serve", "--port", str(port)]
                processes.append(
                    subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
                )
        try:
            for port in ports:
                wait_healthy(port)
            soak = Soak(
                [f"http://127.0.0.1:{p}" for p in ports],
                site_key,
                site_id,
                {"Authorization": f"Bearer {key}"},
                time.monotonic(),
            )
            asyncio.run(drive(soak, processes, args))
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=30)
    report(soak)


if __name__ == "__main__":
    main()
