"""Faults: the database goes away under a running server; the server is killed mid-load."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from callscope.adapters.database import make_engine
from callscope.adapters.tables.core import tracking_numbers
from tests.conftest import (
    SECRET,
    create_key,
    free_port,
    need_postgres,
    pool_site,
    reset_postgres,
    server_env,
    start_server,
    stop_server,
)
from tests.e2e.tcp_proxy import TcpProxy

TELEPHONY = {"X-Callscope-Secret": SECRET}
FORWARD = "+15550100199"
THREE = [f"+155501002{i:02d}" for i in range(3)]


@pytest.fixture
def proxied_server(tmp_path: Path) -> Iterator[tuple[str, TcpProxy]]:
    """A server whose PostgreSQL connection runs through a proxy the test can cut."""
    pg = need_postgres()
    reset_postgres(pg)
    proxy = TcpProxy(5432)
    env = server_env(pg.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}"))
    key = create_key(env)
    port = free_port()
    process = start_server(env, port, tmp_path / "server.log")
    url = f"http://127.0.0.1:{port}"
    pool_site(url, key, THREE)
    try:
        yield url, proxy
    finally:
        proxy.cut()
        stop_server(process)


@pytest.mark.e2e
def test_route_keeps_forwarding_callers_when_postgresql_is_cut_off(
    proxied_server: tuple[str, TcpProxy],
) -> None:
    url, proxy = proxied_server
    params = {"dialed_number": "+15550100201"}
    assert httpx.get(f"{url}/v1/route", params=params, headers=TELEPHONY).text == FORWARD
    proxy.cut()
    for _ in range(3):
        answer = httpx.get(f"{url}/v1/route", params=params, headers=TELEPHONY, timeout=20)
        assert (answer.status_code, answer.text) == (200, FORWARD)
    visit = httpx.post(
        f"{url}/v1/visits", timeout=30, json={"site_key": "sk_any", "landing_url": "https://a/"}
    )
    assert visit.status_code == 503
    assert visit.headers["Retry-After"] == "5"
    assert visit.json() == {"error": "storage unavailable, try again shortly"}


def event(call_id: str, kind: str, at: datetime, **extra: object) -> dict[str, object]:
    return {
        "call_id": call_id,
        "event": kind,
        "at": at.isoformat(),
        "dialed_number": "+15550100201",
        "caller": "+12125550123",
        **extra,
    }


def send_all(
    url: str, events: list[dict[str, object]], acked: list[dict[str, object]], stop: threading.Event
) -> None:
    with httpx.Client(base_url=url, headers=TELEPHONY, timeout=5) as client:
        for body in events:
            if stop.is_set():
                return
            try:
                if client.post("/v1/calls/events", json=body).status_code == 200:
                    acked.append(body)
            except httpx.HTTPError:
                pass


@pytest.mark.e2e
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
@pytest.mark.parametrize("inline", ["4", "0"], ids=["applied-or-stored", "all-stored"])
def test_kill_9_under_load_loses_no_acknowledged_event_and_duplicates_no_call(
    database: str,
    inline: str,
    tmp_path: Path,
) -> None:
    """`inline` 0: every event is stored to be applied after its answer, so the kill also
    catches events acknowledged and not yet applied."""
    db_url = f"sqlite:///{tmp_path / 'crash.db'}" if database == "sqlite" else need_postgres()
    if database == "postgresql":
        reset_postgres(db_url)
    env = server_env(db_url, CALLSCOPE_LEASE_SECONDS="60", CALLSCOPE_CALL_EVENTS_INLINE=inline)
    key = create_key(env)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = start_server(env, port, tmp_path / "first.log")
    site_key = pool_site(url, key, THREE)
    for _ in range(3):
        httpx.post(f"{url}/v1/visits", json={"site_key": site_key, "landing_url": "https://a/"})
    now = datetime.now(UTC)
    events = []
    for i in range(150):
        start = now + timedelta(seconds=i)
        events += [
            event(f"crash-{i}", "started", start),
            event(f"crash-{i}", "answered", start + timedelta(seconds=3)),
            event(f"crash-{i}", "completed", start + timedelta(seconds=40), duration=37),
        ]
    acked: list[dict[str, object]] = []
    stop = threading.Event()
    senders = [
        threading.Thread(target=send_all, args=(url, events[k::4], acked, stop)) for k in range(4)
    ]
    for sender in senders:
        sender.start()
    while len(acked) < 60:
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)  # no shutdown, no flush
    process.wait(timeout=10)
    stop.set()
    for sender in senders:
        sender.join(timeout=30)
    assert len(acked) >= 60

    process = start_server(env, port, tmp_path / "second.log")
    try:
        # Before any retry: every event the crashed server acknowledged is in the call log.
        survived = call_log(url, key)
        retry: list[dict[str, object]] = []
        send_all(url, events, retry, threading.Event())  # the platforms retry everything
        calls = call_log(url, key)
    finally:
        stop_server(process)
    missing = [body for body in acked if not shows(survived.get(str(body["call_id"])), body)]
    assert missing == [], f"{len(missing)} acknowledged events lost by kill -9"
    assert len(retry) == len(events)
    assert sorted(calls) == sorted({str(e["call_id"]) for e in events})
    assert all(c["status"] == "completed" and c["duration"] == 37 for c in calls.values())
    assert every_lease_ends(db_url, within=timedelta(seconds=60))


def call_log(url: str, key: str) -> dict[str, dict[str, object]]:
    """Every call the server has, by call id (a duplicated call id fails here)."""
    calls = httpx.get(
        f"{url}/v1/calls",
        headers={"Authorization": f"Bearer {key}"},
        params={"site": 1, "from": "2000-01-01", "to": "2100-01-01", "limit": 5000},
    ).json()["calls"]
    by_id = {str(c["call_id"]): c for c in calls}
    assert len(by_id) == len(calls), "a call id is stored twice"
    return by_id


def shows(call: dict[str, object] | None, body: dict[str, object]) -> bool:
    """Whether the stored call carries what this acknowledged event said."""
    if call is None:
        return False
    if body["event"] == "answered":
        return call["answered_at"] is not None
    if body["event"] == "completed":
        return call["ended_at"] is not None and call["duration"] == 37
    return True


def every_lease_ends(db_url: str, within: timedelta) -> bool:
    """No number is held beyond one lease length from now: nothing is held forever."""
    engine = make_engine(db_url)
    with engine.connect() as conn:
        held = conn.execute(select(tracking_numbers.c.held_until)).scalars().all()
    engine.dispose()
    horizon = datetime.now(UTC) + within
    return len(held) == 3 and all(h is not None and h <= horizon for h in held)
