"""A lead's worth back to the ad platforms, on SQLite and PostgreSQL: a won lead with a value goes
into the Google Ads offline conversions export and the GA4 events with its value and currency,
a change of a lead queues `lead.updated`, and reports show revenue and ROAS once spend is in."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import Api

FORWARD = "+15550100199"
ADS = "https://shop.test/?gclid=CLICK-1&utm_source=google&utm_medium=cpc"


@pytest.fixture
def won(api: Api) -> tuple[int, str]:
    """A site whose Google Ads visitor sent a form that was won for 300; (site id, lead id)."""
    site = api.client.post(
        "/v1/sites", headers=api.admin, json={"name": "Shop", "forward_to": FORWARD}
    ).json()
    site_id = int(site["site_id"])
    hook = {"url": "https://hooks.example/in", "events": ["lead.updated"]}
    made = api.client.post(f"/v1/sites/{site_id}/webhooks", headers=api.admin, json=hook)
    assert made.status_code == 201, made.text
    shown = api.client.post(
        "/v1/visits",
        json={"site_key": site["site_key"], "landing_url": ADS, "ga_client_id": "111.222"},
    ).json()
    lead_ids = []
    for n, visit_id in enumerate([shown["visit_id"], None]):
        body = {"site_key": site["site_key"], "visit_id": visit_id, "submission_id": f"sub-0000{n}"}
        lead_ids.append(api.client.post("/v1/forms", json=body).json()["lead_id"])
    first, second = lead_ids
    value = {"status": "won", "value": 300}
    assert api.client.patch(f"/v1/leads/{first}", headers=api.admin, json=value).is_success
    # Won without a value: nothing to report to the ad platforms.
    won = {"status": "won"}
    assert api.client.patch(f"/v1/leads/{second}", headers=api.admin, json=won).is_success
    return site_id, first


def test_a_won_lead_goes_to_google_ads_with_its_value_and_currency(
    api: Api, won: tuple[int, str]
) -> None:
    site_id, _ = won
    params: dict[str, Any] = {
        "site": site_id,
        "conversions": "won_leads",
        "conversion_name": "Won lead",
        "currency": "eur",
    }
    answer = api.client.get("/v1/integrations/google-ads.csv", headers=api.admin, params=params)
    assert answer.status_code == 200, answer.text
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0] == ["Parameters:TimeZone=UTC"]
    assert rows[1][3:] == ["Conversion Value", "Conversion Currency"]
    assert len(rows) == 3
    assert (rows[2][0], rows[2][1], rows[2][3], rows[2][4]) == (
        "CLICK-1",
        "Won lead",
        "300.00",
        "EUR",
    )
    bad = api.client.get(
        "/v1/integrations/google-ads.csv",
        headers=api.admin,
        params={**params, "conversions": "everything"},
    )
    assert bad.status_code == 422


def test_a_won_lead_goes_to_ga4_with_its_value(api: Api, won: tuple[int, str]) -> None:
    site_id, lead_id = won
    params = {"site": site_id, "conversions": "won_leads", "currency": "GBP"}
    found = api.client.get("/v1/integrations/ga4", headers=api.admin, params=params).json()
    (payload,) = found["payloads"]
    assert payload["client_id"] == "111.222"
    (event,) = payload["events"]
    assert event["name"] == "close_convert_lead"
    assert event["params"]["value"] == 300 and event["params"]["currency"] == "GBP"
    assert event["params"]["lead_id"] == lead_id


def test_changing_a_lead_queues_lead_updated(api: Api, won: tuple[int, str]) -> None:
    site_id, lead_id = won
    found = api.client.get(f"/v1/sites/{site_id}/webhooks/deliveries", headers=api.admin).json()
    types = [d["type"] for d in found["deliveries"]]
    assert types == ["lead.updated", "lead.updated"]  # each change of the two leads
    assert any(d["event_id"].startswith(lead_id) for d in found["deliveries"])


def test_reports_show_revenue_and_roas_once_spend_is_imported(
    api: Api, won: tuple[int, str]
) -> None:
    site_id, _ = won
    query = {"site": site_id, "by": "source"}
    before = api.client.get("/v1/reports/channels", headers=api.admin, params=query).json()
    assert before["totals"]["revenue"] is None  # no spend: no return on it to show
    entry = {
        "date": datetime.now(UTC).date().isoformat(),
        "source": "google",
        "medium": "cpc",
        "cost": "100",
        "currency": "USD",
    }
    spent = api.client.post(
        "/v1/spend", json={"site": site_id, "entries": [entry]}, headers=api.admin
    )
    assert spent.is_success, spent.text
    after = api.client.get("/v1/reports/channels", headers=api.admin, params=query).json()
    rows = {row["source"]: row for row in after["rows"]}
    assert (rows["google"]["revenue"], rows["google"]["cost"], rows["google"]["roas"]) == (
        300.0,
        100.0,
        3.0,
    )
    assert after["totals"]["revenue"] == 300.0
    linear = api.client.get(
        "/v1/reports/channels", headers=api.admin, params={**query, "model": "linear"}
    ).json()
    credited = {row["source"]: row for row in linear["rows"]}
    assert (credited["google"]["revenue"], credited["google"]["roas"]) == (300.0, 3.0)
    assert linear["totals"]["leads"] == 2 and linear["totals"]["revenue"] == 300.0
