"""Visits as the server records them when a real browser runs the snippet: one number per visit,
the channel it came from, and a lease kept alive by heartbeats."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import (
    Admin,
    PageServer,
    Recorder,
    page_html,
    snippet_tag,
    wait_for_number,
)
from tests.conftest import LiveServer

pytestmark = pytest.mark.e2e

MAIN = "+15550100199"
POOL = ["+15550100142", "+15550100143", "+15550100144"]
WRITTEN = {
    "+15550100142": "(555) 010-0142",
    "+15550100143": "(555) 010-0143",
    "+15550100144": "(555) 010-0144",
}
BODY = '<h1>Northside Heating</h1><p id="phone">Call (555) 010-0199</p>'


def make_site(admin: Admin, pages: PageServer, live: LiveServer, **data: str) -> str:
    """A site with a pool, its pages at /, /services and /contact; returns the site key."""
    site_id, site_key = admin.site(MAIN, origins=[pages.origin])
    for number in POOL:
        admin.number(site_id, number)
    tag = snippet_tag(f"{live.url}/snippet.js", site_key, **data)
    for path in ("/", "/services", "/contact"):
        pages.add(path, page_html(BODY, tag))
    return site_key


def visit_of(page: Page, admin: Admin) -> dict[str, Any]:
    wait_for_number(page)
    return admin.visit(page.evaluate("window.callscope.visitId"))


def test_one_visit_shows_one_number_on_every_page(
    browser: Browser, live_server: LiveServer, admin: Admin, pages: PageServer
) -> None:
    make_site(admin, pages, live_server)
    context = browser.new_context()
    recorder = Recorder()
    page = recorder.attach(context.new_page())
    seen = []
    for path in ("/", "/services", "/contact"):
        page.goto(pages.origin + path)
        number = wait_for_number(page)
        seen.append((page.evaluate("window.callscope.visitId"), number))
        assert page.text_content("#phone") == "Call " + WRITTEN[number]

    assert len(set(seen)) == 1
    assert seen[0][1] in POOL
    assert recorder.visits_started == 1
    assert recorder.heartbeats == 2  # pages two and three extend the visit they belong to
    context.close()


def test_a_second_visitor_gets_a_different_number(
    browser: Browser, live_server: LiveServer, admin: Admin, pages: PageServer
) -> None:
    make_site(admin, pages, live_server)
    numbers = []
    contexts = [browser.new_context() for _ in range(2)]
    for context in contexts:
        page = context.new_page()
        page.goto(pages.origin + "/")
        numbers.append(wait_for_number(page))
    assert numbers[0] != numbers[1]
    assert set(numbers) <= set(POOL)
    for context in contexts:
        context.close()


@pytest.mark.parametrize(
    ("query", "referrer", "source", "medium"),
    [
        ("?utm_source=newsletter&utm_medium=email&utm_campaign=x", None, "newsletter", "email"),
        ("?gclid=Cj0KCQ-test", None, "google", "cpc"),
        ("", "https://www.google.com/search?q=boiler+repair", "google", "organic"),
    ],
    ids=["utm", "gclid", "search-referrer"],
)
def test_the_visit_gets_the_channel_of_its_landing(
    browser: Browser,
    live_server: LiveServer,
    admin: Admin,
    pages: PageServer,
    query: str,
    referrer: str | None,
    source: str,
    medium: str,
) -> None:
    make_site(admin, pages, live_server)
    context = browser.new_context()
    page = context.new_page()
    page.goto(pages.origin + "/" + query, referer=referrer)
    visit = visit_of(page, admin)
    assert (visit["channel"]["source"], visit["channel"]["medium"]) == (source, medium)
    if query.startswith("?gclid"):
        assert visit["click_ids"] == {"gclid": "Cj0KCQ-test"}
    context.close()


def test_first_touch_is_kept_for_later_visits_until_a_new_paid_click(
    browser: Browser, live_server: LiveServer, admin: Admin, pages: PageServer
) -> None:
    site_key = make_site(admin, pages, live_server)
    context = browser.new_context()
    page = context.new_page()
    end_visit = f"localStorage.removeItem('callscope_v_{site_key}')"

    page.goto(pages.origin + "/?utm_source=newsletter&utm_medium=email")
    first = visit_of(page, admin)
    page.evaluate(end_visit)  # the visit is over; the visitor comes back directly later
    page.goto(pages.origin + "/contact")
    returning = visit_of(page, admin)
    page.goto(pages.origin + "/services?gclid=new-click")
    clicked = visit_of(page, admin)
    page.evaluate(end_visit)
    page.goto(pages.origin + "/")
    after_click = visit_of(page, admin)

    assert returning["visit_id"] != first["visit_id"]
    assert returning["visitor_id"] == first["visitor_id"]
    assert returning["channel"]["source"] == "newsletter"
    assert clicked["visit_id"] != returning["visit_id"]  # a new paid click starts a new visit
    assert (clicked["channel"]["source"], clicked["channel"]["medium"]) == ("google", "cpc")
    assert (after_click["channel"]["source"], after_click["channel"]["medium"]) == ("google", "cpc")
    context.close()


HIDDEN = "Object.defineProperty(document, 'visibilityState', {get: () => 'hidden'});"


def test_heartbeats_extend_the_lease_while_the_page_is_visible(
    browser: Browser, live_server: LiveServer, admin: Admin, pages: PageServer
) -> None:
    make_site(admin, pages, live_server, heartbeat_seconds="1")
    visible, hidden = browser.new_context(), browser.new_context()
    hidden.add_init_script(HIDDEN)
    recorders = {"visible": Recorder(), "hidden": Recorder()}
    shown = recorders["visible"].attach(visible.new_page())
    background = recorders["hidden"].attach(hidden.new_page())
    shown.goto(pages.origin + "/")
    background.goto(pages.origin + "/")
    before = {"visible": visit_of(shown, admin), "hidden": visit_of(background, admin)}

    shown.wait_for_timeout(2600)
    after = {name: admin.visit(visit["visit_id"]) for name, visit in before.items()}

    def expiry(visit: dict[str, Any]) -> datetime:
        return datetime.fromisoformat(visit["expires_at"])

    assert recorders["visible"].heartbeats >= 1
    assert expiry(after["visible"]) > expiry(before["visible"])
    assert recorders["hidden"].heartbeats == 0
    assert expiry(after["hidden"]) == expiry(before["hidden"])
    visible.close()
    hidden.close()


NO_LOCAL_STORAGE = """Object.defineProperty(window, 'localStorage', {
  get() { throw new DOMException('denied', 'SecurityError'); }
});"""


def test_without_local_storage_the_visit_lives_in_a_first_party_cookie(
    browser: Browser, live_server: LiveServer, admin: Admin, pages: PageServer
) -> None:
    site_key = make_site(admin, pages, live_server)
    context = browser.new_context()
    context.add_init_script(NO_LOCAL_STORAGE)
    recorder = Recorder()
    page = recorder.attach(context.new_page())
    seen = []
    for path in ("/?utm_source=newsletter&utm_medium=email", "/contact"):
        page.goto(pages.origin + path)
        number = wait_for_number(page)
        seen.append((page.evaluate("window.callscope.visitId"), number))

    cookies = {cookie["name"] for cookie in context.cookies()}
    assert {f"callscope_v_{site_key}", f"callscope_ft_{site_key}", "callscope_id"} <= cookies
    assert seen[0] == seen[1]
    assert recorder.visits_started == 1
    assert recorder.errors == []
    context.close()
