"""GET /v1/pool/status: pool size, live and peak leases, utilisation, exhaustion, warnings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callscope.services.accounts import create_account
from tests.conftest import Api
from tests.integration.test_call_flow import make_site, site_key

POOL = ("+15550100201", "+15550100202", "+15550100203", "+15550100204")


def visit(api: Api, key: str) -> dict[str, object]:
    shown = api.client.post("/v1/visits", json={"site_key": key, "landing_url": "https://a/"})
    assert shown.status_code == 200, shown.text
    body: dict[str, object] = shown.json()
    return body


def status(api: Api, site_id: int, headers: dict[str, str] | None = None) -> dict[str, object]:
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    found = api.client.get(
        "/v1/pool/status", params={"site": site_id, "from": since}, headers=headers or api.admin
    )
    assert found.status_code == 200, found.text
    body: dict[str, object] = found.json()
    return body


def test_three_of_four_numbers_held_is_75_percent_and_no_warning_yet(api: Api) -> None:
    site_id = make_site(api, POOL)
    key = site_key(api, site_id)
    for _ in range(3):
        visit(api, key)
    found = status(api, site_id)
    assert (found["pool_size"], found["live_leases"], found["peak_concurrent_leases"]) == (4, 3, 3)
    assert (found["utilisation"], found["exhaustion_events"], found["warning"]) == (0.75, 0, None)


def test_a_full_pool_counts_exhaustion_events_and_warns(api: Api) -> None:
    site_id = make_site(api, POOL)
    key = site_key(api, site_id)
    shown = [visit(api, key) for _ in range(6)]
    assert [s["mode"] for s in shown].count("none") == 2
    found = status(api, site_id)
    assert (found["live_leases"], found["peak_concurrent_leases"], found["utilisation"]) == (
        4,
        4,
        1.0,
    )
    assert found["exhaustion_events"] == 2
    assert found["warning"] == "the pool ran out 2 times: add numbers"


def test_another_accounts_key_sees_no_such_site(api: Api) -> None:
    site_id = make_site(api, POOL)
    _, other_key = create_account(api.storage, "Other", datetime.now(UTC))
    found = api.client.get(
        "/v1/pool/status",
        params={"site": site_id},
        headers={"Authorization": f"Bearer {other_key}"},
    )
    assert found.status_code == 404
    assert api.client.get("/v1/pool/status", params={"site": site_id}).status_code == 401
