"""The dashboard's call page in Debian's Chromium, against a real server whose own job thread
fetched and transcribed a spoken call (espeak-ng + sox telephone audio on a loopback "platform"):
the transcript lines by speaker, the keyword highlighted, tags, the player seeking to a clicked
line, a person's score winning over the computed one, and a forged form refused.
(The README's picture of this page is taken from the demo: tests/browser/test_dashboard.py.)"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from bench.transcription.speech import Line, conversation, missing_tools, write_call
from playwright.sync_api import Browser, Page

from tests.audio_server import audio_server
from tests.conftest import (
    IN_CI,
    SECRET,
    create_key,
    create_person,
    free_port,
    server_env,
    start_server,
    stop_server,
)

pytestmark = pytest.mark.e2e

NUMBER = "+15550100101"
LINES = [
    Line("agent", "thank you for calling northside heating how can i help you"),
    Line("caller", "i would like to book an appointment for next tuesday"),
    Line("agent", "of course what is your address"),
]


@dataclass(frozen=True)
class Served:
    url: str
    key: str
    site_id: int
    call_id: str
    starts: list[float]  # when each line begins, in seconds
    env: dict[str, str]

    def api(self, method: str, path: str, **body: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.key}"}
        answer = httpx.request(
            method, self.url + path, json=body or None, headers=headers, timeout=60
        )
        answer.raise_for_status()
        return answer.json()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    missing = missing_tools()
    if missing:
        if IN_CI:
            pytest.fail(f"CI needs {missing} (make e2e-deps installs them)")
        pytest.skip(f"needs {missing}")
    folder = tmp_path_factory.mktemp("call-page")
    audio, timeline = conversation(LINES)
    wav = write_call(folder / "call.wav", audio)
    env = server_env(
        f"sqlite:///{folder / 'calls.db'}",
        CALLSCOPE_RECORDINGS_DIR=str(folder / "recordings"),
        CALLSCOPE_JOB_RETRY_SECONDS="1",
    )
    key = create_key(env)
    port = free_port()
    process = start_server(env, port, folder / "server.log")
    try:
        with audio_server() as platform:
            record_url = platform.serve("/recordings/RE1.wav", wav)
            served = _transcribed_call(f"http://127.0.0.1:{port}", key, record_url, timeline)
            yield replace(served, env=env)
    finally:
        stop_server(process)


def _transcribed_call(url: str, key: str, record_url: str, timeline: list[Any]) -> Served:
    admin = {"Authorization": f"Bearer {key}"}
    site = httpx.post(
        url + "/v1/sites", headers=admin, json={"name": "Northside", "forward_to": "+15550100199"}
    ).json()
    site_id = int(site["site_id"])
    number = {"number": NUMBER, "kind": "static", "channel": {"source": "google", "medium": "cpc"}}
    httpx.post(f"{url}/v1/sites/{site_id}/numbers", headers=admin, json=number).raise_for_status()
    rule = {"phrase": "appointment", "tag": "appointment", "weight": 30, "speaker": "caller"}
    httpx.post(f"{url}/v1/sites/{site_id}/keywords", headers=admin, json=rule).raise_for_status()
    at = datetime.now(UTC) - timedelta(minutes=5)
    events = [
        {"event": "answered", "at": at.isoformat()},
        {"event": "completed", "at": (at + timedelta(seconds=95)).isoformat(), "duration": 95},
    ]
    for event in events:
        body = {"call_id": "CA-page", "dialed_number": NUMBER, "caller": "+15550100777", **event}
        if event["event"] == "completed":
            body["record_url"] = record_url
        answer = httpx.post(
            url + "/v1/calls/events", json=body, headers={"X-Callscope-Secret": SECRET}
        )
        answer.raise_for_status()
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        # The server's job thread transcribes meanwhile: answers may be slow on a busy machine.
        call = httpx.get(url + "/v1/calls/CA-page", headers=admin, timeout=60).json()
        if call["transcript"]["status"] in ("done", "failed"):
            break
        time.sleep(0.5)
    assert call["transcript"]["status"] == "done", call["transcript"]
    return Served(url, key, site_id, "CA-page", [start for _, start in timeline], {})


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    yield context.new_page()
    context.close()


def sign_in(page: Page, served: Served, role: str = "owner") -> None:
    """Sign in as a person of the account with this role (made here once per role)."""
    email = f"{role}@northside.example"
    if email not in _people:
        _people[email] = create_person(served.env, email, role)[1]
    page.goto(served.url + "/dashboard/signin")
    page.fill("#email", email)
    page.fill("#password", _people[email])
    page.click("#signin-form button[type=submit]")
    page.wait_for_url(f"**/dashboard/sites/{served.site_id}")


_people: dict[str, str] = {}


def test_the_call_page_shows_the_transcript_tags_and_score_and_seeks_the_player(
    page: Page, served: Served
) -> None:
    sign_in(page, served)
    page.goto(f"{served.url}/dashboard/sites/{served.site_id}/calls?days=7")
    page.click(f"tr[data-call-id='{served.call_id}'] a.call-link")
    page.wait_for_url(f"**/calls/{served.call_id}")

    api = served.api("GET", f"/v1/calls/{served.call_id}")
    lines = page.locator(".transcript .line")
    segments = api["transcript"]["segments"]
    assert lines.count() == len(segments) >= 2
    shown = [
        (line.get_attribute("class"), line.locator(".said").inner_text()) for line in lines.all()
    ]
    assert shown == [(f"line {s['speaker']}", s["text"]) for s in segments]
    assert [s["speaker"] for s in segments][:2] == ["agent", "caller"]
    # The keyword the site listens for is highlighted where the caller said it.
    marks = page.locator(".transcript .line.caller mark").all_inner_texts()
    assert any(m.startswith("appointment") for m in marks), marks
    assert page.locator("#tags .tag").all_text_contents() == [t["tag"] for t in api["tags"]]
    assert page.locator("#tags .tag").all_text_contents() == ["appointment"]
    assert page.locator("#score-value").inner_text() == str(api["score"])
    reasons = page.locator("#reasons li").all_inner_texts()
    assert reasons == api["score_reasons"] and "appointment +30" in reasons

    # The player plays callscope's copy; clicking a line moves it to where the line starts.
    player = page.locator("#player")
    assert player.get_attribute("src") == (
        f"/dashboard/sites/{served.site_id}/calls/{served.call_id}/recording"
    )
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    assert page.evaluate("document.getElementById('player').currentTime") == 0
    caller_line = next(s for s in segments if s["speaker"] == "caller")
    page.locator(".transcript .line.caller button.seek").first.click()
    position = page.evaluate("document.getElementById('player').currentTime")
    assert caller_line["start"] - 0.05 <= position <= caller_line["start"] + 2
    assert abs(caller_line["start"] - served.starts[1]) < 0.5


def test_a_persons_score_qualification_and_notes_win_and_a_forged_form_is_refused(
    page: Page, served: Served
) -> None:
    sign_in(page, served)
    detail = f"{served.url}/dashboard/sites/{served.site_id}/calls/{served.call_id}"
    computed = served.api("GET", f"/v1/calls/{served.call_id}")
    # The session's CSRF token is needed: a post without it (or with another) changes nothing.
    for token in ("", "forged"):
        answer = page.request.post(
            detail + "/review", form={"csrf_token": token, "score": "1", "qualified": "no"}
        )
        assert answer.status == 403
    assert served.api("GET", f"/v1/calls/{served.call_id}")["score"] == computed["score"]

    page.goto(detail)
    page.fill("#review input[name=score]", "15")
    page.select_option("#review select[name=qualified]", "no")
    page.fill("#review textarea[name=notes]", "Wants a boiler service; call back Tuesday.")
    page.click("#review button[type=submit]")
    page.wait_for_url(detail)
    assert page.locator("#score-value").inner_text() == "15"
    assert page.locator("#qualified").inner_text() == "not qualified"
    assert f"computed: {computed['score']}" in page.locator("#score-source").inner_text()
    after = served.api("GET", f"/v1/calls/{served.call_id}")
    assert (after["score"], after["qualified"], after["score_overridden"]) == (15, False, True)
    assert after["notes"] == "Wants a boiler service; call back Tuesday."
    assert page.locator("#review textarea[name=notes]").input_value() == after["notes"]

    # Blank fields give the call back its computed score; the notes stay as written.
    page.fill("#review input[name=score]", "")
    page.select_option("#review select[name=qualified]", "")
    page.click("#review button[type=submit]")
    page.wait_for_url(detail)
    back = served.api("GET", f"/v1/calls/{served.call_id}")
    assert (back["score"], back["qualified"]) == (computed["score"], computed["qualified"])
    assert back["notes"] == after["notes"]


def test_an_analyst_reads_the_review_but_a_forced_post_is_refused(
    page: Page, served: Served
) -> None:
    sign_in(page, served, "analyst")
    detail = f"{served.url}/dashboard/sites/{served.site_id}/calls/{served.call_id}"
    page.goto(detail)
    assert page.locator("#review form").count() == 0
    before = served.api("GET", f"/v1/calls/{served.call_id}")
    # Even with the session's own CSRF token (the sign-out form's), the role refuses it.
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    answer = page.request.post(
        detail + "/review", form={"csrf_token": token or "", "score": "2", "qualified": "no"}
    )
    assert answer.status == 403
    after = served.api("GET", f"/v1/calls/{served.call_id}")
    assert (after["score"], after["notes"]) == (before["score"], before["notes"])
