"""Setting up from the dashboard in Debian's Chromium against a real server, the way a new
user does after `callscope user create`: set a password from the printed link, sign in, create
a site, paste numbers, add a webhook and watch its test delivery arrive, create and revoke a
key; a CSRF-less post and an analyst's changes are refused; an agency's person sees only the
client workspaces granted.
CALLSCOPE_DOCS_SCREENSHOTS=1 also refreshes the screenshots in docs/."""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page

from callscope.services.webhooks import verify_signature
from tests.browser.test_dashboard import screenshot
from tests.conftest import create_key, free_port, server_env, start_server, stop_server

pytestmark = pytest.mark.e2e
PASSWORD = "a long enough passphrase"


@dataclass(frozen=True)
class Server:
    url: str
    api_key: str
    env: dict[str, str]

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.api_key}"}
        answer = httpx.request(method, self.url + path, headers=headers, timeout=10, **kwargs)
        answer.raise_for_status()
        return answer.json() if answer.content else None

    def cli(self, *args: str, stdin: str | None = None) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-m", "callscope", *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout.strip().splitlines()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """A fresh server (account 1 and its key), delivering webhooks every half second."""
    port = free_port()
    env = server_env(
        f"sqlite:///{tmp_path / 'manage.db'}",
        CALLSCOPE_PUBLIC_URL=f"http://127.0.0.1:{port}",
        CALLSCOPE_WEBHOOK_INTERVAL_SECONDS="0.5",
    )
    key = create_key(env)
    process = start_server(env, port, tmp_path / "server.log")
    try:
        yield Server(f"http://127.0.0.1:{port}", key, env)
    finally:
        stop_server(process)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def person(server: Server, email: str, role: str) -> None:
    server.cli(
        "user",
        "create",
        email,
        "--account",
        "1",
        "--role",
        role,
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )


def sign_in(page: Page, server: Server, email: str, password: str = PASSWORD) -> None:
    page.goto(server.url + "/dashboard")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("#signin-form button[type=submit]")


class Receiver:
    """A webhook receiver on loopback that keeps what it was sent."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        received = self.received

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_port}/hooks/callscope"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def test_a_new_owner_sets_a_password_from_the_printed_link_and_signs_in(
    page: Page, server: Server, tmp_path: Path
) -> None:
    lines = server.cli("user", "create", "ana@acme.example", "--account", "1", "--role", "owner")
    link = lines[-1]
    assert link.startswith(server.url + "/dashboard/password?token=")
    page.goto(link)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.click("button[type=submit]")
    assert page.locator(".notice").inner_text() == "Your password is set. Sign in with it."
    sign_in(page, server, "ana@acme.example", "a wrong passphrase")
    assert page.locator(".error").inner_text() == "Wrong e-mail or password."
    screenshot(page, "dashboard-signin.png", tmp_path)
    sign_in(page, server, "ana@acme.example")
    page.wait_for_url("**/dashboard")
    assert page.locator("h1").inner_text() == "No sites yet"
    assert page.locator(".who").inner_text().startswith("ana@acme.example")
    page.goto(link)  # the link was single-use
    assert "expired or was used" in page.locator(".error").inner_text()


def test_a_form_without_its_csrf_token_is_refused(page: Page, server: Server) -> None:
    person(server, "ana@acme.example", "owner")
    sign_in(page, server, "ana@acme.example")
    page.goto(server.url + "/dashboard/new-site")
    page.fill("input[name=name]", "Forged")
    page.fill("input[name=forward_to]", "+15550100150")
    page.evaluate("document.querySelector('#new-site-form input[name=csrf_token]').remove()")
    page.click("#new-site-form button[type=submit]")
    assert page.locator("h1").inner_text() == "Form refused"
    assert server.api("GET", "/v1/sites")["sites"] == []


def test_an_owner_creates_a_site_and_pastes_its_numbers(
    page: Page, server: Server, tmp_path: Path
) -> None:
    person(server, "ana@acme.example", "owner")
    sign_in(page, server, "ana@acme.example")
    page.click("#create-first-site")
    page.fill("input[name=name]", "Acme Plumbing")
    page.fill("input[name=forward_to]", "(555) 010-0150")
    page.select_option("select[name=timezone]", "America/Chicago")
    page.fill("textarea[name=allowed_origins]", "https://acme.example")
    screenshot(page, "dashboard-new-site.png", tmp_path)
    page.click("#new-site-form button[type=submit]")
    assert "Site created" in page.locator("#notice").inner_text()
    (site,) = server.api("GET", "/v1/sites")["sites"]
    assert (site["forward_to"], site["timezone"], site["allowed_origins"]) == (
        "+15550100150",
        "America/Chicago",
        ["https://acme.example"],
    )
    assert f'data-site="{site["site_key"]}"' in page.locator("#snippet-tag").input_value()
    page.fill("#numbers-form textarea[name=numbers]", "+15550100401\n(555) 010-0402\n555.010.0403")
    page.click("#numbers-form button[type=submit]")
    assert page.locator("#notice").inner_text() == "Numbers added."
    assert page.locator("#numbers tbody tr").count() == 3
    page.fill("#numbers-form textarea[name=numbers]", "+15550100101")
    page.select_option("#numbers-form select[name=kind]", "static")
    page.fill("#numbers-form input[name=source]", "radio")
    page.fill("#numbers-form input[name=medium]", "offline")
    page.click("#numbers-form button[type=submit]")
    numbers = server.api("GET", f"/v1/sites/{site['site_id']}/numbers")["numbers"]
    assert sorted((n["number"], n["kind"]) for n in numbers) == [
        ("+15550100101", "static"),
        ("+15550100401", "pool"),
        ("+15550100402", "pool"),
        ("+15550100403", "pool"),
    ]
    screenshot(page, "dashboard-numbers.png", tmp_path)


