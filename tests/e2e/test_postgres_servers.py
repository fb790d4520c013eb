"""Four server processes on one PostgreSQL: leases stay exclusive under concurrent visits."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from tests.conftest import (
    create_key,
    free_port,
    need_postgres,
    pool_site,
    reset_postgres,
    server_env,
    start_server,
    stop_server,
)

SERVERS = 4
POOL = 40
VISITS = 240
LANDING = "https://northside.example/?utm_source=google&utm_medium=cpc&gclid=x"


@dataclass(frozen=True)
class Servers:
    key: str
    urls: list[str]


@pytest.fixture
def pg_servers(tmp_path: Path) -> Iterator[Servers]:
    url = need_postgres()
    reset_postgres(url)
    # All visits come from this one test process: lift the per-address abuse limits.
    env = server_env(url, CALLSCOPE_VISITS_PER_IP_PER_MINUTE="0", CALLSCOPE_LEASES_PER_IP="1000")
    key = create_key(env)
    ports = [free_port() for _ in range(SERVERS)]
    processes = [start_server(env, port, tmp_path / f"server{port}.log") for port in ports]
    try:
        yield Servers(key, [f"http://127.0.0.1:{p}" for p in ports])
    finally:
        for process in processes:
            stop_server(process)


@pytest.mark.e2e
def test_four_servers_never_lease_one_number_to_two_live_visits(pg_servers: Servers) -> None:
    key, urls = pg_servers.key, pg_servers.urls
    site_key = pool_site(urls[0], key, [f"+1555020{i:04d}" for i in range(POOL)])

    def visit(i: int) -> dict[str, object]:
        answer = httpx.post(
            f"{urls[i % SERVERS]}/v1/visits",
            timeout=30,
            json={"site_key": site_key, "landing_url": LANDING},
        )
        answer.raise_for_status()
        body: dict[str, object] = answer.json()
        return body

    with ThreadPoolExecutor(max_workers=16) as pool:
        shown = list(pool.map(visit, range(VISITS)))

    leased = [s for s in shown if s["mode"] == "pool"]
    refused = [s for s in shown if s["mode"] != "pool"]
    assert len(leased) == POOL  # every number went out, once
    assert len({s["number"] for s in leased}) == POOL
    assert all(s["reason"] == "pool exhausted" and s["number"] == "+15550100199" for s in refused)
    assert no_overlapping_leases(urls[0], key, leased)


def no_overlapping_leases(url: str, key: str, leased: list[dict[str, object]]) -> bool:
    """Per number, the leases' [visit start, expires_at) intervals never overlap."""
    admin = {"Authorization": f"Bearer {key}"}
    spans: dict[object, list[tuple[datetime, datetime]]] = defaultdict(list)
    for shown in leased:
        detail = httpx.get(f"{url}/v1/visits/{shown['visit_id']}", headers=admin).json()
        start = datetime.fromisoformat(detail["started_at"])
        spans[shown["number"]].append((start, datetime.fromisoformat(detail["expires_at"])))
    for intervals in spans.values():
        intervals.sort()
        if any(a[1] > b[0] for a, b in itertools.pairwise(intervals)):
            return False
    return True
