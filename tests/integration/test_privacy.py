"""Retention and erasure on request, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from callscope.adapters.recording_store import RecordingFiles
from callscope.adapters.tables.core import calls, route_notes
from callscope.adapters.tables.reporting import webhook_deliveries
from callscope.domain.calls import CallEvent, EventKind
from callscope.services.accounts import create_account
from callscope.services.calls import record_call_event
from callscope.services.privacy import purge
from callscope.services.visits import VisitRequest, start_visit
from tests.conftest import Api
from tests.integration.test_call_flow import POOL_NUMBER, make_site, site_key

CALLER = "+12125550123"
YEAR = timedelta(days=400)


def call_at(api: Api, call_id: str, at: datetime, caller: str = CALLER) -> None:
    event = CallEvent(call_id, EventKind.STARTED, at, POOL_NUMBER, caller)
    record_call_event(api.storage, event, 900, at)


def test_purge_deletes_what_is_older_than_the_cutoff_and_keeps_the_rest(
    api: Api, tmp_path: Path
) -> None:
    site_id = make_site(api)
    key = site_key(api, site_id)
    now = datetime.now(UTC)
    old = start_visit(api.storage, VisitRequest(key, "https://a/?gclid=old"), 900, now - YEAR)
    api.client.post("/v1/visits", json={"site_key": key, "landing_url": "https://a/?gclid=1"})
    call_at(api, "old", now - timedelta(days=400))
    call_at(api, "new", now - timedelta(days=3))
    deleted = purge(api.storage, now - timedelta(days=365), RecordingFiles(tmp_path))
    assert (deleted["calls"], deleted["call_events"]) == (1, 1)
    assert (deleted["visits"], deleted["leases"]) == (1, 1)  # the old visit and its lease
    assert old.visit is not None
    assert api.client.get(f"/v1/visits/{old.visit.id}", headers=api.admin).status_code == 404
    log = api.client.get(
        "/v1/calls",
        headers=api.admin,
        params={"site": site_id, "from": "2000-01-01", "to": "2100-01-01"},
    )
    assert [c["call_id"] for c in log.json()["calls"]] == ["new"]


def test_erasing_a_caller_removes_the_number_from_this_accounts_calls_only(api: Api) -> None:
    site_id = make_site(api)
    now = datetime.now(UTC)
    call_at(api, "c1", now)
    call_at(api, "c2", now + timedelta(minutes=5))
    call_at(api, "c3", now + timedelta(minutes=6), caller="+12125550999")
    _, other = create_account(api.storage, "Other", now)
    refused = api.client.delete(
        f"/v1/callers/{CALLER}", headers={"Authorization": f"Bearer {other}"}
    )
    assert refused.json() == {"calls": 0}
    answer = api.client.delete("/v1/callers/(212) 555-0123", headers=api.admin)
    assert answer.json() == {"calls": 2}
    log = api.client.get(
        "/v1/calls",
        headers=api.admin,
        params={"site": site_id, "from": "2000-01-01", "to": "2100-01-01"},
    )
    callers = sorted(str(c["caller"]) for c in log.json()["calls"])
    assert callers == ["+12125550999", "None", "None"]


def tenant(api: Api, key: str, extension: str) -> dict[str, str]:
    """A site with an extension number and a webhook; a typed code and a call from CALLER."""
    admin = {"Authorization": f"Bearer {key}"}
    site = api.client.post(
        "/v1/sites", headers=admin, json={"name": "Shop", "forward_to": "+15550100199"}
    ).json()
    numbers = f"/v1/sites/{site['site_id']}/numbers"
    api.client.post(numbers, headers=admin, json={"number": extension, "kind": "extension"})
    hooks = f"/v1/sites/{site['site_id']}/webhooks"
    api.client.post(hooks, headers=admin, json={"url": "https://hooks.example/x"})
    routed = api.client.get(
        "/v1/route",
        headers=api.telephony,
        params={"dialed_number": extension, "caller": CALLER, "ext": "1234"},
    )
    assert routed.status_code == 200
    now = datetime.now(UTC)
    for kind in (EventKind.STARTED, EventKind.COMPLETED):  # completed: a call.completed payload
        event = CallEvent(f"call-{extension}", kind, now, extension, CALLER, duration=10)
        record_call_event(api.storage, event, 900, now)
    return admin


def callers_left(api: Api) -> tuple[int, int, int]:
    """How many calls, route notes and webhook payloads still hold CALLER."""
    with api.storage.engine.connect() as conn:
        held = (
            select(func.count()).select_from(calls).where(calls.c.caller == CALLER),
            select(func.count()).select_from(route_notes).where(route_notes.c.caller == CALLER),
            select(func.count())
            .select_from(webhook_deliveries)
            .where(webhook_deliveries.c.payload.contains(CALLER)),
        )
        counts = [int(conn.execute(query).scalar_one()) for query in held]
    return counts[0], counts[1], counts[2]


def test_erasing_a_caller_clears_route_notes_and_webhook_payloads_of_this_account_only(
    api: Api,
) -> None:
    mine = tenant(api, api.api_key, "+15550100300")
    _, other_key = create_account(api.storage, "Other", datetime.now(UTC))
    tenant(api, other_key, "+15550100301")
    assert callers_left(api) == (2, 2, 2)
    assert api.client.delete(f"/v1/callers/{CALLER}", headers=mine).json() == {"calls": 1}
    assert callers_left(api) == (1, 1, 1)  # the other account's records keep their caller
    with api.storage.engine.connect() as conn:
        kept = conn.execute(select(route_notes.c.number_id, route_notes.c.caller)).all()
    assert [caller for _, caller in kept] == [CALLER]
