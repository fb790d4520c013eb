"""Load `POST /v1/visits` and `GET /v1/route` with wrk at 32 connections, on SQLite and on
PostgreSQL, beside a bare ASGI app in the same run; print requests/s, p50/p99 and the ratios.

    python -m bench.http.run [--seconds 10] [--workers 2] [--postgres URL]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.postgres import DEFAULT_URL, fresh_database
from callscope.adapters.database import make_engine
from callscope.adapters.storage import Storage
from callscope.domain.sites import NumberKind
from callscope.services.accounts import create_account
from callscope.services.sites import SiteDraft, create_site

CONNECTIONS = 32
# Visits hold their number LEASE_SECONDS (no heartbeats here); the pool holds every visit of a
# run at up to POOL / LEASE_SECONDS visits a second, so each one measures a pool claim.
POOL = 15_000
LEASE_SECONDS = 30
SECRET = "bench-secret"
VISITOR = "VISITORID"  # replaced by a random visitor id in each request
WARM_UP_SECONDS = 3
DIALED = "+15552000007"


@dataclass(frozen=True)
class Result:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pool", type=int, default=POOL, help="pool numbers of the site")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("CALLSCOPE_BENCH_DATABASE_URL", DEFAULT_URL),
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        results = [bare(args, Path(tmp))]
        for label, url in (("sqlite", f"sqlite:///{tmp}/bench.db"), ("postgresql", args.postgres)):
            results += callscope(args, label, url, Path(tmp))
    print_table(results)


def bare(args: argparse.Namespace, tmp: Path) -> Result:
    port = 18080
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.http.hello:app",
        "--port",
        str(port),
        "--workers",
        str(args.workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    with serving(command, dict(os.environ), port, "/", tmp / "bare.log"):
        return wrk("bare ASGI hello", f"http://127.0.0.1:{port}/", args.seconds, tmp)


def callscope(args: argparse.Namespace, label: str, url: str, tmp: Path) -> list[Result]:
    port = 18081
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CALLSCOPE_")},
        "CALLSCOPE_DATABASE_URL": url,
        "CALLSCOPE_TELEPHONY_SECRET": SECRET,
        "CALLSCOPE_LEASE_SECONDS": str(LEASE_SECONDS),
        "CALLSCOPE_LOG_LEVEL": "WARNING",
        # One site stands for a busy site; per-address limits stay at their defaults (each
        # request comes from its own address, as wrk sends a random X-Forwarded-For).
        "CALLSCOPE_VISITS_PER_SITE_PER_MINUTE": "0",
    }
    if label == "postgresql":
        fresh_database(url)
    site_key, site_id = make_site(url, args.pool)
    command = [
        sys.executable,
        "-m",
        "callscope",
        "serve",
        "--port",
        str(port),
        "--workers",
        str(args.workers),
    ]
    with serving(command, env, port, "/healthz", tmp / f"{label}.log"):
        body = json.dumps(
            {
                "site_key": site_key,
                "landing_url": "https://a.example/?utm_source=google&utm_medium=cpc",
                "visitor_id": VISITOR,
            }
        )
        visits_url = f"http://127.0.0.1:{port}/v1/visits"
        # A running site's database has statistics (autovacuum keeps them): warm up, then
        # analyze, then measure; a fresh database would measure the planner guessing.
        wrk("warm-up", visits_url, WARM_UP_SECONDS, tmp, post=body, as_visitors=True)
        analyze(url)
        visits = wrk(
            f"POST /v1/visits ({label})",
            visits_url,
            args.seconds,
            tmp,
            post=body,
            as_visitors=True,
        )
        if (ran_out := exhaustions(url, site_id)) > 0:
            raise RuntimeError(f"{label}: {ran_out} visits found the pool full: raise --pool")
        route = wrk(
            f"GET /v1/route ({label})",
            f"http://127.0.0.1:{port}/v1/route?dialed_number=%2B{DIALED[1:]}",
            args.seconds,
            tmp,
            headers={"X-Callscope-Secret": SECRET},
        )
    return [visits, route]


def analyze(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def make_site(url: str, pool: int) -> tuple[str, int]:
    """A site with `pool` pool numbers, stored before the server starts (fast, in one
    transaction); returns its site key and id."""
    storage = Storage.connect(url)
    now = datetime.now(UTC)
    account, _ = create_account(storage, "bench", now)
    site = create_site(storage, account.id, SiteDraft("bench", "+15550100199"), now)
    with storage.write() as uow:
        for i in range(pool):
            uow.numbers.add(site.id, f"+1555{2000000 + i:07d}", NumberKind.POOL, None, None, now)
        uow.commit()
    storage.close()
    return site.site_key, site.id


def exhaustions(url: str, site_id: int) -> int:
    """Visits that found the pool full: the run measured pool claims only if there were none."""
    storage = Storage.connect(url)
    with storage.read() as uow:
        found = uow.leases.exhaustions(site_id, datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC))
    storage.close()
    return found


class serving:
    """Start a server, wait until `health` answers, stop it on exit."""

    def __init__(
        self, command: list[str], env: dict[str, str], port: int, health: str, log: Path
    ) -> None:
        self.command, self.env, self.port, self.health, self.log = command, env, port, health, log

    def __enter__(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.command, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{self.port}{self.health}", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(f"server did not start:\n{self.log.read_text()}")

    def __exit__(self, *_: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def wrk(
    name: str,
    url: str,
    seconds: int,
    tmp: Path,
    post: str | None = None,
    headers: dict[str, str] | None = None,
    as_visitors: bool = False,
) -> Result:
    script = tmp / "request.lua"
    lines = []
    if post is not None:
        lines += [
            'wrk.method = "POST"',
            f"wrk.body = {json.dumps(post)}",
            'wrk.headers["Content-Type"] = "application/json"',
        ]
    for header, value in (headers or {}).items():
        lines.append(f'wrk.headers["{header}"] = "{value}"')
    if as_visitors:
        # Each request a new visitor (its own visitor id, as the snippet sends) from its own
        # address, as a site sees them through a proxy callscope trusts.
        lines += [
            "math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))",
            "request = function()",
            '  wrk.headers["X-Forwarded-For"] = string.format("10.%d.%d.%d",',
            "    math.random(0, 255), math.random(0, 255), math.random(1, 254))",
            '  local visitor = string.format("v%08x%08x", math.random(0, 2^31), '
            "math.random(0, 2^31))",
            f'  return wrk.format(nil, nil, nil, (wrk.body:gsub("{VISITOR}", visitor)))',
            "end",
        ]
    script.write_text("\n".join(lines) + "\n")
    command = [
        "wrk",
        "-t2",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--latency",
        "-s",
        str(script),
        url,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output:
        raise RuntimeError(f"{name}: errors under load\n{output}")
    return Result(name, _rps(output), _percentile(output, "50%"), _percentile(output, "99%"))


def _rps(output: str) -> float:
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    assert match, output
    return float(match.group(1))


def _percentile(output: str, label: str) -> float:
    match = re.search(rf"^\s+{re.escape(label)}\s+([\d.]+)(us|ms|s)", output, re.MULTILINE)
    assert match, output
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def print_table(results: list[Result]) -> None:
    base = results[0]
    print("| endpoint | requests/s | p50 ms | p99 ms | rps vs bare | p99 vs bare |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(
            f"| {r.name} | {r.rps:,.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | "
            f"{r.rps / base.rps:.0%} | {r.p99_ms / base.p99_ms:.1f}x |"
        )


if __name__ == "__main__":
    main()