def test_a_webhook_is_added_and_its_test_delivery_arrives_signed(
    page: Page, server: Server
) -> None:
    person(server, "ana@acme.example", "admin")
    site = server.api("POST", "/v1/sites", json={"name": "Acme", "forward_to": "+15550100150"})
    receiver = Receiver()
    try:
        sign_in(page, server, "ana@acme.example")
        page.goto(f"{server.url}/dashboard/sites/{site['site_id']}/setup")
        page.fill("#webhook-form input[name=url]", receiver.url)
        page.click("#webhook-form button[type=submit]")
        secret = page.locator("#webhook-secret").input_value()
        assert secret.startswith("whsec_")
        page.click("#webhooks .test-webhook")
        assert "Test event queued" in page.locator("#notice").inner_text()
        row = page.locator("#deliveries tbody tr[data-event^='test:']")
        for _ in range(40):
            if "delivered" in row.inner_text():
                break
            page.wait_for_timeout(250)
            page.reload()
        assert "delivered" in row.inner_text()
        ((headers, body),) = receiver.received
        assert headers["x-callscope-event"] == "webhook.test"
        assert verify_signature(secret, headers["x-callscope-signature"], body, datetime.now(UTC))
    finally:
        receiver.close()


def test_a_key_is_shown_once_and_revoked(page: Page, server: Server, tmp_path: Path) -> None:
    person(server, "ana@acme.example", "owner")
    sign_in(page, server, "ana@acme.example")
    page.goto(server.url + "/dashboard/keys")
    page.select_option("#key-create-form select[name=scope]", "read")
    page.click("#key-create-form button[type=submit]")
    key = page.locator("#new-key").input_value()
    bearer = {"Authorization": f"Bearer {key}"}
    assert httpx.get(server.url + "/v1/sites", headers=bearer).is_success
    screenshot(page, "dashboard-keys.png", tmp_path, full_page=False)
    page.goto(server.url + "/dashboard/keys")  # a page shown again no longer holds the key
    assert page.locator("#new-key").count() == 0 and key not in page.content()
    page.on("dialog", lambda dialog: dialog.accept())
    page.locator(f"#keys tr[data-prefix='{key[:8]}'] button").click()
    assert page.locator("#notice").inner_text() == "Key revoked: it stopped working at once."
    assert httpx.get(server.url + "/v1/sites", headers=bearer).status_code == 401


def test_an_analyst_is_offered_no_changes_and_a_forced_one_is_refused(
    page: Page, server: Server
) -> None:
    site = server.api("POST", "/v1/sites", json={"name": "Acme", "forward_to": "+15550100150"})
    person(server, "sam@acme.example", "analyst")
    sign_in(page, server, "sam@acme.example")
    page.goto(f"{server.url}/dashboard/sites/{site['site_id']}/setup")
    assert page.locator("main form").count() == 0
    assert page.locator("#snippet-tag").count() == 1  # but sees the setup
    token = page.locator(".signout input[name=csrf_token]").input_value()
    forced = page.request.post(
        f"{server.url}/dashboard/sites/{site['site_id']}/numbers",
        form={"csrf_token": token, "numbers": "+15550100401", "kind": "pool"},
    )
    assert forced.status == 403 and "Read-only" in forced.text()
    assert server.api("GET", f"/v1/sites/{site['site_id']}/numbers")["numbers"] == []


def test_an_agency_user_sees_only_the_client_workspaces_granted(page: Page, server: Server) -> None:
    mine = server.api("POST", "/v1/sites", json={"name": "Bakery", "forward_to": "+15550100150"})
    other = server.api("POST", "/v1/sites", json={"name": "Dentist", "forward_to": "+15550100151"})
    ids = ["--account", "1"]
    bakery = server.cli("workspace", "create", "Bakery client", *ids)[-1]
    dentist = server.cli("workspace", "create", "Dentist client", *ids)[-1]
    server.cli("workspace", "add-site", bakery, "--site", str(mine["site_id"]), *ids)
    server.cli("workspace", "add-site", dentist, "--site", str(other["site_id"]), *ids)
    person(server, "kim@agency.example", "admin")
    server.cli("workspace", "grant", bakery, "kim@agency.example", *ids)
    sign_in(page, server, "kim@agency.example")
    page.wait_for_url(f"**/dashboard/sites/{mine['site_id']}")
    assert page.locator("#site-select option").all_inner_texts() == ["Bakery"]
    assert page.locator(".account-nav").count() == 0  # no keys, users or workspaces
    for path in ("", "/setup", "/calls", "/pool"):
        answer = page.request.get(f"{server.url}/dashboard/sites/{other['site_id']}{path}")
        assert answer.status == 404, path
    for path in ("/dashboard/keys", "/dashboard/users", "/dashboard/workspaces"):
        assert page.request.get(server.url + path).status == 404
    page.goto(f"{server.url}/dashboard/sites/{mine['site_id']}/setup")
    assert page.locator("#numbers-form").count() == 1  # an admin of their own client
