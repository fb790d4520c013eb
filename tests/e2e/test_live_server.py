"""The real server process: serves the contract's endpoints and logs no phone number in clear."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import LiveServer


@pytest.mark.e2e
def test_the_served_app_answers_health_docs_and_a_visit(live_server: LiveServer) -> None:
    admin = {"Authorization": f"Bearer {live_server.api_key}"}
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/docs").status_code == 200
        assert "/v1/route" in client.get("/openapi.json").json()["paths"]
        site = client.post(
            "/v1/sites", headers=admin, json={"name": "Live", "forward_to": "+15550100199"}
        ).json()
        client.post(
            f"/v1/sites/{site['site_id']}/numbers",
            headers=admin,
            json={"number": "+15550100201", "kind": "pool"},
        )
        shown = client.post(
            "/v1/visits", json={"site_key": site["site_key"], "landing_url": "https://a/?gclid=1"}
        ).json()
        assert shown["number"] == "+15550100201"
        assert shown["channel"]["source"] == "google"
