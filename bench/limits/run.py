"""What shared limits cost: `POST /v1/visits` under wrk with CALLSCOPE_REDIS_URL off and on,
alternating rounds against the same PostgreSQL, each request from its own address (so the
per-address limit and lease cap are checked, never refused); prints requests/s, p99, ratio.

    python -m bench.limits.run [--seconds 10] [--rounds 2] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.postgres import DEFAULT_URL, fresh_database
from callscope.adapters.storage import Storage
from callscope.domain.sites import NumberKind
from callscope.services.accounts import create_account
from callscope.services.sites import SiteDraft, create_site

POOL = 15_000
LUA = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"site_key": "%s", "landing_url": "https://a.example/?utm_source=google"}'
request = function()
  wrk.headers["X-Forwarded-For"] = string.format("10.%%d.%%d.%%d",
    math.random(0, 255), math.random(0, 255), math.random(1, 254))
  return wrk.format()
end
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--postgres", default=os.environ.get("CALLSCOPE_BENCH_DATABASE_URL", DEFAULT_URL)
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None or shutil.which("redis-server") is None:
        sys.exit("wrk and redis-server are needed: apt-get install wrk redis-server")
    with tempfile.TemporaryDirectory() as tmp:
        redis_port = free_port()
        redis = subprocess.Popen(
            ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", ""],
            stdout=subprocess.DEVNULL,
        )
        try:
            rows = [
                run(args, Path(tmp), redis_url, n)
                for n in range(args.rounds)
                for redis_url in (None, f"redis://127.0.0.1:{redis_port}/0")
            ]
        finally:
            redis.terminate()
    off = sum(r[1] for r in rows if not r[0]) / args.rounds
    on = sum(r[1] for r in rows if r[0]) / args.rounds
    print("| limits | requests/s | p99 ms |\n| --- | --- | --- |")
    for shared, rps, p99 in rows:
        print(f"| {'Redis' if shared else 'per process'} | {rps:.0f} | {p99:.1f} |")
    print(f"\nRedis / per process throughput: {on / off:.2f}")


def run(
    args: argparse.Namespace, tmp: Path, redis_url: str | None, _: int
) -> tuple[bool, float, float]:
    fresh_database(args.postgres)
    site_key = make_site(args.postgres)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLSCOPE_")}
    env |= {
        "CALLSCOPE_DATABASE_URL": args.postgres,
        "CALLSCOPE_LOG_LEVEL": "WARNING",
        "CALLSCOPE_LEASE_SECONDS": "60",
        "CALLSCOPE_VISITS_PER_SITE_PER_MINUTE": "100000000",
    }
    if redis_url:
        env["CALLSCOPE_REDIS_URL"] = redis_url
    command = [sys.executable, "-m", "callscope", "serve", "--port", str(port), "--workers", "2"]
    with (tmp / "server.log").open("ab") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_healthy(port)
        script = tmp / "visit.lua"
        script.write_text(LUA % site_key)
        wrk(port, script, 3)  # warm-up
        output = wrk(port, script, args.seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
    if "Non-2xx" in output:
        raise RuntimeError(f"errors under load:\n{output}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)", output, re.M).groups()  # type: ignore[union-attr]
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return redis_url is not None, rps, p99


def wrk(port: int, script: Path, seconds: int) -> str:
    command = ["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", "-s", str(script)]
    command.append(f"http://127.0.0.1:{port}/v1/visits")
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def make_site(url: str) -> str:
    storage = Storage.connect(url)
    now = datetime.now(UTC)
    account, _ = create_account(storage, "bench", now)
    site = create_site(storage, account.id, SiteDraft("bench", "+15550100199"), now)
    with storage.write() as uow:
        for i in range(POOL):
            uow.numbers.add(site.id, f"+1555{2000000 + i:07d}", NumberKind.POOL, None, None, now)
        uow.commit()
    storage.close()
    return site.site_key


def wait_healthy(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    main()
