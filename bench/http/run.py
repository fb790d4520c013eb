"""Load callscope's telephony and visit endpoints with wrk on PostgreSQL, beside the yardsticks
measured in the same run: hello worlds of uvicorn (h11; httptools + uvloop) and gunicorn (sync
WSGI), a Django stand-in of the tutorial peer's voice webhook, and a plain WSGI floor doing its
two statements. Prints requests/s and p99 at 32 connections, p50 at one.

    python -m bench.http.run [--seconds 10] [--workers 2] [--postgres URL]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from sqlalchemy.engine import make_url

from bench.http import calls
from bench.http.load import VISITOR, Load, Request, measure, serving, wrk
from bench.postgres import DEFAULT_URL, fresh_database
from callscope.adapters.database import make_engine
from callscope.adapters.storage import Storage
from callscope.domain.channel import Channel
from callscope.domain.sites import NumberKind
from callscope.services import flows
from callscope.services.accounts import create_account
from callscope.services.sites import SiteDraft, create_site

# Visits hold their number LEASE_SECONDS (no heartbeats here); the pool holds every visit of a
# run at up to POOL / LEASE_SECONDS visits a second, so each one measures a pool claim.
POOL = 15_000
LEASE_SECONDS = 30
SECRET = "bench-secret"
WARM_UP_SECONDS = 3
STATIC = "+15551000001"  # the number of the spike: every call to one static number
FORWARD_TO = "+15550100199"
# A static number with a call flow of its own (hours, three agents in order, a notice): what
# `GET /v1/route/plan` and `GET /v1/route` answer from memory for a number with a flow.
FLOW_NUMBER = "+15551000002"
FLOW = {
    "targets": ["+15550100301", "+15550100302", "sip:carol@pbx.example.com"],
    "strategy": "in_order",
    "time_zone": "America/New_York",
    "hours": [
        {"day": d, "opens": "00:00", "closes": "00:00"}
        for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    ],
    "announcement": {"text": "This call may be recorded."},
    "record": True,
}
REQUESTS = 40_000  # lines of requests written per wrk run (each sent at most once)
PORT = 18081
FORM = "application/x-www-form-urlencoded"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pool", type=int, default=POOL, help="pool numbers of the site")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("CALLSCOPE_BENCH_DATABASE_URL", DEFAULT_URL),
    )
    parser.add_argument(
        "--callscope-only", action="store_true", help="skip the yardsticks (a quick look)"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    fresh_database(args.postgres)
    pool = [f"+1555{2000000 + i:07d}" for i in range(args.pool)]
    with tempfile.TemporaryDirectory() as tmp:
        if args.callscope_only:
            hellos, peers, ours = [], [], callscope(args, pool, Path(tmp))
        else:
            hellos = hello_worlds(args, Path(tmp))
            peers = peer(args, pool, Path(tmp))
            ours = callscope(args, pool, Path(tmp))
    print_table(hellos, peers, ours)


def hello_worlds(args: argparse.Namespace, tmp: Path) -> list[Load]:
    uvicorn = [sys.executable, "-m", "uvicorn", "bench.http.hello:app", "--port", str(PORT)]
    uvicorn += ["--workers", str(args.workers), "--no-access-log", "--log-level", "warning"]
    servers = {
        "hello, uvicorn h11 + asyncio (ASGI)": [*uvicorn, "--http", "h11", "--loop", "asyncio"],
        "hello, uvicorn httptools + uvloop (ASGI)": [
            *uvicorn,
            "--http",
            "httptools",
            "--loop",
            "uvloop",
        ],
        "hello, gunicorn sync (WSGI)": gunicorn("bench.http.hello:wsgi", args.workers),
    }
    found = []
    for name, command in servers.items():
        with serving(command, dict(os.environ), PORT, "/", tmp / "hello.log"):
            found.append(measure(name, f"http://127.0.0.1:{PORT}/", args.seconds, Request(), tmp))
    return found


def gunicorn(app: str, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{PORT}",
        "--log-level",
        "warning",
        app,
    ]


def peer(args: argparse.Namespace, pool: list[str], tmp: Path) -> list[Load]:
    """The Django stand-in and the WSGI floor, on the same PostgreSQL, with the same calls."""
    url = peer_url(args.postgres)
    peer_tables(args.postgres, pool)
    env = {**os.environ, "PEER_DATABASE_URL": url}
    found = []
    for name, app in (
        ("Django stand-in of the peer, gunicorn sync", "bench.http.peer.app:application"),
        ("WSGI floor (psycopg, 2 statements), gunicorn sync", "bench.http.floor:application"),
    ):
        path = "/forward-call" if "Django" in name else "/"
        with serving(gunicorn(app, args.workers), env, PORT, "/healthz", tmp / "peer.log"):
            found += voice_loads(name, f"http://127.0.0.1:{PORT}{path}", args.seconds, pool, tmp)
    return found


def voice_loads(
    name: str, url: str, seconds: int, pool: list[str], tmp: Path, signed_url: str = ""
) -> list[Load]:
    """The spike (every call to one static number), then calls spread over the pool."""
    found = []
    for label, dialed in ((f"{name}: spike", [STATIC]), (f"{name}: pool", pool)):
        lines = partial(calls.voice_requests, url=signed_url or url, dialed=dialed, count=REQUESTS)
        request = Request("POST", content_type=FORM, lines=lines)
        wrk(url, WARM_UP_SECONDS, request, tmp, 32)
        found.append(measure(label, url, seconds, request, tmp))
    return found


def peer_url(url: str) -> str:
    """The bench's database URL as libpq reads it (no SQLAlchemy driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def peer_tables(url: str, pool: list[str]) -> None:
    """The peer's lead sources (the static number, and one per pool number) and leads."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(PEER_SCHEMA)
        conn.exec_driver_sql(
            "INSERT INTO peer_lead_source (name, incoming_number, forwarding_number)"
            " VALUES (%(n)s, %(n)s, %(f)s)",
            [{"n": n, "f": FORWARD_TO} for n in [STATIC, *pool]],
        )
    engine.dispose()


PEER_SCHEMA = """
CREATE TABLE peer_lead_source (id BIGSERIAL PRIMARY KEY, name VARCHAR(100) NOT NULL,
    incoming_number VARCHAR(20) NOT NULL UNIQUE, forwarding_number VARCHAR(20) NOT NULL);
