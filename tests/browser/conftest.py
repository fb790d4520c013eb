"""Browser fixtures: one headless Chromium, test pages served on loopback, the admin API of a
live server, and a recorder of what a page printed or requested."""

from __future__ import annotations

import html
import http.server
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, Request, sync_playwright

from tests.conftest import LiveServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# Chromium itself logs every failed load ("Failed to load resource: net::ERR_CONNECTION_REFUSED");
# a page cannot silence that, so it is the one console error a failing API may leave.
BROWSER_NETWORK_LOG = "Failed to load resource"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing (make test installs Debian's chromium)")
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageServer:
    """Serves HTML pages from 127.0.0.1 on a port of its own: another origin than the API,
    and loopback like it, so Chromium's private network rules let the page call the API."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(http.server.BaseHTTPRequestHandler):
            timeout = 10

            def do_GET(self) -> None:
                body = pages.get(self.path.split("?")[0])
                data = (body or "not found").encode()
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def add(self, path: str, page_html: str) -> str:
        """Serve `page_html` at `path`; returns its URL."""
        self.pages[path] = page_html
        return self.origin + path

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def pages() -> Iterator[PageServer]:
    server = PageServer()
    yield server
    server.close()


def snippet_tag(src: str, site_key: str, **data: str) -> str:
    """The script tag a site pastes, with extra data-* attributes (`heartbeat_seconds="1"`)."""
    attrs = "".join(
        f' data-{name.replace("_", "-")}="{html.escape(value)}"' for name, value in data.items()
    )
    return f'<script src="{src}" data-site="{html.escape(site_key)}"{attrs} async></script>'


def page_html(body: str, tag: str) -> str:
    # An empty icon keeps Chromium from asking for /favicon.ico (a 404 in the console).
    return (
        '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">'
        f"{tag}</head><body>{body}</body></html>"
    )


@dataclass
class Admin:
    """The admin API of a live server, as a site owner uses it."""

    live: LiveServer

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.request(
            method,
            self.live.url + path,
            json=body,
            headers={"Authorization": f"Bearer {self.live.api_key}"},
            timeout=10,
        )
        assert response.status_code in (200, 201), response.text
        return response.json()

    def site(
        self, forward_to: str, *, origins: list[str], replace: list[str] | None = None
    ) -> tuple[int, str]:
        """A new site; returns (site_id, site_key)."""
        body = {"name": "Northside Heating", "forward_to": forward_to, "allowed_origins": origins}
        if replace:
            body["replace_numbers"] = replace
        created = self._call("POST", "/v1/sites", body)
        return int(created["site_id"]), str(created["site_key"])

    def number(self, site_id: int, number: str, kind: str = "pool") -> None:
        self._call("POST", f"/v1/sites/{site_id}/numbers", {"number": number, "kind": kind})

    def visit(self, visit_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self._call("GET", f"/v1/visits/{visit_id}")
        return found


@pytest.fixture
def admin(live_server: LiveServer) -> Admin:
    return Admin(live_server)


@dataclass
class Recorder:
    """What a page printed to the console, threw, and asked of the visit API."""

    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> Page:
        page.on("console", self._on_console)
        page.on("pageerror", self._on_error)
        page.on("request", self._on_request)
        return page

    def _on_console(self, message: ConsoleMessage) -> None:
        self.console.append(f"{message.type}: {message.text}")

    def _on_error(self, error: Error) -> None:
        self.errors.append(str(error))

    def _on_request(self, request: Request) -> None:
        if "/v1/visits" in request.url and request.method == "POST":
            self.requests.append(request.url.split("/v1/visits", 1)[1] or "/")

    @property
    def visits_started(self) -> int:
        return self.requests.count("/")

    @property
    def heartbeats(self) -> int:
        return sum(1 for path in self.requests if path.endswith("/heartbeat"))

    def script_console(self) -> list[str]:
        """Console output other than Chromium's own log of a failed network load."""
        return [line for line in self.console if BROWSER_NETWORK_LOG not in line]


def wait_for_number(page: Page, timeout_ms: float = 5000) -> str:
    """Wait until the snippet has a number for this page; returns it."""
    page.wait_for_function("() => window.callscope && window.callscope.number", timeout=timeout_ms)
    number: str = page.evaluate("window.callscope.number")
    return number
