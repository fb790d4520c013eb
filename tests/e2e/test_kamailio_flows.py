"""Call flows through Debian's Kamailio with the rendered config, placed and answered by sipp:
serial forking over the plan's steps (first agent busy -> second answers; nobody answers ->
the voicemail box), after hours -> the voicemail box, and a blocked caller refused with 403
and stored as spam."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.e2e.test_kamailio import (  # fixtures and helpers of the Kamailio tests
    HOST,
    KamailioStarter,
    Sipp,
    free_port,
    sipp,
    start_kamailio,
)

__all__ = ["sipp", "start_kamailio"]  # fixtures, used by name
pytestmark = pytest.mark.e2e

NUMBER = "+15550100011"
CALLER = "+14155550123"


class FlowSite:
    def __init__(self, live_server: Any) -> None:
        self.admin = httpx.Client(
            base_url=live_server.url,
            headers={"Authorization": f"Bearer {live_server.api_key}"},
            timeout=10,
        )
        site = self.admin.post("/v1/sites", json={"name": "Flows", "forward_to": "+15550100200"})
        assert site.status_code == 201, site.text
        self.site_id = site.json()["site_id"]
        number = self.admin.post(
            f"/v1/sites/{self.site_id}/numbers",
            json={"number": NUMBER, "kind": "static", "channel": {"source": "radio"}},
        )
        assert number.status_code == 201, number.text

    def flow(self, **flow: Any) -> None:
        put = self.admin.put(f"/v1/sites/{self.site_id}/flow", json={"time_zone": "UTC", **flow})
        assert put.status_code == 200, put.text

    def wait_for_call(self, status: str, timeout: float = 20) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            answer = self.admin.get("/v1/calls", params={"site": self.site_id})
            assert answer.status_code == 200, answer.text
            calls = answer.json()["calls"]
            if calls and calls[0]["status"] == status:
                assert len(calls) == 1, calls
                found: dict[str, Any] = calls[0]
                return found
            if time.monotonic() > deadline:
                pytest.fail(f"no {status} call within {timeout} s: {calls}")
            time.sleep(0.3)


@pytest.fixture
def flow_site(live_server: Any) -> Iterator[FlowSite]:
    site = FlowSite(live_server)
    yield site
    site.admin.close()


def agent_uri(name: str, port: int) -> str:
    return f"sip:{name}@{HOST}:{port}"


def test_the_first_agent_is_busy_so_the_second_answers(
    live_server: Any, flow_site: FlowSite, start_kamailio: KamailioStarter, sipp: Sipp
) -> None:
    busy_port, answer_port = free_port(), free_port()
    flow_site.flow(
        targets=[agent_uri("alice", busy_port), agent_uri("bob", answer_port)],
        strategy="in_order",
        ring_seconds=[10, 10],
    )
    kamailio = start_kamailio(live_server.url, live_server.telephony_secret)
    busy = sipp.agent("agent_busy.xml", busy_port)
    answers = sipp.agent("agent_answers.xml", answer_port)

    sipp.call("caller_answered.xml", kamailio, NUMBER.lstrip("+"), CALLER)
    sipp.finish(busy)
    sipp.finish(answers)

    call = flow_site.wait_for_call("completed")
    assert (call["caller"], call["dialed_number"]) == (CALLER, NUMBER)
    assert call["duration"] in (2, 3)


def test_nobody_answers_so_the_voicemail_box_takes_the_call(
    live_server: Any, flow_site: FlowSite, start_kamailio: KamailioStarter, sipp: Sipp
) -> None:
    silent_port, mailbox_port = free_port(), free_port()  # nothing listens at silent_port
    flow_site.flow(
        targets=[agent_uri("alice", silent_port)],
        strategy="in_order",
        ring_seconds=[5],
        voicemail={"target": agent_uri("voicemail", mailbox_port)},
    )
    kamailio = start_kamailio(live_server.url, live_server.telephony_secret)
    mailbox = sipp.agent("agent_answers.xml", mailbox_port)

    sipp.call("caller_answered.xml", kamailio, NUMBER, CALLER)
    sipp.finish(mailbox)

    flow_site.wait_for_call("completed")


def test_after_hours_the_voicemail_box_takes_the_call(
    live_server: Any, flow_site: FlowSite, start_kamailio: KamailioStarter, sipp: Sipp
) -> None:
    agent_port, mailbox_port = free_port(), free_port()
    elsewhere = (datetime.now(UTC) + timedelta(days=3)).strftime("%a").lower()
    flow_site.flow(
        targets=[agent_uri("alice", agent_port)],
        hours=[{"day": elsewhere, "opens": "09:00", "closes": "10:00"}],
        voicemail={"target": agent_uri("voicemail", mailbox_port)},
    )
    plan = httpx.get(
        f"{live_server.url}/v1/route/plan",
        params={"dialed_number": NUMBER, "caller": CALLER},
        headers={"X-Callscope-Secret": live_server.telephony_secret},
    ).json()
    assert (plan["reason"], plan["targets"]) == ("after_hours", [])
    kamailio = start_kamailio(live_server.url, live_server.telephony_secret)
    mailbox = sipp.agent("agent_answers.xml", mailbox_port)  # the agent's phone is not on

    sipp.call("caller_answered.xml", kamailio, NUMBER, CALLER)
    sipp.finish(mailbox)

    flow_site.wait_for_call("completed")


def test_a_blocked_caller_is_refused_with_403_and_stored_as_spam(
    live_server: Any, flow_site: FlowSite, start_kamailio: KamailioStarter, sipp: Sipp
) -> None:
    flow_site.flow(targets=[agent_uri("alice", free_port())])
    blocked = flow_site.admin.post(
        "/v1/blocklist", json={"prefix": "+1415", "reason": "robocall range"}
    )
    assert blocked.status_code == 201, blocked.text
    kamailio = start_kamailio(live_server.url, live_server.telephony_secret)

    sipp.call("caller_blocked.xml", kamailio, NUMBER, CALLER)

    call = flow_site.wait_for_call("spam")
    assert (call["caller"], call["spam_reason"]) == (CALLER, "blocklist: robocall range")
    assert call["call_id"].endswith(f"@{HOST}")  # Kamailio's Call-ID: the SIP call's own
