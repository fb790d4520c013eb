"""Outgoing webhooks: queued once per event and endpoint, signed, retried with backoff against
a receiver that is down at first, and delivered exactly once per event after it recovers."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from callscope.adapters.storage import Storage
from callscope.domain.calls import Attribution, AttributionMethod, Call
from callscope.domain.channel import Channel
from callscope.domain.sites import NumberKind
from callscope.services import webhooks
from callscope.services.accounts import create_account
from callscope.services.sites import NumberDraft, SiteDraft, add_number, create_site
from tests.conftest import Api

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


@dataclass
class Receiver:
    """A local HTTP receiver that answers 503 while `down`, then 200; it records every
    request it got and which ones it accepted."""

    down: bool = True
    seen: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""

    def accepted(self) -> list[tuple[dict[str, str], bytes]]:
        return [(h, b) for status, h, b in self.seen if status == 200]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status = 503 if state.down else 200
            state.seen.append((status, dict(self.headers.items()), body))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/hooks"
    yield state
    server.shutdown()
    server.server_close()


@dataclass(frozen=True)
class Setup:
    account_id: int
    site_id: int
    number_id: int


@pytest.fixture
def setup(storage: Storage) -> Setup:
    account, _ = create_account(storage, "Hooks", T0)
    site = create_site(storage, account.id, SiteDraft("Northside", "+15550100199"), T0)
    radio = Channel("radio", "offline", "morning-show")
    number = add_number(
        storage, account.id, site.id, NumberDraft("+15550100101", NumberKind.STATIC, radio), T0
    )
    return Setup(account.id, site.id, number.id)


def a_call(setup: Setup, call_id: str, **changes: Any) -> Call:
    fields: dict[str, Any] = {
        "call_id": call_id,
        "site_id": setup.site_id,
        "number_id": setup.number_id,
        "dialed_number": "+15550100101",
        "caller": "+12125550123",
        "started_at": T0,
        "attribution": Attribution(
            AttributionMethod.STATIC, 1.0, Channel("radio", "offline", "morning-show")
        ),
        "first_time": True,
        "answered_at": T0 + timedelta(seconds=5),
        "ended_at": T0 + timedelta(seconds=100),
        "duration": 95,
    }
    return Call(**{**fields, **changes})


def enqueue(storage: Storage, call: Call, now: datetime) -> int:
    with storage.write() as uow:
        queued = webhooks.enqueue_for_call(uow, call, now)
        uow.commit()
    return queued


def test_a_completed_attributed_call_queues_each_event_once_per_endpoint(
    storage: Storage, setup: Setup
) -> None:
    webhooks.add_endpoint(
        storage, setup.account_id, setup.site_id, "https://a.example/h", webhooks.EVENTS, T0
    )
    webhooks.add_endpoint(
        storage, setup.account_id, setup.site_id, "https://b.example/h", ("call.completed",), T0
    )
    call = a_call(setup, "CA-1")
    assert enqueue(storage, call, T0) == 3  # both events to A, the completed one to B
    assert enqueue(storage, call, T0 + timedelta(seconds=1)) == 0  # telephony retried
    ringing = a_call(setup, "CA-2", answered_at=None, ended_at=None, duration=None)
    assert enqueue(storage, ringing, T0) == 1  # attributed already, not completed yet
    assert enqueue(storage, a_call(setup, "CA-2"), T0) == 2  # now completed, to A and B
    deliveries = webhooks.list_deliveries(storage, setup.account_id, setup.site_id)
    assert sorted((d.endpoint.url[8:9], d.event_id) for d in deliveries) == [
        ("a", "CA-1:call.attributed"),
        ("a", "CA-1:call.completed"),
        ("a", "CA-2:call.attributed"),
        ("a", "CA-2:call.completed"),
        ("b", "CA-1:call.completed"),
        ("b", "CA-2:call.completed"),
    ]


def test_an_unattributed_call_queues_no_attributed_event(storage: Storage, setup: Setup) -> None:
    webhooks.add_endpoint(
        storage, setup.account_id, setup.site_id, "https://a.example/h", webhooks.EVENTS, T0
    )
    lost = a_call(setup, "CA-3", attribution=Attribution(AttributionMethod.NONE, 0.0))
    assert enqueue(storage, lost, T0) == 1
    (delivery,) = webhooks.list_deliveries(storage, setup.account_id, setup.site_id)
    assert delivery.event_type == "call.completed"


def test_deliveries_retry_with_backoff_and_arrive_once_each_when_the_receiver_recovers(
    storage: Storage, setup: Setup, receiver: Receiver
) -> None:
    endpoint = webhooks.add_endpoint(
        storage, setup.account_id, setup.site_id, receiver.url, webhooks.EVENTS, T0
    )
    enqueue(storage, a_call(setup, "CA-9"), T0)

    assert webhooks.deliver_due(storage, T0) == webhooks.DeliveryRun(delivered=0, failed=2)
    assert webhooks.deliver_due(storage, T0 + timedelta(seconds=29)) == webhooks.DeliveryRun(0, 0)
    assert webhooks.deliver_due(storage, T0 + timedelta(seconds=30)) == webhooks.DeliveryRun(0, 2)
    # Second failure: the next try waits 60 s more.
    assert webhooks.deliver_due(storage, T0 + timedelta(seconds=89)) == webhooks.DeliveryRun(0, 0)
    receiver.down = False
    recovered = T0 + timedelta(seconds=90)
    assert webhooks.deliver_due(storage, recovered) == webhooks.DeliveryRun(2, 0)
    assert webhooks.deliver_due(storage, recovered + timedelta(days=1)) == webhooks.DeliveryRun(
        0, 0
    )

    assert len(receiver.seen) == 6  # 2 events x (2 refused + 1 accepted)
    accepted = receiver.accepted()
    ids = sorted(h["X-Callscope-Event-Id"] for h, _ in accepted)
    assert ids == ["CA-9:call.attributed", "CA-9:call.completed"]
    for headers, body in accepted:
        signature = headers["X-Callscope-Signature"]
        assert webhooks.verify_signature(endpoint.secret, signature, body, recovered)
        assert not webhooks.verify_signature("whsec_wrong", signature, body, recovered)
        assert not webhooks.verify_signature(endpoint.secret, signature, body + b" ", recovered)
        event = json.loads(body)
        assert event["id"] == headers["X-Callscope-Event-Id"]
        assert event["type"] == headers["X-Callscope-Event"]
        assert event["data"]["channel"]["source"] == "radio"
        assert event["data"]["duration"] == 95
    states = webhooks.list_deliveries(storage, setup.account_id, setup.site_id)
    assert {(d.attempts, d.delivered_at) for d in states} == {(3, recovered)}


def test_a_signature_older_than_five_minutes_is_refused() -> None:
    body = b'{"id": "x"}'
    header = webhooks.signature_header("whsec_s", body, T0)
    assert webhooks.verify_signature("whsec_s", header, body, T0 + timedelta(seconds=300))
    assert not webhooks.verify_signature("whsec_s", header, body, T0 + timedelta(seconds=301))


def test_backoff_doubles_from_thirty_seconds_up_to_six_hours() -> None:
    delays = [webhooks.retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 10, 11, 50)]
    assert delays == [30, 60, 120, 240, 30 * 2**9, 6 * 3600, 6 * 3600]


def test_a_delivery_claimed_by_one_worker_is_not_sent_by_another(
    storage: Storage, setup: Setup
) -> None:
    webhooks.add_endpoint(
        storage, setup.account_id, setup.site_id, "https://a.example/h", ("call.completed",), T0
    )
    enqueue(storage, a_call(setup, "CA-5"), T0)
    sent: list[str] = []

    def slow_send(url: str, body: bytes, headers: dict[str, str]) -> int:
        # While this worker is sending, a second worker looks for due deliveries.
        assert webhooks.deliver_due(storage, T0, send=lambda *_: 200) == webhooks.DeliveryRun(0, 0)
        sent.append(headers["X-Callscope-Event-Id"])
        return 204

    assert webhooks.deliver_due(storage, T0, send=slow_send) == webhooks.DeliveryRun(1, 0)
    assert sent == ["CA-5:call.completed"]


def test_webhook_endpoints_over_http_show_the_secret_once(api: Api) -> None:
    site = api.client.post(
        "/v1/sites", headers=api.admin, json={"name": "N", "forward_to": "+15550100199"}
    ).json()["site_id"]
    made = api.client.post(
        f"/v1/sites/{site}/webhooks", headers=api.admin, json={"url": "https://crm.example/in"}
    )
    assert made.status_code == 201, made.text
    assert made.json()["secret"].startswith("whsec_")
    assert made.json()["events"] == [
        "call.completed",
        "call.attributed",
        "call.transcribed",
        "call.scored",
        "lead.updated",
    ]
    listed = api.client.get(f"/v1/sites/{site}/webhooks", headers=api.admin).json()["webhooks"]
    assert listed == [
        {
            "id": made.json()["id"],
            "url": "https://crm.example/in",
            "events": made.json()["events"],
        }
    ]
    bad = api.client.post(
        f"/v1/sites/{site}/webhooks",
        headers=api.admin,
        json={"url": "ftp://x.example", "events": ["call.completed"]},
    )
    assert bad.status_code == 400
    gone = api.client.delete(f"/v1/sites/{site}/webhooks/{made.json()['id']}", headers=api.admin)
    assert gone.status_code == 204
    assert api.client.get(f"/v1/sites/{site}/webhooks", headers=api.admin).json() == {
        "webhooks": []
    }
