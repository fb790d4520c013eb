"""The client address behind the per-address limits comes from X-Forwarded-For only when the
request comes from a proxy listed in CALLSCOPE_FORWARDED_ALLOW_IPS; from anyone else the header
is ignored, so a client cannot dodge the limits by naming a new address each time."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.conftest import create_key, free_port, pool_site, server_env, start_server, stop_server


def statuses(tmp_path: Path, trusted: str, forwarded_for: list[str]) -> list[int]:
    """Visit statuses on a server allowing 3 visits a minute per address (bursts of 1), each
    visit claiming to be forwarded for the next address of `forwarded_for`."""
    env = server_env(
        f"sqlite:///{tmp_path / f'{trusted}.db'}",
        CALLSCOPE_VISITS_PER_IP_PER_MINUTE="3",
        CALLSCOPE_FORWARDED_ALLOW_IPS=trusted,
    )
    key = create_key(env)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = start_server(env, port, tmp_path / f"{trusted}.log")
    try:
        site_key = pool_site(url, key, ["+15550100201", "+15550100202", "+15550100203"])
        body = {"site_key": site_key, "landing_url": "https://a/"}
        return [
            httpx.post(f"{url}/v1/visits", json=body, headers={"X-Forwarded-For": a}).status_code
            for a in forwarded_for
        ]
    finally:
        stop_server(process)


@pytest.mark.e2e
def test_x_forwarded_for_counts_only_from_a_trusted_proxy(tmp_path: Path) -> None:
    spoofed = ["198.51.100.1", "198.51.100.2", "198.51.100.3"]
    # From loopback, not a listed proxy: every visit is loopback's, the second is refused.
    assert statuses(tmp_path, "192.0.2.254", spoofed) == [200, 429, 429]
    # Loopback as the trusted proxy: the same header names three clients, each allowed.
    assert statuses(tmp_path, "127.0.0.1", spoofed) == [200, 200, 200]
