"""Retention and erasure on request, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from callscope.adapters.recording_store import RecordingFiles
from callscope.domain.calls import CallEvent, EventKind
from callscope.services.accounts import create_account
from callscope.services.calls import record_call_event
from callscope.services.privacy import purge
from tests.conftest import Api
from tests.integration.test_call_flow import POOL_NUMBER, make_site, site_key

CALLER = "+12125550123"


def call_at(api: Api, call_id: str, at: datetime, caller: str = CALLER) -> None:
    event = CallEvent(call_id, EventKind.STARTED, at, POOL_NUMBER, caller)
    record_call_event(api.storage, event, 900, at)


def test_purge_deletes_what_is_older_than_the_cutoff_and_keeps_the_rest(
    api: Api, tmp_path: Path
) -> None:
    site_id = make_site(api)
    api.client.post(
        "/v1/visits", json={"site_key": site_key(api, site_id), "landing_url": "https://a/?gclid=1"}
    )
    now = datetime.now(UTC)
    call_at(api, "old", now - timedelta(days=400))
    call_at(api, "new", now - timedelta(days=3))
    deleted = purge(api.storage, now - timedelta(days=365), RecordingFiles(tmp_path))
    assert (deleted["calls"], deleted["call_events"], deleted["visits"]) == (1, 1, 0)
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
