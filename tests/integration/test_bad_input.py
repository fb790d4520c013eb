"""Bad input gets a 4xx with a message and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from callscope.adapters.tables.core import visits
from tests.conftest import Api
from tests.integration.test_call_flow import make_site, site_key


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/v1/sites", {"name": "x", "forward_to": "not a phone"}, 400, "not a phone number"),
        ("/v1/sites", {"name": "x"}, 422, "forward_to: Field required"),
        ("/v1/sites/1/numbers", {"number": "12", "kind": "pool"}, 422, "number"),
        ("/v1/sites/1/numbers", {"number": "+15550100777", "kind": "rented"}, 422, "kind"),
        ("/v1/sites/1/numbers", {"number": "+15550100777", "kind": "static"}, 400, "channel"),
    ],
)
def test_admin_bad_input_is_refused_with_a_message(
    api: Api, path: str, body: dict[str, object], status: int, message: str
) -> None:
    make_site(api)
    answer = api.client.post(path, headers=api.admin, json=body)
    assert answer.status_code == status
    assert message in answer.json()["error"]


def test_unknown_site_key_is_404_and_stores_no_visit(api: Api) -> None:
    key = site_key(api, make_site(api))
    answer = api.client.post(
        "/v1/visits", json={"site_key": "sk_nope", "landing_url": "https://a/?utm_source=x"}
    )
    assert answer.status_code == 404
    assert answer.json()["error"] == "unknown site_key"
    assert stored_visits(api) == 0
    # The count does see a visit that is stored: the refusal above is what kept it at 0.
    api.client.post("/v1/visits", json={"site_key": key, "landing_url": "https://a/"})
    assert stored_visits(api) == 1


def stored_visits(api: Api) -> int:
    with api.storage.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(visits)).scalar_one())


def test_missing_fields_and_malformed_numbers_on_telephony_endpoints(api: Api) -> None:
    make_site(api)
    missing = api.client.post("/v1/calls/events", headers=api.telephony, json={"call_id": "x"})
    assert missing.status_code == 422
    assert "event: Field required" in missing.json()["error"]
    bad = api.client.get("/v1/route", headers=api.telephony, params={"dialed_number": "abc"})
    assert bad.status_code == 400
    assert "not a phone number" in bad.json()["error"]
    unknown = {
        "call_id": "x",
        "event": "started",
        "at": "2026-01-01T00:00:00Z",
        "dialed_number": "+15550109999",
    }
    answer = api.client.post("/v1/calls/events", headers=api.telephony, json=unknown)
    assert answer.status_code == 404


def test_telephony_endpoints_refuse_a_wrong_secret(api: Api) -> None:
    make_site(api)
    answer = api.client.get(
        "/v1/route",
        headers={"X-Callscope-Secret": "guess"},
        params={"dialed_number": "+15550100201"},
    )
    assert answer.status_code == 401


def test_another_accounts_key_sees_nothing(api: Api) -> None:
    from datetime import UTC, datetime

    from callscope.services.accounts import create_account

    site_id = make_site(api)
    site_key(api, site_id)
    _, other = create_account(api.storage, "Other", datetime.now(UTC))
    headers = {"Authorization": f"Bearer {other}"}
    assert api.client.get(f"/v1/sites/{site_id}", headers=headers).status_code == 404
    assert api.client.get("/v1/calls", headers=headers, params={"site": site_id}).status_code == 404
    report = api.client.get("/v1/reports/channels", headers=headers, params={"site": site_id})
    assert report.status_code == 404
    added = api.client.post(
        f"/v1/sites/{site_id}/numbers",
        headers=headers,
        json={"number": "+15550100555", "kind": "pool"},
    )
    assert added.status_code == 404
    assert api.client.get("/v1/sites", headers=headers).json() == {"sites": []}
    assert api.client.get("/v1/sites", headers={"Authorization": "Bearer cs_x"}).status_code == 401
