"""The dashboard in Debian's Chromium against a real server with the demo's week of traffic:
sign-in (the demo owner's e-mail and password, or an API key), the overview chart, the channel
table equal to the reports API, the call log's recording player.
CALLSCOPE_DOCS_SCREENSHOTS=1 also refreshes the screenshots in docs/."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page

from tests.conftest import create_key, free_port, server_env, start_server, stop_server

DOCS = Path(__file__).resolve().parents[2] / "docs"

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Demo:
    url: str
    api_key: str
    site_id: int
    env: dict[str, str]
    email: str
    password: str

    def api(self, path: str, **params: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.api_key}"}
        answer = httpx.get(self.url + path, params=params, headers=headers, timeout=30)
        answer.raise_for_status()
        return answer.json()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """`callscope demo --no-serve` seeds a week of traffic and speaks its latest answered calls,
    then a real server serves it (and its job thread fetches and transcribes those calls)."""
    folder = tmp_path_factory.mktemp("dashboard")
    env = server_env(f"sqlite:///{folder / 'demo.db'}")
    port = free_port()
    seeded = subprocess.run(
        [sys.executable, "-m", "callscope", "demo", "--no-serve", "--port", str(port)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    lines = seeded.stdout.strip().splitlines()
    key = lines[-1]
    email = next(line.split()[-1] for line in lines if "sign in as" in line)
    password = next(line.split()[1] for line in lines if line.strip().startswith("password"))
    process = start_server(env, port, folder / "server.log")
    try:
        url = f"http://127.0.0.1:{port}"
        sites = httpx.get(url + "/v1/sites", headers={"Authorization": f"Bearer {key}"}).json()
        demo = Demo(url, key, sites["sites"][0]["site_id"], env, email, password)
        import_spend(demo, datetime.now(UTC))
        yield demo
    finally:
        stop_server(process)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    yield context.new_page()
    context.close()


def import_spend(demo: Demo, now: datetime) -> None:
    """A week of ad spend for the paid channels, so the cost columns have figures."""
    channels = (("google", "cpc", 84), ("facebook", "paid-social", 31), ("radio", "offline", 40))
    entries = [
        {
            "date": (now.date() - timedelta(days=d)).isoformat(),
            "source": s,
            "medium": m,
            "cost": f"{cost + 3 * (d % 3)}.00",
        }
        for d in range(8)
        for s, m, cost in channels
    ]
    headers = {"Authorization": f"Bearer {demo.api_key}"}
    body = {"site": demo.site_id, "entries": entries}
    httpx.post(demo.url + "/v1/spend", json=body, headers=headers).raise_for_status()


def sign_in(page: Page, demo: Demo, password: str | None = None) -> None:
    """Sign in as the demo's owner with the e-mail and password `callscope demo` printed."""
    page.goto(demo.url + "/dashboard")
    assert page.url.endswith("/dashboard/signin")
    page.fill("#email", demo.email)
    page.fill("#password", password or demo.password)
    page.click("#signin-form button[type=submit]")


def sign_in_with_key(page: Page, demo: Demo, key: str) -> None:
    page.goto(demo.url + "/dashboard/signin")
    page.click(".key-signin summary")
    page.fill("#api_key", key)
    page.click("#key-form button[type=submit]")


def screenshot(page: Page, name: str, tmp_path: Path, full_page: bool = True) -> None:
    page.screenshot(path=str(tmp_path / name), full_page=full_page)
    if os.environ.get("CALLSCOPE_DOCS_SCREENSHOTS") == "1":
        page.screenshot(path=str(DOCS / name), full_page=full_page)


def last_week(now: datetime) -> dict[str, str]:
    today = now.astimezone(UTC).date()  # the demo site's time zone is UTC
    return {"from": (today - timedelta(days=6)).isoformat(), "to": today.isoformat()}


def test_signing_in_with_a_wrong_password_says_so_and_sets_no_session(
    page: Page, demo: Demo
) -> None:
    sign_in(page, demo, password="not the demo password")
    assert page.locator(".error").inner_text() == "Wrong e-mail or password."
    assert page.locator("#email").input_value() == demo.email  # kept for the next try
    page.goto(demo.url + "/dashboard")
    assert page.url.endswith("/dashboard/signin")


def test_signing_in_with_a_wrong_key_says_so_and_sets_no_session(page: Page, demo: Demo) -> None:
    sign_in_with_key(page, demo, "cs_not-a-real-key")
    assert page.locator(".error").inner_text() == "That API key is not valid."
    page.goto(demo.url + "/dashboard")
    assert page.url.endswith("/dashboard/signin")


def test_the_overview_chart_draws_the_weeks_calls_by_channel(
    page: Page, demo: Demo, tmp_path: Path
) -> None:
    sign_in(page, demo)
    page.wait_for_url(f"**/dashboard/sites/{demo.site_id}")
    bars = page.locator("#calls-chart svg rect.bar")
    assert bars.count() >= 7
    # Each bar segment's tooltip ends in its count; together they are the week's calls.
    counts = [
        int(t.rsplit(" ", 1)[1])
        for t in page.locator("#calls-chart rect.bar title").all_text_contents()
    ]
    totals = demo.api("/v1/reports/channels", site=demo.site_id, **last_week(datetime.now(UTC)))
    assert sum(counts) == totals["totals"]["calls"] > 0
    assert page.locator("#kpi-calls").inner_text() == f"{totals['totals']['calls']:,}"
    assert page.locator("#kpi-cost").inner_text() == f"${totals['totals']['cost_per_call']:,.2f}"
    screenshot(page, "dashboard-overview.png", tmp_path)


