"""Consent in a real browser: on a site that needs it, the snippet stores nothing and sends no
visitor id until `window.callscope.consent(true)`, yet swaps a number per channel on every page;
once consent is given, ids are kept and the visit carries on across pages."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Browser, Page, Request

from tests.browser.conftest import Admin, PageServer, page_html, snippet_tag, wait_for_number
from tests.conftest import LiveServer

pytestmark = pytest.mark.e2e

MAIN = "+15550100199"
POOL = ["+15550100142", "+15550100143", "+15550100144", "+15550100145"]
BODY = '<h1>Northside Heating</h1><p id="phone">Call (555) 010-0199</p><a id="next" href="/b">B</a>'


def stored(page: Page) -> dict[str, object]:
    """Everything the page's origin keeps: localStorage and cookies."""
    found: dict[str, object] = page.evaluate(
        "() => ({local: Object.keys(localStorage), cookie: document.cookie})"
    )
    return found


@pytest.mark.parametrize("declared_on_tag", [True, False])
def test_consent_withheld_then_given(
    browser: Browser,
    live_server: LiveServer,
    admin: Admin,
    pages: PageServer,
    declared_on_tag: bool,
) -> None:
    body = {"name": "Shop", "forward_to": MAIN, "allowed_origins": [pages.origin]}
    site = admin._call("POST", "/v1/sites", {**body, "consent_required": True})
    for number in POOL:
        admin.number(site["site_id"], number)
    extra = {"consent": ""} if declared_on_tag else {}
    tag = snippet_tag(f"{live_server.url}/snippet.js", site["site_key"], **extra)
    for path in ("/a", "/b", "/c"):
        pages.add(path, page_html(BODY, tag))
    context = browser.new_context()
    page = context.new_page()
    starts: list[dict[str, object]] = []

    def keep(request: Request) -> None:
        if request.url.endswith("/v1/visits") and request.method == "POST":
            starts.append(json.loads(request.post_data or "{}"))

    page.on("request", keep)

    # Withheld: a number on every page, nothing stored, no visitor id sent.
    page.goto(pages.origin + "/a?utm_source=news&utm_medium=email")
    first = wait_for_number(page)
    assert first in POOL
    assert page.text_content("#phone") != "Call (555) 010-0199"
    page.goto(pages.origin + "/b")
    wait_for_number(page)
    assert stored(page) == {"local": [], "cookie": ""}
    assert len(starts) == 2  # nothing remembered the first visit
    if declared_on_tag:  # the tag says so before the server can: no id leaves the page either
        assert all("visitor_id" not in s for s in starts)

    # Given: ids are stored, and the next page continues the same visit.
    page.evaluate("window.callscope.consent(true)")
    kept = stored(page)["local"]
    assert isinstance(kept, list)
    assert "callscope_id" in kept and f"callscope_v_{site['site_key']}" in kept
    visit_id = page.evaluate("window.callscope.visitId")
    page.goto(pages.origin + "/c")
    wait_for_number(page)
    assert page.evaluate("window.callscope.visitId") == visit_id
    assert len(starts) == 2

    # Withdrawn: what was stored goes.
    page.evaluate("window.callscope.consent(false)")
    assert stored(page) == {"local": [], "cookie": ""}
    context.close()
