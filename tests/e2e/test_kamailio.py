"""Real calls through Debian's Kamailio with the rendered config, placed and answered by sipp."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from callscope.telephony.kamailio import render_config

pytestmark = pytest.mark.e2e

SIPP_SCENARIOS = Path(__file__).parent / "sipp"
HOST = "127.0.0.1"
POOL_NUMBER = "+15550100001"
AGENT_NUMBER = "+15550100200"
RFC3339_MICROS = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d"
LANDING_URL = (
    "https://boilers.example/?utm_source=google&utm_medium=cpc"
    "&utm_campaign=winter&utm_term=boiler+repair&gclid=abc123"
)


def binary(name: str) -> str:
    """The path of a Debian-installed tool; CI must have it, elsewhere its absence skips."""
    found = shutil.which(name) or next(
        (str(p) for p in (Path("/usr/sbin") / name, Path("/usr/bin") / name) if p.exists()), None
    )
    if found is None:
        message = f"{name} is not installed (make test installs it with apt-get)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def free_port() -> int:
    """A port free for both UDP and TCP on loopback (Kamailio listens on both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((HOST, 0))
            port = int(udp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind((HOST, port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port for UDP and TCP")


def udp_port_bound(port: int) -> bool:
    """True once a process has bound the UDP port; read from the kernel, so it takes no port."""
    wanted = f":{port:04X}"
    with open("/proc/net/udp", encoding="ascii") as table:
        return any(line.split()[1].endswith(wanted) for line in list(table)[1:])


def sip_final_reply(port: int, method: str, user: str) -> str:
    """Sends one request over UDP from loopback; the status line of the final reply, or ''."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.bind((HOST, 0))
        client.settimeout(0.3)
        local = client.getsockname()[1]
        tag = time.monotonic_ns()
        client.sendto(
            (
                f"{method} sip:{user}@{HOST}:{port} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP {HOST}:{local};branch=z9hG4bK-{tag}\r\n"
                f"From: <sip:+14155550123@{HOST}>;tag={tag}\r\n"
                f"To: <sip:{user}@{HOST}:{port}>\r\nCall-ID: probe-{tag}@{HOST}\r\n"
                f"CSeq: 1 {method}\r\nContact: <sip:probe@{HOST}:{local}>\r\n"
                "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
            ).encode(),
            (HOST, port),
        )
        try:
            while True:
                status = client.recv(4096).split(b"\r\n", 1)[0].decode()
                if not status.startswith("SIP/2.0 1"):
                    return status
        except OSError:
            return ""


@dataclass
class Kamailio:
    port: int
    agent_port: int
    log: Path


@dataclass
class Sipp:
    """Runs sipp in the test's temporary folder, where any files sipp writes stay."""

    workdir: Path
    processes: list[subprocess.Popen[str]] = field(default_factory=list)

    def agent(self, scenario: str, port: int) -> subprocess.Popen[str]:
        """Starts the agent side (a UAS) in the background; `finish` waits for it."""
        process = subprocess.Popen(
            [*self._command(scenario, port), "-timeout", "30", "-timeout_error"],
            cwd=self.workdir,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.processes.append(process)
        deadline = time.monotonic() + 10
        while not udp_port_bound(port):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"sipp agent did not start: {process.communicate()[0]}")
            time.sleep(0.05)
        return process

    def call(self, scenario: str, kamailio: Kamailio, dialed: str, caller: str) -> None:
        """Places one call; fails the test when the scenario does not play out."""
        command = [
            *self._command(scenario, free_port()),
            "-s", dialed, "-key", "caller", caller, "-d", "2000",
            "-timeout", "20", "-timeout_error", f"{HOST}:{kamailio.port}",
        ]  # fmt: skip
        done = subprocess.run(
            command, cwd=self.workdir, capture_output=True, text=True, timeout=40, check=False
        )
        assert done.returncode == 0, f"sipp {scenario} failed:\n{done.stdout}\n{done.stderr}"

    def finish(self, process: subprocess.Popen[str]) -> None:
        output, _ = process.communicate(timeout=40)
        assert process.returncode == 0, f"sipp agent failed:\n{output}"

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)
            if process.stdout is not None:
                process.stdout.close()

    def _command(self, scenario: str, port: int) -> list[str]:
        return [
            binary("sipp"), "-sf", str(SIPP_SCENARIOS / scenario),
            "-i", HOST, "-p", str(port), "-m", "1", "-nostdin",
        ]  # fmt: skip


@pytest.fixture
def sipp(tmp_path: Path) -> Iterator[Sipp]:
    runner = Sipp(tmp_path)
    yield runner
    runner.stop_all()


KamailioStarter = Callable[..., Kamailio]


@pytest.fixture
def start_kamailio(tmp_path: Path) -> Iterator[KamailioStarter]:
    """Starts Kamailio in the foreground with the rendered config; stops it at teardown."""
    started: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(
        url: str, secret: str | None, fallback: str | None = None, trusted: tuple[str, ...] = ()
    ) -> Kamailio:
        port, agent_port = free_port(), free_port()
        config = tmp_path / "kamailio.cfg"
        config.write_text(
            render_config(
                f"{HOST}:{port}",
                f"{HOST}:{agent_port}",
                url,
                secret,
                fallback,
                trusted_sources=trusted,
            )
        )
        runtime = tmp_path / "run"
        runtime.mkdir(exist_ok=True)
        log = tmp_path / "kamailio.log"
        command = [
            binary("kamailio"), "-f", str(config), "-DD", "-E", "-m", "64", "-M", "8",
            "-P", str(runtime / "kamailio.pid"), "-Y", str(runtime), "-w", str(runtime),
        ]  # fmt: skip
        with log.open("wb") as output:
            process = subprocess.Popen(
                command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )
        started.append((process, log))
        deadline = time.monotonic() + 15
        while sip_final_reply(port, "OPTIONS", "ping") != "SIP/2.0 200 OK":
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Kamailio did not start:\n{log.read_text(errors='replace')}")
        return Kamailio(port, agent_port, log)

    yield start
    for process, log in started:
        _stop(process)
        # Shown by pytest only when the test failed.
        print(f"--- kamailio log ---\n{log.read_text(errors='replace')}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@dataclass
class TrackedSite:
    site_id: str
    visit_id: str
    admin: httpx.Client


@pytest.fixture
def tracked_site(live_server: Any) -> Iterator[TrackedSite]:
    """A site with one pool number, leased to a visitor who came from a Google Ads click."""
    admin = httpx.Client(
        base_url=live_server.url,
        headers={"Authorization": f"Bearer {live_server.api_key}"},
        timeout=10,
    )
    site = admin.post("/v1/sites", json={"name": "Boilers", "forward_to": AGENT_NUMBER})
    assert site.status_code in (200, 201), site.text
    site_id, site_key = site.json()["site_id"], site.json()["site_key"]
    number = admin.post(
        f"/v1/sites/{site_id}/numbers", json={"number": POOL_NUMBER, "kind": "pool"}
    )
    assert number.status_code in (200, 201), number.text
    visit = httpx.post(
        f"{live_server.url}/v1/visits",
        json={"site_key": site_key, "landing_url": LANDING_URL, "referrer": "https://google.com/"},
        timeout=10,
    )
    assert visit.status_code in (200, 201), visit.text
    assert visit.json()["number"] == POOL_NUMBER
    yield TrackedSite(str(site_id), visit.json()["visit_id"], admin)
    admin.close()


def calls_of(site: TrackedSite) -> list[dict[str, Any]]:
    answer = site.admin.get("/v1/calls", params={"site": site.site_id})
    assert answer.status_code == 200, answer.text
    calls: list[dict[str, Any]] = answer.json()["calls"]
    return calls


def wait_for_call(site: TrackedSite, status: str, timeout: float = 15) -> dict[str, Any]:
    """The site's one call once it reaches `status` (events arrive from Kamailio's queue)."""
    deadline = time.monotonic() + timeout
    while True:
        calls = calls_of(site)
        if calls and calls[0]["status"] == status:
            assert len(calls) == 1, calls
            return calls[0]
        if time.monotonic() > deadline:
            pytest.fail(f"no {status} call within {timeout} s: {calls}")
        time.sleep(0.3)


def test_an_answered_call_to_a_leased_pool_number_is_stored_attributed_to_the_visit(
    live_server: Any, tracked_site: TrackedSite, start_kamailio: KamailioStarter, sipp: Sipp
) -> None:
    kamailio = start_kamailio(live_server.url, live_server.telephony_secret)
    agent = sipp.agent("agent_answers.xml", kamailio.agent_port)

    # Trunks send the dialed number as digits without '+'; callscope reads it as E.164.
    sipp.call("caller_answered.xml", kamailio, POOL_NUMBER.lstrip("+"), "+14155550123")
    sipp.finish(agent)

    call = wait_for_call(tracked_site, "completed")
    assert call["dialed_number"] == POOL_NUMBER
    assert call["caller"] == "+14155550123"
    assert call["agent_number"] == AGENT_NUMBER
    assert call["duration"] in (2, 3)
    assert call["visit_id"] == tracked_site.visit_id
    assert call["attribution"]["method"] == "pool"
    assert call["channel"]["source"] == "google"
    assert call["channel"]["term"] == "boiler repair"
    assert re.fullmatch(r"\d+-\d+@127\.0\.0\.1", call["call_id"]), call["call_id"]


def test_a_number_callscope_does_not_know_gets_404_and_no_call_is_stored(
    live_server: Any, tracked_site: TrackedSite, start_kamailio: KamailioStarter, sipp: Sipp
) -> None:
    kamailio = start_kamailio(live_server.url, live_server.telephony_secret)

    sipp.call("caller_not_found.xml", kamailio, "+15550100999", "+14155550123")

    time.sleep(2.5)  # two runs of Kamailio's event flush: anything queued would have arrived
    assert calls_of(tracked_site) == []


def test_a_busy_agent_gives_the_caller_486_and_a_failed_call_with_that_code(
    live_server: Any, tracked_site: TrackedSite, start_kamailio: KamailioStarter, sipp: Sipp
) -> None:
    kamailio = start_kamailio(live_server.url, live_server.telephony_secret)
    agent = sipp.agent("agent_busy.xml", kamailio.agent_port)

    sipp.call("caller_busy.xml", kamailio, POOL_NUMBER, "4155550142")
    sipp.finish(agent)

    call = wait_for_call(tracked_site, "failed")
    assert str(call["failure_code"]) == "486"
    assert call["failure_reason"] == "Busy Here"
    assert call["agent_number"] == AGENT_NUMBER
    assert call["caller"] == "+14155550142"
    assert call["visit_id"] == tracked_site.visit_id


class EventRecorder(BaseHTTPRequestHandler):
    """Stands in for callscope coming back: records the call events Kamailio retries."""

    events: ClassVar[list[tuple[dict[str, Any], str | None]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.events.append((json.loads(body), self.headers.get("X-Callscope-Secret")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test asserts on what arrived."""


def test_with_callscope_down_a_fallback_agent_takes_the_call_and_events_arrive_later(
    start_kamailio: KamailioStarter, sipp: Sipp
) -> None:
    callscope_port = free_port()  # nothing listens here until the call is over
    kamailio = start_kamailio(f"http://{HOST}:{callscope_port}", "s3cr3t", "+15550100300")
    agent = sipp.agent("agent_answers.xml", kamailio.agent_port)

    sipp.call("caller_answered.xml", kamailio, POOL_NUMBER, "+14155550123")
    sipp.finish(agent)

    EventRecorder.events = []
    server = ThreadingHTTPServer((HOST, callscope_port), EventRecorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        deadline = time.monotonic() + 15
        while len(EventRecorder.events) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        server.shutdown()
        server.server_close()

    events = [event for event, _ in EventRecorder.events]
    assert [event["event"] for event in events] == ["started", "answered", "completed"]
    assert {secret for _, secret in EventRecorder.events} == {"s3cr3t"}
    assert {event["agent_number"] for event in events} == {"+15550100300"}
    assert {event["dialed_number"] for event in events} == {POOL_NUMBER}
    assert len({event["call_id"] for event in events}) == 1
    assert events[2]["duration"] in (2, 3)
    for event in events:
        # RFC 3339 with microseconds and the host's UTC offset, e.g. ...T10:04:40.182958+00:00
        assert re.fullmatch(RFC3339_MICROS, event["at"]), event["at"]
        assert abs(datetime.fromisoformat(event["at"]) - datetime.now(UTC)) < timedelta(minutes=1)
    answered = datetime.fromisoformat(events[1]["at"])
    completed = datetime.fromisoformat(events[2]["at"])
    assert timedelta(seconds=1.9) < completed - answered < timedelta(seconds=3)


def test_only_trusted_sources_may_start_calls(start_kamailio: KamailioStarter) -> None:
    # callscope is never asked: an untrusted INVITE is refused before the route lookup.
    kamailio = start_kamailio(f"http://{HOST}:{free_port()}", None, trusted=("10.0.0.0/8",))

    assert sip_final_reply(kamailio.port, "INVITE", POOL_NUMBER) == "SIP/2.0 403 Forbidden"
