"""The snippet in Chromium swaps a site's number wherever the page writes it, in the same format."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

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

US_PAGE = """
<p id="paren">(555) 010-0199</p>
<p id="dashes">555-010-0199</p>
<p id="dots">555.010.0199</p>
<p id="intl">+1 555 010 0199</p>
<p id="digits">15550100199</p>
<p id="split">Call <span class="area">(555)</span> <b>010</b>-0199 today</p>
<p id="sentence">Order 15550100199123 or call 555 010 0199, 24/7</p>
<p><a id="tel" href="tel:+15550100199">Call us</a>
   <a id="tel-dashes" href="tel:555-010-0199">x</a></p>
<div data-callscope-exclude>
  <p id="excluded">(555) 010-0199</p><a id="excluded-tel" href="tel:+15550100199">x</a>
</div>
<textarea id="textarea">(555) 010-0199</textarea>
<input id="input" value="(555) 010-0199">
<script>var written = "(555) 010-0199";</script>
<div id="app"></div>
<p id="ticker">loading</p>
"""

# The SPA part: content rendered after the snippet has swapped the page.
RENDER_LATER = """() => {
  document.getElementById('app').innerHTML =
    '<p id="late">Call <a id="late-tel" href="tel:+15550100199">(555) 010-0199</a></p>';
  document.getElementById('ticker').firstChild.data = 'Office: 555.010.0199';
}"""


def test_every_us_form_of_the_number_is_swapped_in_its_own_format(
    browser: Browser, live_server: LiveServer, admin: Admin, pages: PageServer
) -> None:
    site_id, site_key = admin.site("+15550100199", origins=[pages.origin])
    admin.number(site_id, "+12125550142")
    url = pages.add("/", page_html(US_PAGE, snippet_tag(f"{live_server.url}/snippet.js", site_key)))
    context = browser.new_context()
    recorder = Recorder()
    page = recorder.attach(context.new_page())
    page.goto(url)

    assert wait_for_number(page) == "+12125550142"
    assert page.text_content("#paren") == "(212) 555-0142"
    assert page.text_content("#dashes") == "212-555-0142"
    assert page.text_content("#dots") == "212.555.0142"
    assert page.text_content("#intl") == "+1 212 555 0142"
    assert page.text_content("#digits") == "12125550142"
    assert page.inner_html("#split") == 'Call <span class="area">(212)</span> <b>555</b>-0142 today'
    assert page.text_content("#sentence") == "Order 15550100199123 or call 212 555 0142, 24/7"
    assert page.get_attribute("#tel", "href") == "tel:+12125550142"
    assert page.get_attribute("#tel-dashes", "href") == "tel:212-555-0142"
    assert page.text_content("#excluded") == "(555) 010-0199"
    assert page.get_attribute("#excluded-tel", "href") == "tel:+15550100199"
    assert page.input_value("#textarea") == "(555) 010-0199"
    assert page.input_value("#input") == "(555) 010-0199"
    assert page.evaluate("written") == "(555) 010-0199"

    page.evaluate(RENDER_LATER)
    expect(page.locator("#late")).to_have_text("Call (212) 555-0142")
    expect(page.locator("#late-tel")).to_have_attribute("href", "tel:+12125550142")
    expect(page.locator("#ticker")).to_have_text("Office: 212.555.0142")
    assert recorder.errors == []
    assert recorder.script_console() == []
    context.close()


@pytest.mark.parametrize(
    ("main_number", "pool_number", "written", "expected"),
    [
        pytest.param(
            "+442079460958",
            "+442079460142",
            ["+44 20 7946 0958", "020 7946 0958", "(020) 7946 0958", "0044 20 7946 0958"],
            ["+44 20 7946 0142", "020 7946 0142", "(020) 7946 0142", "0044 20 7946 0142"],
            id="uk",
        ),
        pytest.param(
            "+74951234567",
            "+74957654321",
            ["+7 (495) 123-45-67", "8 (495) 123-45-67", "+7\u00a0495\u00a0123\u201145\u201167"],
            ["+7 (495) 765-43-21", "8 (495) 765-43-21", "+7\u00a0495\u00a0765\u201143\u201121"],
            id="ru-trunk-8",
        ),
    ],
)
def test_international_and_trunk_prefix_forms_keep_their_format(
    browser: Browser,
    live_server: LiveServer,
    admin: Admin,
    pages: PageServer,
    main_number: str,
    pool_number: str,
    written: list[str],
    expected: list[str],
) -> None:
    site_id, site_key = admin.site(main_number, origins=[pages.origin])
    admin.number(site_id, pool_number)
    body = "".join(f'<p id="n{i}">{text}</p>' for i, text in enumerate(written))
    body += f'<a id="tel" href="tel:{main_number}">call</a>'
    url = pages.add("/", page_html(body, snippet_tag(f"{live_server.url}/snippet.js", site_key)))
    context = browser.new_context()
    page = context.new_page()
    page.goto(url)

    assert wait_for_number(page) == pool_number
    assert [page.text_content(f"#n{i}") for i in range(len(written))] == expected
    assert page.get_attribute("#tel", "href") == f"tel:{pool_number}"
    context.close()


def test_extension_mode_shows_the_code_next_to_the_shared_number(
    browser: Browser, live_server: LiveServer, admin: Admin, pages: PageServer
) -> None:
    site_id, site_key = admin.site("+15550100199", origins=[pages.origin])
    admin.number(site_id, "+15550100150", kind="extension")
    body = '<p id="n">Call 555-010-0199 now</p><a id="tel" href="tel:+15550100199">call</a>'
    url = pages.add("/", page_html(body, snippet_tag(f"{live_server.url}/snippet.js", site_key)))
    context = browser.new_context()
    page = context.new_page()
    page.goto(url)

    assert wait_for_number(page) == "+15550100150"
    visit = admin.visit(page.evaluate("window.callscope.visitId"))
    ext = visit["ext"]
    assert visit["mode"] == "extension"
    assert ext and ext.isdigit()
    assert page.text_content("#n") == f"Call 555-010-0150 ext. {ext} now"
    assert page.get_attribute("#tel", "href") == f"tel:+15550100150,{ext}"
    # Content rendered later gets the code once, and the page's own number only once.
    page.evaluate("document.getElementById('n').append(' or 555-010-0199')")
    expect(page.locator("#n")).to_have_text(
        f"Call 555-010-0150 ext. {ext} now or 555-010-0150 ext. {ext}"
    )
    context.close()