def test_the_channel_table_shows_the_reports_api_figures(page: Page, demo: Demo) -> None:
    sign_in(page, demo)
    page.goto(f"{demo.url}/dashboard/sites/{demo.site_id}?days=7&by=medium")
    api = demo.api(
        "/v1/reports/channels", site=demo.site_id, by="medium", **last_week(datetime.now(UTC))
    )
    expected = {
        (r["medium"] or ""): [
            r["visits"],
            r["calls"],
            r["first_time_callers"],
            r["answered"],
            r["qualified_calls"],
            "—" if r["cost"] is None else f"${r['cost']:,.2f}",
        ]
        for r in api["rows"]
    }
    shown = {}
    for row in page.locator("#channel-table tbody tr").all():
        fields = ("visits", "calls", "first_time_callers", "answered", "qualified_calls")
        cells: list[object] = [int(row.locator(f"td[data-field={f}]").inner_text()) for f in fields]
        cells.append(row.locator("td[data-field=cost]").inner_text())
        shown[row.get_attribute("data-group") or ""] = cells
    assert shown == expected and len(shown) >= 3


def test_sorting_the_channel_table_by_visits_puts_the_busiest_channel_first(
    page: Page, demo: Demo
) -> None:
    sign_in(page, demo)
    page.goto(f"{demo.url}/dashboard/sites/{demo.site_id}?days=7&by=source")
    page.click("#channel-table th a[data-sort=visits]")
    visits = [
        int(v) for v in page.locator("#channel-table td[data-field=visits]").all_inner_texts()
    ]
    assert visits == sorted(visits, reverse=True)
    page.click("#channel-table th a[data-sort=visits]")  # again: ascending
    visits = [
        int(v) for v in page.locator("#channel-table td[data-field=visits]").all_inner_texts()
    ]
    assert visits == sorted(visits)


def test_a_recorded_call_has_an_audio_player_in_the_call_log(
    page: Page, demo: Demo, tmp_path: Path
) -> None:
    calls = demo.api("/v1/calls", site=demo.site_id, **last_week(datetime.now(UTC)))["calls"]
    recorded = next(c for c in calls if c["record_url"])
    silent = next(c for c in calls if not c["record_url"])
    sign_in(page, demo)
    page.goto(f"{demo.url}/dashboard/sites/{demo.site_id}/calls?days=7")
    player = page.locator(f"tr[data-call-id='{recorded['call_id']}'] audio")
    assert player.count() == 1
    # Played from callscope's own copy, never from the platform's URL.
    detail = f"/dashboard/sites/{demo.site_id}/calls/{recorded['call_id']}"
    assert player.get_attribute("src") == detail + "/recording"
    link = page.locator(f"tr[data-call-id='{recorded['call_id']}'] a.call-link")
    assert link.get_attribute("href") == detail
    assert page.locator(f"tr[data-call-id='{silent['call_id']}'] audio").count() == 0
    screenshot(page, "dashboard-calls.png", tmp_path, full_page=False)


def test_the_demos_spoken_calls_get_transcripts_tags_and_scores(
    page: Page, demo: Demo, tmp_path: Path
) -> None:
    calls = demo.api("/v1/calls", site=demo.site_id, **last_week(datetime.now(UTC)))["calls"]
    spoken = [c["call_id"] for c in calls if "/demo/recordings/" in (c["record_url"] or "")]
    assert len(spoken) == 4
    deadline = time.monotonic() + 400
    while time.monotonic() < deadline:
        details = [demo.api(f"/v1/calls/{call_id}") for call_id in spoken]
        if all(d["transcript"]["status"] in ("done", "failed") for d in details):
            break
        time.sleep(1)
    assert [d["transcript"]["status"] for d in details] == ["done"] * 4
    assert all(d["transcript"]["segments"] and d["score"] is not None for d in details)
    heard = sorted(t["tag"] for d in details for t in d["tags"])
    assert len(heard) >= 2, heard  # the engine hears the keywords of most conversations
    shown = max(details, key=lambda d: (len(d["tags"]), d["score"]))
    sign_in(page, demo)
    page.goto(f"{demo.url}/dashboard/sites/{demo.site_id}/calls/{shown['call_id']}")
    lines = page.locator(".transcript .line")
    assert lines.count() == len(shown["transcript"]["segments"])
    assert page.locator("#tags .tag").all_text_contents() == [t["tag"] for t in shown["tags"]]
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    screenshot(page, "dashboard-call.png", tmp_path)


