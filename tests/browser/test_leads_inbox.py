"""The leads inbox in Chromium against a real server: a form lead and a call lead with their
channels and journeys, triaged (status, value, notes) from the page, the change read back from
the API. CALLSCOPE_DOCS_SCREENSHOTS=1 also refreshes docs/dashboard-leads.png."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser

from tests.browser.conftest import Admin
from tests.browser.test_dashboard import screenshot
from tests.conftest import LiveServer, create_person

pytestmark = pytest.mark.e2e

MAIN = "+15550100199"
POOL = "+15550100142"
ADS = "https://northside.example/?utm_source=google&utm_medium=cpc&utm_campaign=boilers"


def seed(live: LiveServer, admin: Admin) -> int:
    site_id, site_key = admin.site(MAIN, origins=[])
    admin.number(site_id, POOL)
    shown = httpx.post(
        live.url + "/v1/visits", json={"site_key": site_key, "landing_url": ADS}
    ).json()
    now = datetime.now(UTC).isoformat()
    pages = [{"url": "https://northside.example/boilers", "title": "Boilers", "at": now}]
    httpx.post(f"{live.url}/v1/visits/{shown['visit_id']}/heartbeat", json={"pages": pages})
    form = {
        "site_key": site_key,
        "visit_id": shown["visit_id"],
        "form_id": "quote",
        "submission_id": "quote-00001",
        "fields": {"name": "Ann Smith", "email": "ann@example.com"},
    }
    httpx.post(live.url + "/v1/forms", json=form).raise_for_status()
    call = {
        "call_id": "CA-inbox-1",
        "event": "started",
        "at": datetime.now(UTC).isoformat(),
        "dialed_number": POOL,
        "caller": "+12125550123",
    }
    headers = {"X-Callscope-Secret": live.telephony_secret}
    httpx.post(live.url + "/v1/calls/events", json=call, headers=headers).raise_for_status()
    return site_id


def test_triaging_a_lead_from_the_inbox(
    browser: Browser, live_server: LiveServer, admin: Admin, tmp_path: Path
) -> None:
    site_id = seed(live_server, admin)
    page = browser.new_page(viewport={"width": 1440, "height": 600})
    email, password = create_person(live_server.env, "owner@northside.example")
    page.goto(live_server.url + "/dashboard")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("#signin-form button[type=submit]")
    page.click("nav >> text=Leads")
    page.wait_for_url(f"**/dashboard/sites/{site_id}/leads")
    rows = page.locator("#leads tbody tr")
    assert rows.count() == 2
    texts = [rows.nth(i).inner_text().lower() for i in range(2)]
    assert any("form" in t and "ann smith" in t and "google" in t for t in texts), texts
    assert any("call" in t and "google" in t for t in texts), texts

    form_row = page.locator("#leads tbody tr", has_text="Ann Smith")
    form_row.locator("select[name=status]").select_option("won")
    form_row.locator("input[name=value]").fill("1,250.50")
    form_row.locator("input[name=notes]").fill("Boiler replacement booked")
    form_row.locator("button[type=submit]").click()
    page.wait_for_url(f"**/dashboard/sites/{site_id}/leads")
    form_row = page.locator("#leads tbody tr", has_text="Ann Smith")
    assert form_row.locator("select[name=status]").input_value() == "won"
    assert form_row.locator("input[name=value]").input_value() == "1250.50"
    screenshot(page, "dashboard-leads.png", tmp_path, full_page=False)

    leads = admin._call("GET", f"/v1/leads?site={site_id}")["leads"]
    (won,) = [lead for lead in leads if lead["type"] == "form"]
    assert (won["status"], won["value"], won["notes"]) == (
        "won",
        1250.5,
        "Boiler replacement booked",
    )
    assert won["journey_length"] == 2
    page.close()
