"""The server's own log never carries a phone number or an API key in clear."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.conftest import SECRET, create_key, free_port, server_env, start_server, stop_server

CALLER = "+12125550123"


@pytest.mark.e2e
def test_a_whole_call_leaves_no_clear_number_or_key_in_the_log(tmp_path: Path) -> None:
    env = server_env(f"sqlite:///{tmp_path / 'logs.db'}", CALLSCOPE_LOG_LEVEL="INFO")
    key = create_key(env)
    port = free_port()
    log = tmp_path / "server.log"
    process = start_server(env, port, log)
    url = f"http://127.0.0.1:{port}"
    try:
        admin = {"Authorization": f"Bearer {key}"}
        site = httpx.post(
            f"{url}/v1/sites", headers=admin, json={"name": "Logs", "forward_to": "+15550100199"}
        ).json()
        httpx.post(
            f"{url}/v1/sites/{site['site_id']}/numbers",
            headers=admin,
            json={"number": "+15550100201", "kind": "pool"},
        )
        httpx.post(
            f"{url}/v1/visits",
            json={"site_key": site["site_key"], "landing_url": "https://a/?gclid=1"},
        )
        telephony = {"X-Callscope-Secret": SECRET}
        httpx.get(
            f"{url}/v1/route",
            headers=telephony,
            params={"dialed_number": "+15550100201", "caller": CALLER},
        )
        httpx.post(
            f"{url}/v1/calls/events",
            headers=telephony,
            json={
                "call_id": "log-1",
                "event": "started",
                "at": "2026-01-01T00:00:00Z",
                "dialed_number": "+15550100201",
                "caller": CALLER,
            },
        )
    finally:
        stop_server(process)
    text = log.read_text()
    assert '"event": "route"' in text and '"event": "call_event"' in text
    for secret in (CALLER, "+15550100201", "+15550100199", "2125550123", key, SECRET):
        assert secret not in text
    assert "+1212***0123" in text