CREATE TABLE peer_lead (id BIGSERIAL PRIMARY KEY,
    lead_source_id BIGINT NOT NULL REFERENCES peer_lead_source (id),
    phone_number VARCHAR(20) NOT NULL, call_sid VARCHAR(64) NOT NULL,
    city VARCHAR(100) NOT NULL, state VARCHAR(100) NOT NULL, caller_name VARCHAR(100) NOT NULL,
    created TIMESTAMPTZ NOT NULL);
CREATE INDEX peer_lead_source_ix ON peer_lead (lead_source_id);
"""


def callscope(args: argparse.Namespace, pool: list[str], tmp: Path) -> list[Load]:
    url = args.postgres
    site_key = make_site(url, pool)
    base = f"http://127.0.0.1:{PORT}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CALLSCOPE_")},
        "CALLSCOPE_DATABASE_URL": url,
        "CALLSCOPE_TELEPHONY_SECRET": SECRET,
        "CALLSCOPE_TWILIO_AUTH_TOKEN": calls.TOKEN,
        "CALLSCOPE_PUBLIC_URL": base,
        "CALLSCOPE_LEASE_SECONDS": str(LEASE_SECONDS),
        "CALLSCOPE_LOG_LEVEL": "WARNING",
        # One site stands for a busy site; per-address limits stay at their defaults (each
        # request comes from its own address, as wrk sends a random X-Forwarded-For).
        "CALLSCOPE_VISITS_PER_SITE_PER_MINUTE": "0",
    }
    command = [sys.executable, "-m", "callscope", "serve", "--port", str(PORT)]
    command += ["--workers", str(args.workers)]
    with serving(command, env, PORT, "/healthz", tmp / "callscope.log"):
        visits = visit_load(base, args.seconds, site_key, url, tmp)
        found = voice_loads(
            "POST /v1/twilio/voice", f"{base}/v1/twilio/voice", args.seconds, pool, tmp
        )
        found += event_loads(f"{base}/v1/calls/events", args.seconds, pool, tmp)
        route = Request(headers=(("X-Callscope-Secret", SECRET),))
        found += [
            visits,
            measure(
                "GET /v1/route",
                f"{base}/v1/route?dialed_number=%2B{STATIC[1:]}",
                args.seconds,
                route,
                tmp,
            ),
            measure(
                "GET /v1/route (a number with a flow)",
                f"{base}/v1/route?dialed_number=%2B{FLOW_NUMBER[1:]}&caller=%2B12125550123",
                args.seconds,
                route,
                tmp,
            ),
            measure(
                "GET /v1/route/plan (a number with a flow)",
                f"{base}/v1/route/plan?dialed_number=%2B{FLOW_NUMBER[1:]}&caller=%2B12125550123",
                args.seconds,
                route,
                tmp,
            ),
        ]
    return found


def visit_load(base: str, seconds: int, site_key: str, url: str, tmp: Path) -> Load:
    body = json.dumps(
        {
            "site_key": site_key,
            "landing_url": "https://a.example/?utm_source=google&utm_medium=cpc",
            "visitor_id": VISITOR,
        }
    )
    request = Request("POST", body, "application/json", as_visitors=True)
    # A running site's database has statistics (autovacuum keeps them): warm up, then
    # analyze, then measure; a fresh database would measure the planner guessing.
    wrk(f"{base}/v1/visits", WARM_UP_SECONDS, request, tmp, 32)
    analyze(url)
    return measure("POST /v1/visits", f"{base}/v1/visits", seconds, request, tmp)


def event_loads(url: str, seconds: int, pool: list[str], tmp: Path) -> list[Load]:
    found = []
    for label, dialed in (("spike", [STATIC]), ("pool", pool)):
        lines = partial(calls.event_requests, dialed=dialed, count=REQUESTS)
        request = Request(
            "POST",
            content_type="application/json",
            headers=(("X-Callscope-Secret", SECRET),),
            lines=lines,
        )
        found.append(measure(f"POST /v1/calls/events: {label}", url, seconds, request, tmp))
    return found


def analyze(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def make_site(url: str, pool: list[str]) -> str:
    """A site with the spike's static number and the pool, stored before the server starts
    (fast, in one transaction); returns its site key."""
    storage = Storage.connect(url)
    now = datetime.now(UTC)
    account, _ = create_account(storage, "bench", now)
    site = create_site(storage, account.id, SiteDraft("bench", FORWARD_TO), now)
    with storage.write() as uow:
        radio = Channel("radio", "offline", "spot")
        uow.numbers.add(site.id, STATIC, NumberKind.STATIC, radio, None, now)
        for number in pool:
            uow.numbers.add(site.id, number, NumberKind.POOL, None, None, now)
        flowing = uow.numbers.add(site.id, FLOW_NUMBER, NumberKind.STATIC, radio, None, now)
        uow.commit()
    flows.set_flow(storage, account.id, site.id, flowing.id, FLOW, now)
    storage.close()
    return site.site_key


def print_table(hellos: list[Load], peers: list[Load], ours: list[Load]) -> None:
    fastest = max(hellos, key=lambda r: r.rps) if hellos else None
    stand_in = {r.name.rsplit(": ", 1)[-1]: r for r in peers if "Django" in r.name}
    if fastest is not None:
        print(f"yardstick: {fastest.name}, {fastest.rps:,.0f} requests/s")
    print(
        "| endpoint | requests/s (32 conn.) | p99 (32 conn.) | p50 (1 conn.) "
        "| vs fastest hello | vs stand-in |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for r in hellos + peers + ours:
        scenario = r.name.rsplit(": ", 1)[-1]
        peer_ratio = f"{r.rps / stand_in[scenario].rps:.2f}x" if scenario in stand_in else ""
        hello_ratio = f"{r.rps / fastest.rps:.0%}" if fastest is not None else ""
        print(
            f"| {r.name} | {r.rps:,.0f} | {r.p99_ms:.1f} ms | {r.p50_one_ms:.2f} ms | "
            f"{hello_ratio} | {peer_ratio} |"
        )


if __name__ == "__main__":
    main()
