"""When callscope cannot or should not give a number, the page keeps its own, quietly."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Route, expect

from callscope.web import snippet_js
from tests.browser.conftest import PageServer, Recorder, page_html, snippet_tag
from tests.conftest import LiveServer, free_port

pytestmark = pytest.mark.e2e

BODY = '<p id="phone">Call (555) 010-0199</p><a id="tel" href="tel:+15550100199">Call now</a>'
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


class SilentServer:
    """Accepts connections and never answers: an API slower than any page will wait for."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            self._held.append(connection)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for connection in self._held:
            connection.close()
        self._listener.close()


@pytest.fixture
def silent_api() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


def serve_snippet(route: Route) -> None:
    route.fulfill(body=snippet_js(), content_type="application/javascript")


def test_an_unreachable_api_leaves_the_page_as_written_without_errors(
    browser: Browser, pages: PageServer
) -> None:
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    url = pages.add("/", page_html(BODY, snippet_tag(f"{down}/snippet.js", "site-key")))
    context = browser.new_context()
    context.route(f"{down}/snippet.js", serve_snippet)
    recorder = Recorder()
    page = recorder.attach(context.new_page())
    page.goto(url)
    page.wait_for_function("() => window.callscope !== undefined")
    page.wait_for_timeout(500)

    assert recorder.visits_started == 1
    assert page.text_content("#phone") == "Call (555) 010-0199"
    assert page.get_attribute("#tel", "href") == "tel:+15550100199"
    assert page.evaluate("window.callscope.number") is None
    assert recorder.errors == []
    assert recorder.script_console() == []
    context.close()


def test_a_slow_api_is_given_up_after_two_seconds_and_hides_nothing_for_longer_than_one(
    browser: Browser, pages: PageServer, silent_api: SilentServer
) -> None:
    tag = snippet_tag(f"{silent_api.origin}/snippet.js", "site-key", anti_flicker="")
    url = pages.add("/", page_html(BODY, tag))
    context = browser.new_context()
    context.route(f"{silent_api.origin}/snippet.js", serve_snippet)
    recorder = Recorder()
    page = recorder.attach(context.new_page())
    aborted: list[str] = []
    page.on("requestfailed", lambda request: aborted.append(request.url))
    page.goto(url)

    expect(page.locator("#tel")).to_be_hidden()
    hidden_at = time.monotonic()
    expect(page.locator("#tel")).to_be_visible(timeout=1500)
    assert time.monotonic() - hidden_at < 1.3
    assert aborted == []  # revealed by the one-second cap while the API was still silent
    page.wait_for_timeout(1500)
    assert aborted == [f"{silent_api.origin}/v1/visits"]
    assert page.text_content("#phone") == "Call (555) 010-0199"
    assert recorder.errors == []
    assert recorder.console == []
    context.close()


def test_known_crawlers_do_not_ask_for_a_number(
    browser: Browser, live_server: LiveServer, pages: PageServer
) -> None:
    url = pages.add("/", page_html(BODY, snippet_tag(f"{live_server.url}/snippet.js", "any-key")))
    context = browser.new_context(user_agent=GOOGLEBOT)
    recorder = Recorder()
    page = recorder.attach(context.new_page())
    page.goto(url)
    page.wait_for_load_state("networkidle")

    assert recorder.requests == []
    assert page.evaluate("window.callscope") is None
    assert page.text_content("#phone") == "Call (555) 010-0199"
    context.close()
