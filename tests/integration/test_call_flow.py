"""One call end to end over HTTP, on SQLite and PostgreSQL: visit -> route -> events -> reports."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from callscope.adapters.tables.core import leases
from callscope.adapters.tables.rollups import uncounted_visits, visit_rollups
from callscope.entrypoints.http.deps import get_now
from tests.conftest import Api

FORWARD = "+15550100199"
POOL_NUMBER = "+15550100201"
LANDING = "https://northside.example/?utm_source=google&utm_medium=cpc&utm_term=boiler+repair"


def make_site(api: Api, pool: tuple[str, ...] = (POOL_NUMBER,)) -> int:
    site = api.client.post(
        "/v1/sites", headers=api.admin, json={"name": "Northside", "forward_to": "(555) 010-0199"}
    )
    assert site.status_code == 201, site.text
    site_id: int = site.json()["site_id"]
    for number in pool:
        added = api.client.post(
            f"/v1/sites/{site_id}/numbers",
            headers=api.admin,
            json={"number": number, "kind": "pool"},
        )
        assert added.status_code == 201, added.text
    return site_id


def site_key(api: Api, site_id: int) -> str:
    key: str = api.client.get(f"/v1/sites/{site_id}", headers=api.admin).json()["site_key"]
    return key


def at(moment: datetime, plus_seconds: int = 0) -> str:
    return (moment + timedelta(seconds=plus_seconds)).isoformat()


def send(api: Api, event: str, at: str, **extra: object) -> None:
    body = {
        "call_id": "CA-1",
        "event": event,
        "at": at,
        "dialed_number": POOL_NUMBER,
        "caller": "+12125550123",
        **extra,
    }
    answer = api.client.post("/v1/calls/events", headers=api.telephony, json=body)
    assert answer.status_code == 200, answer.text


def test_a_google_cpc_visit_calls_and_the_report_shows_exactly_that_call(api: Api) -> None:
    site_id = make_site(api)
    visit = api.client.post(
        "/v1/visits",
        json={"site_key": site_key(api, site_id), "landing_url": LANDING, "referrer": ""},
    )
    assert visit.status_code == 200, visit.text
    shown = visit.json()
    assert shown["number"] == POOL_NUMBER
    assert shown["channel"] == {
        "source": "google",
        "medium": "cpc",
        "campaign": None,
        "term": "boiler repair",
    }
    assert shown["replace"] == [FORWARD]

    routed = api.client.get(
        "/v1/route",
        headers=api.telephony,
        params={"dialed_number": POOL_NUMBER, "caller": "+12125550123"},
    )
    assert routed.status_code == 200
    assert routed.headers["content-type"].startswith("text/plain")
    assert routed.text == FORWARD

    now = datetime.now(UTC)
    for _ in range(2):  # telephony retries: every event arrives twice
        send(api, "started", at(now))
        send(api, "answered", at(now, 6), agent_number=FORWARD)
        send(api, "completed", at(now, 101), duration=95, record_url="https://rec/1.mp3")

    report = api.client.get(
        "/v1/reports/channels",
        headers=api.admin,
        params={"site": site_id, "by": "term", "from": "2000-01-01", "to": "2100-01-01"},
    )
    assert report.status_code == 200, report.text
    rows = {row["term"]: row for row in report.json()["rows"]}
    assert rows["boiler repair"]["calls"] == 1
    assert rows["boiler repair"]["answered"] == 1
    assert rows["boiler repair"]["first_time_callers"] == 1
    assert rows["boiler repair"]["visits"] == 1
    assert rows["boiler repair"]["avg_duration"] == 95

    log = api.client.get(
        "/v1/calls",
        headers=api.admin,
        params={"site": site_id, "from": "2000-01-01", "to": "2100-01-01"},
    )
    (call,) = log.json()["calls"]
    assert call["visit_id"] == shown["visit_id"]
    assert call["status"] == "completed"
    assert call["duration"] == 95
    assert call["record_url"] == "https://rec/1.mp3"
    assert call["attribution"]["method"] == "pool"
    assert call["attribution"]["confidence"] >= 0.9
    assert call["channel"]["term"] == "boiler repair"


def test_a_known_number_routes_even_without_a_lease_and_an_unknown_one_is_404(api: Api) -> None:
    make_site(api)
    routed = api.client.get(
        "/v1/route", headers=api.telephony, params={"dialed_number": POOL_NUMBER, "ext": "9999"}
    )
    assert (routed.status_code, routed.text) == (200, FORWARD)
    unknown = api.client.get(
        "/v1/route", headers=api.telephony, params={"dialed_number": "+15550109999"}
    )
    assert unknown.status_code == 404
    assert unknown.json() == {"error": "not a tracking number"}


def test_an_exhausted_pool_falls_back_to_the_extension_number_with_a_code(api: Api) -> None:
    site_id = make_site(api)
    api.client.post(
        f"/v1/sites/{site_id}/numbers",
        headers=api.admin,
        json={"number": "+15550100300", "kind": "extension"},
    )
    key = site_key(api, site_id)
    first = api.client.post("/v1/visits", json={"site_key": key, "landing_url": LANDING}).json()
    second = api.client.post("/v1/visits", json={"site_key": key, "landing_url": LANDING}).json()
    assert first["mode"] == "pool"
    assert (second["mode"], second["number"]) == ("extension", "+15550100300")
    assert second["ext"] is not None and len(second["ext"]) == 4
    assert second["reason"] == "pool exhausted"

    body = {
        "call_id": "CA-ext",
        "event": "started",
        "at": at(datetime.now(UTC)),
        "dialed_number": "+15550100300",
        "caller": "+12125550100",
        "ext": second["ext"],
    }
    api.client.post("/v1/calls/events", headers=api.telephony, json=body)
    log = api.client.get(
        "/v1/calls",
        headers=api.admin,
        params={"site": site_id, "from": "2000-01-01", "to": "2100-01-01"},
    )
    (call,) = log.json()["calls"]
    assert call["visit_id"] == second["visit_id"]
    assert call["attribution"]["method"] == "extension"


def test_without_an_extension_number_an_exhausted_pool_shows_the_site_number(api: Api) -> None:
    key = site_key(api, make_site(api))
    api.client.post("/v1/visits", json={"site_key": key, "landing_url": LANDING})
    second = api.client.post("/v1/visits", json={"site_key": key, "landing_url": LANDING}).json()
    assert (second["mode"], second["number"], second["ext"]) == ("none", FORWARD, None)
    assert second["reason"] == "pool exhausted"


def test_a_heartbeat_extends_the_lease(api: Api) -> None:
    clock = [datetime(2026, 3, 2, 10, 0, tzinfo=UTC)]
    api.client.app.dependency_overrides[get_now] = lambda: clock[0]  # type: ignore[attr-defined]
    key = site_key(api, make_site(api))
    shown = api.client.post("/v1/visits", json={"site_key": key, "landing_url": LANDING}).json()
    assert datetime.fromisoformat(shown["expires_at"]) == clock[0] + timedelta(seconds=900)
    clock[0] += timedelta(minutes=5)
    beat = api.client.post(f"/v1/visits/{shown['visit_id']}/heartbeat")
    assert beat.status_code == 200
    assert beat.json()["number"] == POOL_NUMBER
    extended = datetime.fromisoformat(beat.json()["expires_at"])
    assert extended - datetime.fromisoformat(shown["expires_at"]) == timedelta(minutes=5)
    with api.storage.engine.connect() as conn:
        held = conn.execute(select(leases.c.expires_at)).scalars().all()
    assert held == [extended]  # the lease itself, not only the answer
    assert api.client.post("/v1/visits/nope/heartbeat").status_code == 404


def test_the_server_counts_stored_visits_into_the_rollups_within_seconds(api: Api) -> None:
    site_id = make_site(api)
    key = site_key(api, site_id)
    for _ in range(3):
        visit = api.client.post("/v1/visits", json={"site_key": key, "landing_url": LANDING})
        assert visit.status_code == 200, visit.text
    deadline = time.monotonic() + 15
    while True:
        with api.storage.engine.connect() as conn:
            waiting = conn.execute(select(func.count()).select_from(uncounted_visits)).scalar()
            counted = conn.execute(select(visit_rollups.c.value, visit_rollups.c.visits)).all()
        if not waiting or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert waiting == 0  # the background counter took them all...
    assert ("google", 3) in counted  # ...into the rollups
