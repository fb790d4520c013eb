"""A visitor's journey and form leads in a real browser: page views ride on heartbeats (a
single-page app's route changes too), a submitted form becomes a lead attributed to the visit,
and no request body ever carries a password, a hidden field or a card number."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Request

from tests.browser.conftest import Admin, PageServer, page_html, snippet_tag, wait_for_number
from tests.conftest import LiveServer

pytestmark = pytest.mark.e2e

MAIN = "+15550100199"
POOL = ["+15550100142", "+15550100143"]
NAV = (
    '<nav><a id="to-home" href="/">Home</a> <a id="to-services" href="/services">Services</a> '
    # A tagged link would start a visit of its own (a new campaign click): this one is not.
    '<a id="to-app" href="/app?ref=newsletter&q=boiler">Quote</a> '
    '<a id="to-contact" href="/contact">Contact</a></nav>'
)
PHONE = '<p id="phone">Call (555) 010-0199</p>'
APP = """<main id="app">Pick a service</main><button id="route">Next</button><script>
document.getElementById('route').onclick = function () {
  history.pushState({}, '', '/app/quote?q=my+address&utm_campaign=spring');
  document.title = 'Quote step 2';
  document.getElementById('app').textContent = 'Step 2';
};</script>"""
SECRETS = ("hunter2", "4111 1111 1111 1111", "hidden-csrf-value", "pin-8642", "bot-filled")
FORM = f"""<form id="contact" action="/thanks" method="get">
<input name="name" value="Ann Smith"><input name="email" type="email" value="ann@example.com">
<input name="password" type="password" value="{SECRETS[0]}">
<input name="payment" autocomplete="cc-number" value="{SECRETS[1]}">
<input name="notes" value="{SECRETS[1]}">
<input name="csrf" type="hidden" value="{SECRETS[2]}">
<input name="pin" value="{SECRETS[3]}">
<input name="cs_hp" style="position:absolute;left:-9999px" tabindex="-1" autocomplete="off">
<button id="send" type="submit">Send</button></form>"""


def eventually(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    """The first truthy answer of `check`, polled until `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def make_site(admin: Admin, pages: PageServer, live: LiveServer) -> tuple[int, str]:
    site_id, site_key = admin.site(MAIN, origins=[pages.origin])
    for number in POOL:
        admin.number(site_id, number)
    tag = snippet_tag(f"{live.url}/snippet.js", site_key, heartbeat_seconds="1", forms="")

    def add(path: str, title: str, body: str) -> None:
        pages.add(path, page_html(f"{NAV}{PHONE}{body}", f"<title>{title}</title>{tag}"))

    add("/", "Home", "<h1>Northside Heating</h1>")
    add("/services", "Services", "<h1>Boilers and heat pumps</h1>")
    add("/app", "Quote", APP)
    add("/contact", "Contact us", FORM)
    add("/thanks", "Thanks", "<h1>Thank you</h1>")
    # A single-page app's form: its own handler sends it, the page stays.
    add("/quote", "Quote", FORM.replace("<form ", '<form onsubmit="return false" ', 1))
    return site_id, site_key


def api_bodies(page: Page, live: LiveServer) -> list[str]:
    bodies: list[str] = []

    def keep(request: Request) -> None:
        if request.url.startswith(live.url) and request.method == "POST":
            bodies.append(request.post_data or "")

    page.on("request", keep)
    return bodies


def test_a_journey_and_a_form_lead_with_nothing_sensitive_sent(
    browser: Browser, live_server: LiveServer, admin: Admin, pages: PageServer
) -> None:
    site_id, _ = make_site(admin, pages, live_server)
    context = browser.new_context()
    page = context.new_page()
    bodies = api_bodies(page, live_server)

    page.goto(pages.origin + "/")
    wait_for_number(page)
    visit_id = page.evaluate("window.callscope.visitId")
    page.click("#to-services")
    page.wait_for_url("**/services")
    wait_for_number(page)
    page.click("#to-app")
    page.wait_for_url("**/app*")
    wait_for_number(page)
    page.click("#route")  # a single-page app's route change: no page load

    def paths() -> list[str]:
        found = admin.visit(visit_id)["pages"]
        return [p["url"].removeprefix(pages.origin) for p in found]

    expected = ["/", "/services", "/app", "/app/quote?utm_campaign=spring"]
    assert eventually(lambda: paths() == expected), paths()
    titles = [p["title"] for p in admin.visit(visit_id)["pages"]]
    assert titles == ["Home", "Services", "Quote", "Quote step 2"]
    assert page.evaluate("window.callscope.visitId") == visit_id

    page.click("#to-contact")
    page.wait_for_url("**/contact")
    wait_for_number(page)
    page.click("#send")
    page.wait_for_url("**/thanks*")

    def leads() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = admin._call("GET", f"/v1/leads?site={site_id}")["leads"]
        return found

    inbox = eventually(leads)
    assert len(inbox) == 1, inbox
    lead = inbox[0]
    assert (lead["type"], lead["visit_id"], lead["form_id"]) == ("form", visit_id, "contact")
    assert lead["fields"] == {"name": "Ann Smith", "email": "ann@example.com"}
    assert lead["channel"]["source"] == "(direct)"
    assert lead["journey_length"] >= 4
    form_posts = [b for b in bodies if '"submission_id"' in b]
    assert len(form_posts) == 1
    for body in bodies:
        for secret in SECRETS:
            assert secret not in body, body
        assert "my+address" not in body and "my address" not in body and "newsletter" not in body
    # Every page view rode on a heartbeat: one visit start, no request of its own per page.
    assert sum('"landing_url"' in b for b in bodies) == 1
    context.close()


def test_a_filled_honeypot_sends_the_form_as_spam_and_no_lead_is_kept(
    browser: Browser, live_server: LiveServer, admin: Admin, pages: PageServer
) -> None:
    site_id, _ = make_site(admin, pages, live_server)
    context = browser.new_context()
    page = context.new_page()
    bodies = api_bodies(page, live_server)
    page.goto(pages.origin + "/quote")
    wait_for_number(page)
    page.fill("input[name=cs_hp]", SECRETS[4])
    with page.expect_response("**/v1/forms") as answer:
        page.click("#send")
    assert answer.value.json() == {"lead_id": None}
    assert admin._call("GET", f"/v1/leads?site={site_id}")["leads"] == []
    assert any('"honeypot"' in b for b in bodies)
    context.close()
