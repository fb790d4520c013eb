"""Journeys and leads through the HTTP API on SQLite and PostgreSQL: page views carried by
heartbeats, a visitor's earlier visits, form submissions (idempotent, filtered, spam-proofed),
call leads, and the inbox with its triage."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from callscope.adapters.storage import Storage
from callscope.adapters.tables.leads import leads, visit_pages
from callscope.domain.journey import MAX_PAGES
from callscope.entrypoints.http.app import create_app
from callscope.entrypoints.http.rate_limit import VisitLimits
from callscope.services.accounts import create_account
from callscope.settings import Settings
from tests.conftest import SECRET, Api

FORWARD = "+15550100199"
POOL = "+15550100142"


def make_site(api: Api, **extra: Any) -> tuple[int, str]:
    body = {"name": "Shop", "forward_to": FORWARD, **extra}
    site = api.client.post("/v1/sites", headers=api.admin, json=body).json()
    api.client.post(
        f"/v1/sites/{site['site_id']}/numbers",
        headers=api.admin,
        json={"number": POOL, "kind": "pool"},
    ).raise_for_status()
    return int(site["site_id"]), str(site["site_key"])


def start_visit(api: Api, site_key: str, url: str, **extra: Any) -> dict[str, Any]:
    body = {"site_key": site_key, "landing_url": url, "referrer": "", **extra}
    answer = api.client.post("/v1/visits", json=body)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def beat(api: Api, visit_id: str, pages: list[dict[str, Any]]) -> int:
    answer = api.client.post(f"/v1/visits/{visit_id}/heartbeat", json={"pages": pages})
    return answer.status_code


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def count(storage: Storage, table: Any) -> int:
    with storage.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_heartbeats_carry_page_views_and_the_visit_shows_its_journey(api: Api) -> None:
    _, key = make_site(api)
    landing = "https://shop.test/?utm_source=news&utm_medium=email&q=boiler&email=a%40b.c#top"
    visit = start_visit(api, key, landing, title="  Heating   experts ")
    now = datetime.now(UTC)
    pages = [
        {
            "url": "https://shop.test/services?gclid=abc&session=s3cr3t",
            "title": "Services",
            "at": iso(now),
        },
        {"url": "https://shop.test/contact#form", "title": "Contact", "at": iso(now)},
    ]
    assert beat(api, visit["visit_id"], pages) == 200
    assert beat(api, visit["visit_id"], []) == 200  # a heartbeat without pages adds none

    found = api.client.get(f"/v1/visits/{visit['visit_id']}", headers=api.admin).json()
    assert found["channel"] == {"source": "news", "medium": "email", "campaign": None, "term": None}
    assert [(p["url"], p["title"]) for p in found["pages"]] == [
        ("https://shop.test/?utm_source=news&utm_medium=email", "Heating experts"),
        ("https://shop.test/services?gclid=abc", "Services"),
        ("https://shop.test/contact", "Contact"),
    ]
    assert "s3cr3t" not in str(found["pages"]) and "boiler" not in str(found["pages"])


def test_a_visit_keeps_a_bounded_journey_and_page_times_within_the_visit(api: Api) -> None:
    _, key = make_site(api)
    visit = start_visit(api, key, "https://shop.test/")
    future = datetime.now(UTC) + timedelta(days=3)
    for batch in range(4):
        pages = [{"url": f"https://shop.test/p{batch}-{i}", "at": iso(future)} for i in range(20)]
        assert beat(api, visit["visit_id"], pages) == 200
    found = api.client.get(f"/v1/visits/{visit['visit_id']}", headers=api.admin).json()
    assert len(found["pages"]) == MAX_PAGES + 1  # the landing page and MAX_PAGES more
    assert count(api.storage, visit_pages) == MAX_PAGES
    assert all(datetime.fromisoformat(p["at"]) <= datetime.now(UTC) for p in found["pages"])


def test_bad_page_views_are_refused_and_change_nothing(api: Api) -> None:
    _, key = make_site(api)
    visit = start_visit(api, key, "https://shop.test/")
    now = iso(datetime.now(UTC))
    too_many = [{"url": "https://shop.test/x", "at": now}] * 21
    assert beat(api, visit["visit_id"], too_many) == 422
    assert beat(api, visit["visit_id"], [{"url": "", "at": now}]) == 422
    assert beat(api, visit["visit_id"], [{"url": "https://shop.test/x", "at": "soon"}]) == 422
    assert count(api.storage, visit_pages) == 0


def test_a_visitors_earlier_visits_are_linked(api: Api) -> None:
    _, key = make_site(api)
    first = start_visit(
        api, key, "https://shop.test/?utm_source=fb&utm_medium=social", visitor_id="v1"
    )
    start_visit(api, key, "https://shop.test/", visitor_id="someone-else")
    second = start_visit(api, key, "https://shop.test/?gclid=x", visitor_id="v1")
    found = api.client.get(f"/v1/visits/{second['visit_id']}", headers=api.admin).json()
    assert [v["visit_id"] for v in found["earlier_visits"]] == [first["visit_id"]]
    assert found["earlier_visits"][0]["channel"]["source"] == "fb"


def form(key: str, visit_id: str | None, submission_id: str, **fields: str) -> dict[str, Any]:
    return {
        "site_key": key,
        "visit_id": visit_id,
        "form_id": "contact",
        "submission_id": submission_id,
        "fields": fields,
    }


def test_a_form_becomes_a_lead_attributed_to_its_visit_once(api: Api) -> None:
    site_id, key = make_site(api, form_deny=["comment"])
    visit = start_visit(api, key, "https://shop.test/?utm_source=news&utm_medium=email")
    beat(
        api, visit["visit_id"], [{"url": "https://shop.test/contact", "at": iso(datetime.now(UTC))}]
    )
    body = form(
        key,
        visit["visit_id"],
        "sub-0001",
        name="Ann",
        email="ann@example.com",
        password="hunter2",
        card_number="4111 1111 1111 1111",
        anything="4111111111111111",  # a card number by its value
        comment="denied by the site",
        shipping_address="1 Main St",
    )
    first = api.client.post("/v1/forms", json=body, headers={"Origin": "https://shop.test"})
    assert first.status_code == 200, first.text
    assert first.headers["access-control-allow-origin"] == "https://shop.test"
    again = api.client.post("/v1/forms", json=body)
    assert again.json()["lead_id"] == first.json()["lead_id"]
    assert count(api.storage, leads) == 1

    inbox = api.client.get(f"/v1/leads?site={site_id}", headers=api.admin).json()["leads"]
    assert len(inbox) == 1
    lead = inbox[0]
    assert lead["lead_id"] == first.json()["lead_id"]
    assert (lead["type"], lead["status"], lead["visit_id"]) == ("form", "new", visit["visit_id"])
    assert lead["channel"]["source"] == "news"
    assert lead["journey_length"] == 2
    assert lead["fields"] == {
        "name": "Ann",
        "email": "ann@example.com",
        "shipping_address": "1 Main St",
    }


def test_a_honeypot_submission_stores_nothing(api: Api) -> None:
    _, key = make_site(api)
    body = {**form(key, None, "bot-00001", name="x"), "honeypot": "http://spam.test"}
    answer = api.client.post("/v1/forms", json=body)
    assert answer.status_code == 200 and answer.json() == {"lead_id": None}
    assert count(api.storage, leads) == 0


def test_bad_forms_are_refused_and_change_nothing(api: Api) -> None:
    _, key = make_site(api, allowed_origins=["https://shop.test"])
    bad = [
        form("nope", None, "sub-00001"),
        {**form(key, None, "short")},
        {**form(key, None, "has spaces in it")},
        {**form(key, "not-a-visit-id", "sub-00002")},
        {**form(key, None, "sub-00003"), "fields": {"x": "y" * 2001}},
    ]
    statuses = [api.client.post("/v1/forms", json=b).status_code for b in bad]
    assert statuses == [404, 422, 422, 422, 422]
    other_origin = api.client.post(
        "/v1/forms", json=form(key, None, "sub-00004"), headers={"Origin": "https://evil.test"}
    )
    assert other_origin.status_code == 403
    assert count(api.storage, leads) == 0


def test_form_posts_are_limited_per_address(storage: Storage) -> None:
    settings = Settings(  # type: ignore[call-arg]
        database_url="sqlite://",
        telephony_secret=SECRET,
        visits_per_ip_per_minute=0,
        forms_per_ip_per_minute=3,
        _env_file=None,
    )
    app = create_app(settings, storage=storage)
    app.state.form_limits = VisitLimits(3, 0, clock=lambda: 1000.0, kind="forms")
    _, api_key = create_account(storage, "Limited", datetime.now(UTC))
    with TestClient(app) as client:
        api = Api(client, storage, api_key)
        _, key = make_site(api)
        answers = [client.post("/v1/forms", json=form(key, None, f"sub-{i:05d}")) for i in range(3)]
    assert [a.status_code for a in answers] == [200, 429, 429]  # a burst of one, then wait
    assert "forms" in answers[1].json()["error"] and answers[1].headers["Retry-After"]
    assert count(storage, leads) == 1


def test_a_call_is_a_lead_with_its_visits_journey_and_triage_changes_it(api: Api) -> None:
    site_id, key = make_site(api)
    visit = start_visit(api, key, "https://shop.test/?utm_source=news&utm_medium=email")
    assert visit["number"] == POOL
    call = {
        "call_id": "call-1",
        "event": "started",
        "at": iso(datetime.now(UTC)),
        "dialed_number": POOL,
        "caller": "+15550109999",
    }
    api.client.post("/v1/calls/events", headers=api.telephony, json=call).raise_for_status()
    api.client.post("/v1/calls/events", headers=api.telephony, json=call).raise_for_status()
    time.sleep(0.01)
    beat(api, visit["visit_id"], [{"url": "https://shop.test/after", "at": iso(datetime.now(UTC))}])

    inbox = api.client.get(f"/v1/leads?site={site_id}", headers=api.admin).json()["leads"]
    assert len(inbox) == 1
    lead = inbox[0]
    assert (lead["type"], lead["call_id"], lead["visit_id"]) == (
        "call",
        "call-1",
        visit["visit_id"],
    )
    assert lead["channel"]["source"] == "news"
    assert lead["journey_length"] == 1  # the page read after the call is not part of it
    detail = api.client.get(f"/v1/leads/{lead['lead_id']}", headers=api.admin).json()
    assert [p["url"] for p in detail["pages"]] == [
        "https://shop.test/?utm_source=news&utm_medium=email"
    ]
    assert [t["visit_id"] for t in detail["touches"]] == [visit["visit_id"]]

    path = f"/v1/leads/{lead['lead_id']}"
    won = api.client.patch(path, headers=api.admin, json={"status": "won", "value": 250.5})
    assert won.status_code == 200, won.text
    noted = api.client.patch(path, headers=api.admin, json={"notes": "boiler service"}).json()
    assert (noted["status"], noted["value"], noted["notes"]) == ("won", 250.5, "boiler service")
    for bad in ({"status": "maybe"}, {"status": None}, {"value": -1}, {"stauts": "won"}):
        assert api.client.patch(path, headers=api.admin, json=bad).status_code == 422
    assert api.client.patch(f"/v1/leads/{'0' * 32}", headers=api.admin, json={}).status_code == 404
    after = api.client.get(f"/v1/leads?site={site_id}", headers=api.admin).json()["leads"][0]
    assert (after["status"], after["value"], after["notes"]) == ("won", 250.5, "boiler service")


def test_another_account_sees_no_lead_and_no_journey(api: Api) -> None:
    site_id, key = make_site(api)
    visit = start_visit(api, key, "https://shop.test/")
    lead_id = api.client.post("/v1/forms", json=form(key, visit["visit_id"], "sub-00009")).json()
    _, other = create_account(api.storage, "Other", datetime.now(UTC))
    headers = {"Authorization": f"Bearer {other}"}
    assert api.client.get(f"/v1/leads?site={site_id}", headers=headers).status_code == 404
    assert api.client.get(f"/v1/visits/{visit['visit_id']}", headers=headers).status_code == 404
    patched = api.client.patch(
        f"/v1/leads/{lead_id['lead_id']}", headers=headers, json={"status": "won"}
    )
    assert patched.status_code == 404
