"""A flood of visit requests from one address takes a bounded share of the pool, and real
visitors keep getting numbers. The server trusts X-Forwarded-For from loopback (the default
proxy setting), so the test speaks for many addresses."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.conftest import create_key, free_port, pool_site, server_env, start_server, stop_server

POOL = 20
FLOOD = 10_000
FLOODER = "203.0.113.7"


@pytest.mark.e2e
def test_ten_thousand_visits_from_one_address_cannot_drain_the_pool(tmp_path: Path) -> None:
    env = server_env(f"sqlite:///{tmp_path / 'flood.db'}")
    key = create_key(env)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = start_server(env, port, tmp_path / "server.log")
    try:
        site_key = pool_site(url, key, [f"+1555010{i + 150:04d}" for i in range(POOL)])
        flood = send_flood(url, site_key)
        real = [visit(url, site_key, f"198.51.100.{i}") for i in range(1, 16)]
    finally:
        stop_server(process)
    statuses = [status for status, _ in flood]
    leased = [body for status, body in flood if status == 200 and body["mode"] == "pool"]
    assert len(statuses) == FLOOD
    assert statuses.count(429) > FLOOD * 0.9  # the rate limit turned most of it away
    assert 0 < len(leased) <= 3  # and what got through holds at most 3 numbers
    assert all(r["mode"] == "pool" for r in real)
    assert len({r["number"] for r in real}) == len(real)


def send_flood(url: str, site_key: str) -> list[tuple[int, dict[str, object]]]:
    body = {"site_key": site_key, "landing_url": "https://a/?gclid=flood"}
    headers = {"X-Forwarded-For": FLOODER}

    def burst(count: int) -> list[tuple[int, dict[str, object]]]:
        with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
            answers = (client.post("/v1/visits", json=body) for _ in range(count))
            return [(a.status_code, a.json()) for a in answers]

    with ThreadPoolExecutor(max_workers=8) as pool:
        parts = list(pool.map(burst, [FLOOD // 8] * 8))
    return [answer for part in parts for answer in part]


def visit(url: str, site_key: str, address: str) -> dict[str, object]:
    answer = httpx.post(
        f"{url}/v1/visits",
        headers={"X-Forwarded-For": address},
        json={"site_key": site_key, "landing_url": "https://a/?utm_source=x"},
    )
    answer.raise_for_status()
    body: dict[str, object] = answer.json()
    return body
