"""The Voximplant scenarios of integrations/voximplant, run as-is by a Node stand-in for VoxEngine
(tests/e2e/voxengine) against a live callscope: routing, forwarding, recording, call records."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "integrations" / "voximplant"
RUNNER = Path(__file__).resolve().parent / "voxengine" / "run.js"

POOL = "+15550100001"
STATIC = "+15550100002"
EXTENSION = "+15550100003"
UNKNOWN = "+15550100099"
FORWARD_TO = "+15557654321"
FALLBACK = "+15559990000"
CALLER = "+15551230000"
RECORD_URL = "https://records.example.com/vox/recording-1.mp3"
PROMPT = "Please enter your 4-digit code"
LANDING = "https://shop.example.com/boilers?utm_source=google&utm_medium=cpc&utm_term=boiler+repair"


class LiveServer(Protocol):
    @property
    def url(self) -> str: ...

    @property
    def api_key(self) -> str: ...

    @property
    def telephony_secret(self) -> str: ...


@dataclass(frozen=True)
class Site:
    site_id: str
    site_key: str


@dataclass(frozen=True)
class VoxRun:
    """What the scenario did, from the stand-in's log."""

    log: list[dict[str, Any]]
    errors: list[str]
    call_id: str

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [entry for entry in self.log if entry["type"] == kind]

    def requests(self, path: str) -> list[dict[str, Any]]:
        return [e for e in self.of("http") if urlsplit(str(e["url"])).path == path]

    def route_query(self) -> dict[str, list[str]]:
        """The plan request's query, but the call id (checked on its own)."""
        (route,) = self.requests("/v1/route/plan")
        query = parse_qs(urlsplit(str(route["url"])).query)
        assert query.pop("call_id") == [self.call_id]
        return query

    def posted(self) -> list[tuple[str, int]]:
        """(event, HTTP status) of each POST, sorted: the log follows when requests finished."""
        return sorted((e["body"]["event"], e["status"]) for e in self.requests("/v1/calls/events"))

    def dialed(self) -> list[str]:
        return [str(e["number"]) for e in self.of("call_pstn")]


@pytest.fixture(scope="module")
def node() -> str:
    found = shutil.which("node")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is required for the Voximplant tests (apt-get install nodejs)")
        pytest.skip("node is not installed")
    return found


@pytest.fixture
def admin(live_server: LiveServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {live_server.api_key}"}
    with httpx.Client(base_url=live_server.url, headers=headers, timeout=10) as client:
        yield client


def create_site(admin: httpx.Client, numbers: dict[str, str]) -> Site:
    site = admin.post("/v1/sites", json={"name": "Boilers Ltd", "forward_to": FORWARD_TO})
    assert site.status_code in (200, 201), site.text
    created = Site(site.json()["site_id"], site.json()["site_key"])
    for number, kind in numbers.items():
        body: dict[str, Any] = {"number": number, "kind": kind}
        if kind == "static":
            body["channel"] = {"source": "radio", "medium": "offline", "campaign": "morning-show"}
        added = admin.post(f"/v1/sites/{created.site_id}/numbers", json=body)
        assert added.status_code in (200, 201), added.text
    return created


def new_visit(server: LiveServer, site: Site) -> dict[str, Any]:
    """A visitor landing from Google Ads, as the snippet reports it (no API key)."""
    body = {
        "site_key": site.site_key,
        "landing_url": LANDING,
        "referrer": "https://www.google.com/",
    }
    visit = httpx.post(f"{server.url}/v1/visits", json=body, timeout=10)
    assert visit.status_code in (200, 201), visit.text
    found: dict[str, Any] = visit.json()
    return found


def stored_calls(admin: httpx.Client, site: Site) -> list[dict[str, Any]]:
    # The stand-in's scaled clock runs ahead of the wall clock: look a little into the future.
    until = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    listed = admin.get("/v1/calls", params={"site": site.site_id, "to": until})
    assert listed.status_code == 200, listed.text
    calls: list[dict[str, Any]] = listed.json()["calls"]
    return calls


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@dataclass(frozen=True)
class Voximplant:
    """Plays calls through callscope.js + one call scenario, numbers as Voximplant sends them."""

    node: str
    callscope_url: str
    secret: str

    def call(self, scenario: str, dialed: str, **spec: Any) -> tuple[str, VoxRun]:
        call_id = f"vox-{uuid.uuid4().hex[:12]}"
        config = {"CALLSCOPE_URL": self.callscope_url, "CALLSCOPE_SECRET": self.secret}
        full: dict[str, Any] = {
            "scenarios": [str(SCENARIOS / "callscope.js"), str(SCENARIOS / scenario)],
            "config": config | {"FALLBACK_NUMBER": FALLBACK},
            "call_id": call_id,
            "time_scale": 50,
            "record_url": RECORD_URL,
            "inbound": {"destination": dialed.lstrip("+"), "callerid": CALLER.lstrip("+")},
            "agent": {"answer_after": 3, "hangup_after": 42},
            **spec,
        }
        command = [self.node, str(RUNNER)]
        done = subprocess.run(
            command, input=json.dumps(full), capture_output=True, text=True, timeout=60, cwd=ROOT
        )
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout)
        run = VoxRun(log=result["log"], errors=result["errors"], call_id=call_id)
        assert run.errors == []
        return call_id, run


