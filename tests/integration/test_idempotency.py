"""Retries are harmless: a second delivery of a (call id, event), whatever else it carries,
changes nothing (the call, the reports, the queued webhooks), over HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from callscope.adapters.tables.reporting import webhook_deliveries
from tests.conftest import Api
from tests.integration.test_call_flow import FORWARD, LANDING, at, make_site, send, site_key

NOW = datetime.now(UTC).replace(microsecond=0)

# One resend each: the same event kind as one already delivered, with a different payload.
RESENDS = {
    "a longer duration": ("completed", at(NOW, 101), {"duration": 300}),
    "a late record_url": ("completed", at(NOW, 101), {"record_url": "https://rec/late.mp3"}),
    "a later end": ("completed", at(NOW, 900), {"duration": 95}),
    "an earlier start": ("started", at(NOW, -600), {}),
    "a later answer": ("answered", at(NOW, 60), {"agent_number": "+15550100188"}),
    "an earlier answer": ("answered", at(NOW, 1), {}),
}


def everything_about_the_call(api: Api, site_id: int) -> str:
    """The call log, the channel report and the queued webhook payloads, as one text."""
    period = {"site": site_id, "from": "2000-01-01", "to": "2100-01-01"}
    log = api.client.get("/v1/calls", headers=api.admin, params=period).json()
    report = api.client.get("/v1/reports/channels", headers=api.admin, params=period).json()
    with api.storage.engine.connect() as conn:
        queued = conn.execute(
            select(webhook_deliveries.c.event_id, webhook_deliveries.c.payload).order_by(
                webhook_deliveries.c.id
            )
        ).all()
    return json.dumps([log, report, [tuple(row) for row in queued]], sort_keys=True)


@pytest.mark.parametrize("resend", list(RESENDS), ids=list(RESENDS))
def test_a_resent_event_with_another_payload_changes_nothing(api: Api, resend: str) -> None:
    site_id = make_site(api)
    api.client.post(
        f"/v1/sites/{site_id}/webhooks", headers=api.admin, json={"url": "https://hooks.example/x"}
    )
    api.client.post("/v1/visits", json={"site_key": site_key(api, site_id), "landing_url": LANDING})
    send(api, "started", at(NOW))
    send(api, "answered", at(NOW, 6), agent_number=FORWARD)
    send(api, "completed", at(NOW, 101), duration=95)
    before = everything_about_the_call(api, site_id)
    (call,) = json.loads(before)[0]["calls"]
    assert (call["duration"], call["record_url"], call["status"]) == (95, None, "completed")

    kind, moment, extra = RESENDS[resend]
    send(api, kind, moment, **extra)

    assert everything_about_the_call(api, site_id) == before


def test_a_resent_event_answers_with_the_call_as_stored(api: Api) -> None:
    make_site(api)
    send(api, "started", at(NOW))
    send(api, "completed", at(NOW, 30), duration=0)
    body = {
        "call_id": "CA-1",
        "event": "completed",
        "at": at(NOW + timedelta(seconds=40)),
        "dialed_number": "+15550100201",
        "duration": 25,
    }
    again = api.client.post("/v1/calls/events", headers=api.telephony, json=body)
    assert again.status_code == 200
    assert again.json()["status"] == "missed"  # the first completion (0 s) stands