def test_pool_and_setup_pages_show_the_sizing_advice_and_the_snippet_tag(
    page: Page, demo: Demo, tmp_path: Path
) -> None:
    sign_in(page, demo)
    page.goto(f"{demo.url}/dashboard/sites/{demo.site_id}/pool")
    assert page.locator("#pool-chart svg polyline.line").count() == 1
    assert int(page.locator("#recommended").inner_text()) >= 1
    screenshot(page, "dashboard-pool.png", tmp_path)
    page.goto(f"{demo.url}/dashboard/sites/{demo.site_id}/setup")
    site = demo.api(f"/v1/sites/{demo.site_id}")
    tag = page.locator("#snippet-tag").input_value()
    assert f'data-site="{site["site_key"]}"' in tag and tag.endswith("async></script>")
    assert page.locator("#numbers tbody tr").count() == len(
        demo.api(f"/v1/sites/{demo.site_id}/numbers")["numbers"]
    )
    screenshot(page, "dashboard-setup.png", tmp_path)


def test_another_accounts_key_sees_none_of_the_demo_site(page: Page, demo: Demo) -> None:
    sign_in_with_key(page, demo, create_key(demo.env))
    assert page.locator("h1").inner_text() == "No sites yet"
    answer = page.request.get(f"{demo.url}/dashboard/sites/{demo.site_id}")
    assert answer.status == 404


def test_a_call_marked_as_spam_is_in_the_spam_filter_and_its_caller_is_blocked(
    page: Page, demo: Demo
) -> None:
    """Runs last: it changes the demo's data (one call leaves the reports)."""
    calls = demo.api("/v1/calls", site=demo.site_id, **last_week(datetime.now(UTC)))["calls"]
    marked = next(c for c in calls if c["caller"] and c["status"] == "completed")
    before = demo.api("/v1/reports/channels", site=demo.site_id, **last_week(datetime.now(UTC)))

    sign_in(page, demo)
    page.goto(f"{demo.url}/dashboard/sites/{demo.site_id}/calls?days=7")
    page.click(f"tr[data-call-id='{marked['call_id']}'] .mark-spam button")
    page.wait_for_url("**/calls?status=spam")
    page.goto(f"{demo.url}/dashboard/sites/{demo.site_id}/calls?days=7&status=spam")
    rows = page.locator("#call-log tbody tr[data-call-id]")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-call-id") == marked["call_id"]
    badge = rows.first.locator(".badge")
    assert (badge.inner_text(), badge.get_attribute("title")) == (
        "spam",
        "marked as spam: marked in the dashboard",
    )
    deadline = time.monotonic() + 10  # the server folds the change into the rollups each second
    while True:
        after = demo.api("/v1/reports/channels", site=demo.site_id, **last_week(datetime.now(UTC)))
        if after["totals"]["calls"] == before["totals"]["calls"] - 1 or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert after["totals"]["calls"] == before["totals"]["calls"] - 1

    page.goto(f"{demo.url}/dashboard/sites/{demo.site_id}/setup")
    assert marked["caller"] in page.locator("#blocklist").inner_text()
    page.fill("#block-form input[name=caller]", "+1900*")
    page.fill("#block-form input[name=reason]", "premium rate")
    page.click("#block-form button")
    page.wait_for_url("**/setup?done=caller-blocked#blocklist")
    assert "+1900… — premium rate" in page.locator("#blocklist").inner_text()
    blocked = demo.api("/v1/blocklist")["blocklist"]
    assert [(e["prefix"], e["reason"]) for e in blocked if e["prefix"]] == [
        ("+1900", "premium rate")
    ]


def test_the_flow_editor_names_every_problem_and_saves_a_good_flow(page: Page, demo: Demo) -> None:
    sign_in(page, demo)
    page.goto(f"{demo.url}/dashboard/sites/{demo.site_id}/setup")
    flow = page.locator("#call-flow").inner_text()
    assert "in order" in flow and "This call may be recorded" in flow  # the demo's flow
    before = demo.api(f"/v1/sites/{demo.site_id}/flow")

    bad = {
        "targets": ["555-0100"],
        "hours": [
            {"day": "mon", "opens": "09:00", "closes": "17:00"},
            {"day": "mon", "opens": "12:00", "closes": "13:00"},
        ],
    }
    page.fill("#flow-editor", json.dumps(bad))
    page.click("#flow-form button")
    assert "targets.0" in page.locator("#flow-error").inner_text()
    assert demo.api(f"/v1/sites/{demo.site_id}/flow") == before  # nothing stored
    overlapping = {**bad, "targets": ["+15550100301"], "time_zone": "Europe/Paris"}
    page.fill("#flow-editor", json.dumps(overlapping))
    page.click("#flow-form button")
    assert "mon 09:00-17:00 overlaps mon 12:00-13:00" in page.locator("#flow-error").inner_text()

    good = {"targets": ["+15550100301", "+15550100302"], "strategy": "round_robin"}
    page.fill("#flow-editor", json.dumps(good))
    page.click("#flow-form button")
    page.wait_for_url("**/setup?done=flow-saved#call-flow")
    saved = demo.api(f"/v1/sites/{demo.site_id}/flow")
    assert (saved["targets"], saved["strategy"]) == (good["targets"], "round_robin")
    assert "round robin" in page.locator("#call-flow").inner_text()