@pytest.fixture
def voximplant(node: str, live_server: LiveServer) -> Voximplant:
    return Voximplant(node, live_server.url, live_server.telephony_secret)


def test_a_pool_call_is_forwarded_recorded_and_attributed_to_the_visit_holding_the_number(
    voximplant: Voximplant, live_server: LiveServer, admin: httpx.Client
) -> None:
    site = create_site(admin, {POOL: "pool"})
    visit = new_visit(live_server, site)
    assert visit["number"] == POOL

    call_id, run = voximplant.call("direct.js", POOL)

    assert run.route_query() == {"dialed_number": [POOL], "caller": [CALLER]}
    assert [r["status"] for r in run.requests("/v1/route/plan")] == [200]
    (pstn,) = run.of("call_pstn")
    assert (pstn["number"], pstn["callerid"]) == (FORWARD_TO, POOL)  # the agent sees the line
    posted = [(event, status // 100) for event, status in run.posted()]
    assert posted == [("answered", 2), ("completed", 2), ("started", 2)]
    assert [e["call"] for e in run.of("record")] == ["out-1"]
    assert run.of("reject") == []
    (call,) = stored_calls(admin, site)
    assert call["call_id"] == call_id
    assert (call["status"], call["duration"], call["record_url"]) == ("completed", 42, RECORD_URL)
    assert (call["dialed_number"], call["caller"]) == (POOL, CALLER)
    assert call["visit_id"] == visit["visit_id"]
    assert call["attribution"]["method"] == "pool"
    assert (call["channel"]["source"], call["channel"]["medium"]) == ("google", "cpc")


def test_an_extension_call_is_routed_by_the_typed_code_to_the_visit_that_showed_it(
    voximplant: Voximplant, live_server: LiveServer, admin: httpx.Client
) -> None:
    site = create_site(admin, {EXTENSION: "extension"})
    visit = new_visit(live_server, site)
    assert visit["number"] == EXTENSION
    code = str(visit["ext"])
    assert code.isdigit() and len(code) == 4

    call_id, run = voximplant.call("extension.js", EXTENSION, tones=[{"after": 1, "digits": code}])

    assert [e["text"] for e in run.of("say")] == [PROMPT]
    assert [e["delivered"] for e in run.of("tone")] == [True] * 4
    assert run.route_query() == {"dialed_number": [EXTENSION], "caller": [CALLER], "ext": [code]}
    assert run.dialed() == [FORWARD_TO]
    (call,) = stored_calls(admin, site)
    assert (call["call_id"], call["status"], call["duration"]) == (call_id, "completed", 42)
    assert call["visit_id"] == visit["visit_id"]
    assert call["attribution"]["method"] == "extension"


def test_an_extension_caller_who_types_nothing_is_still_put_through(
    voximplant: Voximplant, admin: httpx.Client
) -> None:
    site = create_site(admin, {EXTENSION: "extension"})

    _, run = voximplant.call("extension.js", EXTENSION)

    assert run.route_query() == {"dialed_number": [EXTENSION], "caller": [CALLER]}
    (route,) = run.requests("/v1/route/plan")
    assert route["t"] >= 8  # the scenario's EXT_WAIT_SECONDS after the prompt
    assert run.dialed() == [FORWARD_TO]
    (call,) = stored_calls(admin, site)
    assert (call["status"], call["visit_id"]) == ("completed", None)


def test_a_busy_agent_leaves_a_failed_call_with_the_sip_code(
    voximplant: Voximplant, admin: httpx.Client
) -> None:
    site = create_site(admin, {STATIC: "static"})

    busy = {"fail_after": 2, "code": 486, "reason": "Busy Here"}
    call_id, run = voximplant.call("direct.js", STATIC, agent=busy)

    assert run.dialed() == [FORWARD_TO]
    posted = [(event, status // 100) for event, status in run.posted()]
    assert posted == [("failed", 2), ("started", 2)]
    assert [e["call"] for e in run.of("reject")] == [call_id]  # the caller is not left ringing
    (call,) = stored_calls(admin, site)
    failure = (call["status"], call["failure_code"], call["failure_reason"])
    assert failure == ("failed", "486", "Busy Here")
    assert call["attribution"] == {"method": "static", "confidence": 1.0}


def test_a_caller_who_hangs_up_before_the_agent_answers_is_a_missed_call(
    voximplant: Voximplant, admin: httpx.Client
) -> None:
    site = create_site(admin, {STATIC: "static"})

    caller = {"destination": STATIC.lstrip("+"), "callerid": CALLER.lstrip("+")}
    gives_up = caller | {"hangup_after_dial": 4}
    agent = {"answer_after": 20, "hangup_after": 5}
    _, run = voximplant.call("direct.js", STATIC, inbound=gives_up, agent=agent)

    assert [e["call"] for e in run.of("hangup")] == ["out-1"]  # the agent's phone stops ringing
    (call,) = stored_calls(admin, site)
    assert (call["status"], call["duration"]) == ("missed", 0)


def test_calls_still_reach_the_fallback_number_when_callscope_is_down(node: str) -> None:
    url = f"http://127.0.0.1:{closed_port()}"

    _, run = Voximplant(node, url, "any-secret").call("direct.js", POOL)

    assert [r["status"] for r in run.requests("/v1/route/plan")] == [
        -4
    ]  # VoxEngine: connection error
    assert run.dialed() == [FALLBACK]
    assert run.of("reject") == []
    # Every event was tried twice, and the final one once more from AppEvents.Terminating.
    assert [e for e, _ in run.posted()] == ["answered"] * 2 + ["completed"] * 3 + ["started"] * 2
    ends = {
        (e["body"]["agent_number"], e["body"]["duration"], e["body"]["record_url"])
        for e in run.requests("/v1/calls/events")
        if e["body"]["event"] == "completed"
    }
    assert ends == {(FALLBACK, 42, RECORD_URL)}


def test_a_number_callscope_does_not_know_is_rejected(
    voximplant: Voximplant, admin: httpx.Client
) -> None:
    site = create_site(admin, {STATIC: "static"})

    call_id, run = voximplant.call("direct.js", UNKNOWN)

    assert [r["status"] for r in run.requests("/v1/route/plan")] == [404]
    assert [e["call"] for e in run.of("reject")] == [call_id]
    assert run.dialed() == []
    assert run.posted() == []
    assert stored_calls(admin, site) == []


# --- call flows ------------------------------------------------------------------------------

AGENT_1, AGENT_2 = "+15557650001", "+15557650002"
NOTICE = "This call may be recorded."
GREETING = "Nobody can take your call. Please leave a message."


def set_flow(admin: httpx.Client, site: Site, **flow: Any) -> None:
    put = admin.put(f"/v1/sites/{site.site_id}/flow", json=flow)
    assert put.status_code == 200, put.text


def test_a_flow_plays_the_notice_then_calls_each_agent_in_turn(
    voximplant: Voximplant, admin: httpx.Client
) -> None:
    site = create_site(admin, {STATIC: "static"})
    set_flow(
        admin,
        site,
        targets=[AGENT_1, AGENT_2],
        strategy="in_order",
        ring_seconds=[10, 10],
        announcement={"text": NOTICE},
        record=True,
    )
    busy = {"fail_after": 2, "code": 486, "reason": "Busy Here"}
    answers = {"answer_after": 3, "hangup_after": 42}

    call_id, run = voximplant.call("direct.js", STATIC, agents=[busy, answers])

    assert [e["text"] for e in run.of("say")] == [NOTICE]
    assert run.dialed() == [AGENT_1, AGENT_2]
    assert [e["call"] for e in run.of("record")] == ["out-2"]  # the agent who answered
    (call,) = stored_calls(admin, site)
    assert (call["call_id"], call["status"], call["duration"]) == (call_id, "completed", 42)


def test_an_agent_who_does_not_answer_in_time_is_passed_over(
    voximplant: Voximplant, admin: httpx.Client
) -> None:
    site = create_site(admin, {STATIC: "static"})
    set_flow(admin, site, targets=[AGENT_1, AGENT_2], strategy="in_order", ring_seconds=[10, 10])
    slow = {"answer_after": 30, "hangup_after": 5}
    answers = {"answer_after": 3, "hangup_after": 42}

    _, run = voximplant.call("direct.js", STATIC, agents=[slow, answers])

    assert run.dialed() == [AGENT_1, AGENT_2]
    assert [e["call"] for e in run.of("hangup")][:1] == ["out-1"]  # stopped ringing at 10 s
    (call,) = stored_calls(admin, site)
    assert (call["status"], call["duration"]) == ("completed", 42)


def test_nobody_answers_so_the_caller_leaves_a_voicemail(
    voximplant: Voximplant, admin: httpx.Client
) -> None:
    site = create_site(admin, {STATIC: "static"})
    set_flow(
        admin,
        site,
        targets=[AGENT_1],
        strategy="in_order",
        ring_seconds=[10],
        voicemail={"greeting": GREETING, "max_seconds": 30},
    )

    call_id, run = voximplant.call("direct.js", STATIC, agent={})  # the agent never answers

    assert run.dialed() == [AGENT_1]
    assert [e["text"] for e in run.of("say")] == [GREETING]
    assert [e["call"] for e in run.of("record")] == [call_id]  # the caller's message
    (call,) = stored_calls(admin, site)
    assert (call["status"], call["record_url"]) == ("missed", RECORD_URL)
    assert call["failure_reason"] == "voicemail"


def test_a_blocked_caller_is_rejected_and_stored_as_spam(
    voximplant: Voximplant, admin: httpx.Client
) -> None:
    site = create_site(admin, {STATIC: "static"})
    listed = admin.post("/v1/blocklist", json={"number": CALLER, "reason": "robocaller"})
    assert listed.status_code == 201, listed.text

    call_id, run = voximplant.call("direct.js", STATIC)

    assert [r["status"] for r in run.requests("/v1/route/plan")] == [403]
    assert [e["call"] for e in run.of("reject")] == [call_id]
    assert run.dialed() == [] and run.posted() == []
    (call,) = stored_calls(admin, site)
    assert (call["call_id"], call["status"]) == (call_id, "spam")
    assert call["spam_reason"] == "blocklist: robocaller"


# --- the "press 1 to be connected" gate -------------------------------------------------------

ANONYMOUS = "anonymous"  # what Voximplant gives as the caller id of a withheld number
GATE_PROMPT = "To be connected, press 1."


def gated_flow(admin: httpx.Client) -> Site:
    """A site whose flow plays the notice, then calls one agent, and gates anonymous callers."""
    site = create_site(admin, {STATIC: "static"})
    set_flow(
        admin,
        site,
        targets=[AGENT_1],
        strategy="in_order",
        ring_seconds=[10],
        announcement={"text": NOTICE},
        spam={"anonymous": "gate", "invalid": "allow"},
    )
    return site


def anonymous_caller() -> dict[str, str]:
    return {"destination": STATIC.lstrip("+"), "callerid": ANONYMOUS}


def test_an_anonymous_caller_who_presses_1_is_put_through_to_the_agent(
    voximplant: Voximplant, admin: httpx.Client
) -> None:
    site = gated_flow(admin)
    presses_1 = [{"after_prompt": 1, "digits": "1"}]

    call_id, run = voximplant.call("direct.js", STATIC, inbound=anonymous_caller(), tones=presses_1)

    assert run.route_query() == {"dialed_number": [STATIC], "caller": [ANONYMOUS]}
    says = run.of("say")
    assert [e["text"] for e in says] == [GATE_PROMPT, NOTICE]  # the gate, then the plan as usual
    assert says[0]["voice"] == "Amazon.en_US_Joanna"  # the plan's language, en-US
    (tone,) = run.of("tone")
    assert (tone["tone"], tone["delivered"]) == ("1", True)
    assert [e["enabled"] for e in run.of("handle_tones")] == [True, False]
    (pstn,) = run.of("call_pstn")
    assert pstn["number"] == AGENT_1 and pstn["t"] > tone["t"]  # nobody rings before the key
    (call,) = stored_calls(admin, site)
    assert (call["call_id"], call["status"], call["duration"]) == (call_id, "completed", 42)
    assert call["failure_code"] is None


@pytest.mark.parametrize("keys", [[], [{"after_prompt": 1, "digits": "2"}]], ids=["none", "two"])
def test_an_anonymous_caller_who_does_not_press_1_is_hung_up_and_stored_as_failed(
    voximplant: Voximplant, admin: httpx.Client, keys: list[dict[str, Any]]
) -> None:
    site = gated_flow(admin)

    call_id, run = voximplant.call("direct.js", STATIC, inbound=anonymous_caller(), tones=keys)

    assert [e["text"] for e in run.of("say")] == [GATE_PROMPT]  # no notice, nobody called
    assert run.dialed() == []
    assert [e["call"] for e in run.of("hangup")] == [call_id]
    assert run.of("reject") == []  # answered for the prompt, so hung up
    posted = [(event, status // 100) for event, status in run.posted()]
    assert posted == [("failed", 2), ("started", 2)]
    (failed,) = [e for e in run.requests("/v1/calls/events") if e["body"]["event"] == "failed"]
    if not keys:
        assert failed["t"] >= 2.5 + 8  # the prompt, then the 8 s to press a key
    (call,) = stored_calls(admin, site)
    assert (call["call_id"], call["status"]) == (call_id, "failed")
    assert (call["failure_code"], call["failure_reason"]) == ("gate", "caller did not press 1")


def test_a_caller_with_a_number_is_not_gated(voximplant: Voximplant, admin: httpx.Client) -> None:
    site = gated_flow(admin)

    call_id, run = voximplant.call("direct.js", STATIC)

    assert [e["text"] for e in run.of("say")] == [NOTICE]
    assert run.of("handle_tones") == []
    assert run.dialed() == [AGENT_1]
    (call,) = stored_calls(admin, site)
    assert (call["call_id"], call["status"], call["duration"]) == (call_id, "completed", 42)
