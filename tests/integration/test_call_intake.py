"""Call events a busy server stores as they come and applies just after the answer end exactly
as events applied at once: the same call, reports, webhooks; repeats change nothing; reads apply
what is pending first. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from callscope.adapters.storage import Storage
from callscope.adapters.tables.core import call_events
from callscope.domain.calls import CallEvent, EventKind
from callscope.entrypoints.http.app import create_app
from callscope.services.accounts import create_account
from callscope.services.calls import accept_call_event, apply_pending, record_call_event
from callscope.settings import Settings
from tests.conftest import SECRET, Api
from tests.integration.test_call_flow import FORWARD, LANDING, POOL_NUMBER, at, make_site, site_key
from tests.integration.test_idempotency import everything_about_the_call

NOW = datetime.now(UTC).replace(microsecond=0)
CALLER = "+12125550123"


def app_applying(storage: Storage, inline: int) -> Iterator[Api]:
    settings = Settings(  # type: ignore[call-arg]
        database_url="sqlite://",
        telephony_secret=SECRET,
        visits_per_ip_per_minute=0,
        leases_per_ip=10_000,
        serve_runs_jobs=False,
        call_events_inline=inline,
        _env_file=None,
    )
    _, key = create_account(storage, "Test account", NOW)
    with TestClient(create_app(settings, storage=storage)) as client:
        yield Api(client, storage, key)


@pytest.fixture(params=[4, 0], ids=["applied-at-once", "stored-then-applied"])
def api_inline(request: pytest.FixtureRequest, storage: Storage) -> Iterator[Api]:
    yield from app_applying(storage, request.param)


def post(api: Api, kind: str, moment: str, **extra: object) -> dict[str, object]:
    body = {"call_id": "CA-1", "event": kind, "at": moment, "dialed_number": POOL_NUMBER}
    answer = api.client.post(
        "/v1/calls/events", headers=api.telephony, json={"caller": CALLER, **body, **extra}
    )
    assert answer.status_code == 200, answer.text
    found: dict[str, object] = answer.json()
    return found


def test_a_call_ends_the_same_whether_its_events_were_applied_at_once_or_after(
    api_inline: Api,
) -> None:
    api = api_inline
    site_id = make_site(api)
    api.client.post(
        f"/v1/sites/{site_id}/webhooks", headers=api.admin, json={"url": "https://hooks.example/x"}
    )
    api.client.post("/v1/visits", json={"site_key": site_key(api, site_id), "landing_url": LANDING})
    now = datetime.now(UTC) + timedelta(seconds=1)  # while the visit holds the number
    answers = [
        post(api, "started", at(now)),
        post(api, "answered", at(now, 6), agent_number=FORWARD),
        post(api, "completed", at(now, 101), duration=95),
        post(api, "completed", at(now, 300), duration=5),  # a retry: changes nothing
    ]
    queued = api.client.app.state.settings.call_events_inline == 0  # type: ignore[attr-defined]
    assert [a["queued"] for a in answers] == [queued] * 4

    log, report, webhooks = json.loads(everything_about_the_call(api, site_id))
    (call,) = log["calls"]
    assert (call["status"], call["duration"], call["caller"]) == ("completed", 95, CALLER)
    assert (call["attribution"]["method"], call["channel"]["source"]) == ("pool", "google")
    (row,) = report["rows"]
    assert (row["calls"], row["answered"], row["first_time_callers"]) == (1, 1, 1)
    assert [event_id for event_id, _ in webhooks] == ["CA-1:call.attributed", "CA-1:call.completed"]
    assert pending_events(api) == []


def pending_events(api: Api) -> list[str]:
    with api.storage.engine.connect() as conn:
        query = select(call_events.c.call_id).where(call_events.c.pending)
        return list(conn.execute(query).scalars())


def started(call_id: str, moment: datetime) -> CallEvent:
    return CallEvent(call_id, EventKind.STARTED, moment, POOL_NUMBER, CALLER)


def test_stored_events_apply_as_they_would_have_at_once_and_repeats_change_nothing(
    api: Api,
) -> None:
    make_site(api)
    events = [
        started("CA-now", NOW),
        replace(started("CA-now", NOW), event=EventKind.ANSWERED, at=NOW.replace(second=5)),
    ]
    for event in events:
        record_call_event(api.storage, event, 900, NOW)
    for event in events:
        stored = replace(event, call_id="CA-later", at=event.at + timedelta(minutes=1))
        assert accept_call_event(api.storage, stored, 900, NOW) is True
        assert accept_call_event(api.storage, stored, 900, NOW) is False  # a repeat
    apply_pending(api.storage, NOW)  # (unless the server's own loop was first)
    assert pending_events(api) == []

    log = api.client.get(
        "/v1/calls",
        headers=api.admin,
        params={"site": 1, "from": "2000-01-01", "to": "2100-01-01"},
    ).json()["calls"]
    now, later = sorted(log, key=lambda c: c["call_id"] == "CA-later")
    assert now["call_id"] == "CA-now"
    same = ("status", "dialed_number", "caller", "attribution", "channel", "duration")
    assert [later[k] for k in same] == [now[k] for k in same]
    assert (now["first_time"], later["first_time"]) == (True, False)  # the caller's 2nd call


def test_a_repeat_applied_at_once_first_applies_the_stored_delivery(api: Api) -> None:
    make_site(api)
    event = started("CA-2", NOW)
    accept_call_event(api.storage, event, 900, NOW)
    call = record_call_event(api.storage, event, 900, NOW)  # the platform's retry
    assert (call.call_id, call.status.value) == ("CA-2", "ringing")
    assert pending_events(api) == []
    with api.storage.engine.connect() as conn:
        rows = conn.execute(select(call_events.c.pending, call_events.c.payload)).all()
    assert [tuple(r) for r in rows] == [(False, None)]


def test_a_stored_event_for_a_number_removed_meanwhile_is_set_aside(api: Api) -> None:
    site_id = make_site(api)
    accept_call_event(api.storage, started("CA-3", NOW), 900, NOW)
    (number,) = api.client.get(f"/v1/sites/{site_id}/numbers", headers=api.admin).json()["numbers"]
    removed = api.client.delete(
        f"/v1/sites/{site_id}/numbers/{number['number_id']}", headers=api.admin
    )
    assert removed.status_code in (200, 204), removed.text
    apply_pending(api.storage, NOW)  # (unless the server's own loop was first)
    assert pending_events(api) == []
    log = api.client.get(
        "/v1/calls", headers=api.admin, params={"site": site_id, "from": "2000-01-01"}
    )
    assert log.json()["calls"] == []
