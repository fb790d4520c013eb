"""Call flows and spam over HTTP, on SQLite and PostgreSQL: a site's flow and a number's
override, the plan they give at a moment, bad flows refused with nothing stored, the
blocklist refusing callers (stored as spam), marking a call as spam, and round robin fair
across processes."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from callscope.adapters.database import make_engine
from callscope.adapters.route_table import RouteTable
from callscope.adapters.storage import Storage
from callscope.adapters.tables.flows import blocklist, call_flows
from callscope.domain.channel import Channel
from callscope.domain.sites import NumberKind
from callscope.entrypoints.http.deps import get_now
from callscope.services import flows, rollups
from callscope.services.accounts import authenticate, create_account
from callscope.services.reports import ReportQuery, build_report
from callscope.services.routing import route_call
from callscope.services.sites import NumberDraft, SiteDraft, add_number, create_site
from tests.conftest import Api, need_postgres, reset_postgres

NUMBER = "+15550100201"
OTHER = "+15550100202"
FORWARD = "+15550100199"
A, B = "+15550100301", "+15550100302"
SIP = "sip:carol@pbx.example.com"
CALLER = "+12125550123"
# Friday 6 March 2026, 15:00 UTC = 10:00 in New York (EST); 03:00 UTC Saturday = Friday 22:00.
OPEN = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)
NIGHT = datetime(2026, 3, 7, 3, 0, tzinfo=UTC)
WEEKDAYS = [
    {"day": d, "opens": "09:00", "closes": "17:00"} for d in ("mon", "tue", "wed", "thu", "fri")
]
FLOW: dict[str, Any] = {
    "targets": [A, B, SIP],
    "strategy": "in_order",
    "ring_seconds": [15, 25, 20],
    "hours": WEEKDAYS,
    "closed_days": ["2026-12-25"],
    "after_hours": {"action": "voicemail"},
    "voicemail": {"greeting": "We are closed.", "target": "sip:voicemail@pbx.example.com"},
    "announcement": {"text": "This call is recorded."},
    "record": True,
}


def site(api: Api, numbers: tuple[str, ...] = (NUMBER,)) -> tuple[int, list[int]]:
    made = api.client.post(
        "/v1/sites",
        headers=api.admin,
        json={"name": "Northside", "forward_to": FORWARD, "timezone": "America/New_York"},
    )
    assert made.status_code == 201, made.text
    site_id: int = made.json()["site_id"]
    ids = []
    for number in numbers:
        added = api.client.post(
            f"/v1/sites/{site_id}/numbers",
            headers=api.admin,
            json={"number": number, "kind": "static", "channel": {"source": "google"}},
        )
        assert added.status_code == 201, added.text
        ids.append(added.json()["number_id"])
    return site_id, ids


def at(api: Api, moment: datetime) -> None:
    api.client.app.dependency_overrides[get_now] = lambda: moment  # type: ignore[attr-defined]


def plan(api: Api, dialed: str = NUMBER, caller: str | None = CALLER, **extra: str) -> Any:
    params = {"dialed_number": dialed, **({"caller": caller} if caller else {}), **extra}
    return api.client.get("/v1/route/plan", headers=api.telephony, params=params)


def route(api: Api, dialed: str = NUMBER, caller: str | None = CALLER) -> Any:
    params = {"dialed_number": dialed, **({"caller": caller} if caller else {})}
    return api.client.get("/v1/route", headers=api.telephony, params=params)


def rows(api: Api, table: Any) -> int:
    with api.storage.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_without_a_flow_the_plan_is_the_forward_number(api: Api) -> None:
    site(api)
    answer = plan(api)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["targets"] == [FORWARD] and body["reason"] == "open"
    assert set(body) >= {
        "targets",
        "strategy",
        "ring_seconds",
        "announcement",
        "voicemail",
        "record",
        "reason",
    }
    assert route(api).text == FORWARD


def test_a_site_flow_gives_the_plan_for_the_moment(api: Api) -> None:
    site_id, _ = site(api)
    put = api.client.put(f"/v1/sites/{site_id}/flow", headers=api.admin, json=FLOW)
    assert put.status_code == 200, put.text
    stored = api.client.get(f"/v1/sites/{site_id}/flow", headers=api.admin).json()
    assert stored["time_zone"] == "America/New_York"  # the site's, as none was given
    assert stored["targets"] == [A, B, SIP] and stored["hours"] == WEEKDAYS

    at(api, OPEN)
    body = plan(api).json()
    assert body == {
        "targets": [A, B, SIP],
        "strategy": "in_order",
        "ring_seconds": 15,
        "target_ring_seconds": [15, 25, 20],
        "announcement": {"text": "This call is recorded.", "audio_url": None, "language": "en-US"},
        "voicemail": {
            "greeting": "We are closed.",
            "target": "sip:voicemail@pbx.example.com",
            "max_seconds": 120,
        },
        "fallback_number": None,
        "record": True,
        "reason": "open",
        "gate": False,
        "sequence": [
            {"targets": [A], "ring_seconds": 15},
            {"targets": [B], "ring_seconds": 25},
            {"targets": [SIP], "ring_seconds": 20},
            {"targets": ["sip:voicemail@pbx.example.com"], "ring_seconds": 60},
        ],
    }
    assert route(api).text == A  # the seed's route: the first target, as text

    at(api, NIGHT)
    night = plan(api).json()
    assert (night["targets"], night["reason"]) == ([], "after_hours")
    assert route(api).text == "sip:voicemail@pbx.example.com"

    at(api, datetime(2026, 12, 25, 15, 0, tzinfo=UTC))
    assert plan(api).json()["reason"] == "closed_day"


def test_a_number_overrides_its_sites_flow(api: Api) -> None:
    site_id, (first, _) = site(api, (NUMBER, OTHER))
    api.client.put(f"/v1/sites/{site_id}/flow", headers=api.admin, json=FLOW)
    own = {"targets": [B], "time_zone": "UTC"}
    put = api.client.put(f"/v1/sites/{site_id}/numbers/{first}/flow", headers=api.admin, json=own)
    assert put.status_code == 200, put.text
    at(api, OPEN)
    assert plan(api, NUMBER).json()["targets"] == [B]
    assert plan(api, OTHER).json()["targets"] == [A, B, SIP]
    gone = api.client.delete(f"/v1/sites/{site_id}/numbers/{first}/flow", headers=api.admin)
    assert gone.status_code == 204
    assert plan(api, NUMBER).json()["targets"] == [A, B, SIP]
    api.client.delete(f"/v1/sites/{site_id}/flow", headers=api.admin)
    assert plan(api, NUMBER).json()["targets"] == [FORWARD]


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"targets": []}, 422, "targets"),
        ({"time_zone": "Mars/Olympus"}, 400, "not an IANA time zone"),
        (
            {
                "hours": [
                    {"day": "mon", "opens": "09:00", "closes": "17:00"},
                    {"day": "mon", "opens": "12:00", "closes": "13:00"},
                ]
            },
            400,
            "mon 09:00-17:00 overlaps mon 12:00-13:00",
        ),
        ({"targets": ["555-0100"]}, 422, "targets.0"),
        ({"targets": ["sip:nohost"]}, 422, "targets.0"),
        ({"strategy": "random"}, 422, "strategy"),
        ({"hours": [{"day": "mon", "opens": "25:00", "closes": "17:00"}]}, 422, "opens"),
        ({"after_hours": {"action": "number"}}, 400, "after_hours_number"),
        ({"colour": "blue"}, 422, "colour"),
    ],
)
def test_bad_flows_are_refused_and_nothing_is_stored(
    api: Api, change: dict[str, Any], status: int, message: str
) -> None:
    site_id, (number_id,) = site(api)
    for path in (f"/v1/sites/{site_id}/flow", f"/v1/sites/{site_id}/numbers/{number_id}/flow"):
        answer = api.client.put(path, headers=api.admin, json={**FLOW, **change})
        assert answer.status_code == status, answer.text
        assert message in answer.json()["error"]
        assert api.client.get(path, headers=api.admin).status_code == 404
    assert rows(api, call_flows) == 0


def test_another_accounts_site_has_no_flow_for_you(api: Api) -> None:
    site_id, _ = site(api)
    _, other_key = create_account(api.storage, "Other", datetime.now(UTC))
    other = {"Authorization": f"Bearer {other_key}"}
    assert api.client.put(f"/v1/sites/{site_id}/flow", headers=other, json=FLOW).status_code == 404
    assert rows(api, call_flows) == 0


def test_a_blocked_caller_is_refused_and_stored_as_spam(api: Api) -> None:
    site_id, _ = site(api)
    api.client.put(f"/v1/sites/{site_id}/flow", headers=api.admin, json=FLOW)
    at(api, OPEN)
    added = api.client.post(
        "/v1/blocklist", headers=api.admin, json={"number": CALLER, "reason": "robocaller"}
    )
    assert added.status_code == 201, added.text
    prefix = api.client.post(
        "/v1/blocklist", headers=api.admin, json={"prefix": "+1900", "reason": "premium rate"}
    )
    assert prefix.status_code == 201, prefix.text
    listed = api.client.get("/v1/blocklist", headers=api.admin).json()["blocklist"]
    assert [(e["number"], e["prefix"]) for e in listed] == [(CALLER, None), (None, "+1900")]

    refused = route(api)
    assert refused.status_code == 403
    assert refused.json() == {"error": "caller blocked: blocklist: robocaller"}
    assert plan(api, caller="+19005550100", call_id="CA-blocked").status_code == 403
    assert route(api, caller="+13125550100").status_code == 200  # others get through

    log = api.client.get(
        "/v1/calls",
        headers=api.admin,
        params={"site": site_id, "from": "2000-01-01", "to": "2100-01-01", "status": "spam"},
    ).json()["calls"]
    assert sorted((c["caller"], c["status"], c["spam_reason"]) for c in log) == [
        ("+12125550123", "spam", "blocklist: robocaller"),
        ("+19005550100", "spam", "blocklist: premium rate"),
    ]
    assert "CA-blocked" in {c["call_id"] for c in log}
    assert all(not c["first_time"] for c in log)

    entry_id = listed[0]["id"]
    assert api.client.delete(f"/v1/blocklist/{entry_id}", headers=api.admin).status_code == 204
    assert route(api).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"reason": "no number"},
        {"number": CALLER, "prefix": "+1", "reason": "both"},
        {"number": "not a number", "reason": "x"},
        {"prefix": "1900", "reason": "x"},
        {"number": CALLER, "reason": ""},
        {"number": CALLER},
    ],
)
def test_bad_blocklist_entries_are_refused_and_nothing_is_stored(
    api: Api, body: dict[str, str]
) -> None:
    answer = api.client.post("/v1/blocklist", headers=api.admin, json=body)
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.json()["error"]
    assert rows(api, blocklist) == 0


def send(api: Api, call_id: str, caller: str, moment: datetime) -> None:
    for event, extra in (("started", {}), ("completed", {"duration": 90})):
        body = {
            "call_id": call_id,
            "event": event,
            "at": moment.isoformat(),
            "dialed_number": NUMBER,
            "caller": caller,
            **extra,
        }
        answer = api.client.post("/v1/calls/events", headers=api.telephony, json=body)
        assert answer.status_code == 200, answer.text


def report(api: Api, site_id: int) -> dict[str, Any]:
    """The report from the rollups (over whole days) once the noted deltas are counted, and
    the same figures from the raw calls (part of a day)."""
    rollups.count_calls(api.storage)
    raw = build_report(
        api.storage,
        authenticate(api.storage, api.api_key).account_id,
        ReportQuery(site_id, OPEN - timedelta(hours=1), OPEN + timedelta(hours=1), raw=True),
    )
    raw_rows = {r.group: r for r in raw.rows}
    answer = api.client.get(
        "/v1/reports/channels",
        headers=api.admin,
        params={"site": site_id, "by": "source", "from": "2026-03-01", "to": "2026-03-31"},
    )
    assert answer.status_code == 200, answer.text
    found = {r["source"]: r for r in answer.json()["rows"]}
    rolled = found.get("google", {"calls": 0, "first_time_callers": 0})
    same = raw_rows.get("google")
    from_raw = (same.calls, same.first_time_callers) if same else (0, 0)
    assert from_raw == (rolled["calls"], rolled["first_time_callers"])
    return rolled


def test_marking_a_call_as_spam_takes_it_out_of_reports_and_blocks_the_caller(api: Api) -> None:
    site_id, _ = site(api)
    send(api, "CA-1", CALLER, OPEN)
    send(api, "CA-2", "+13125550100", OPEN + timedelta(minutes=1))
    assert (report(api, site_id)["calls"], report(api, site_id)["first_time_callers"]) == (2, 2)

    marked = api.client.post("/v1/calls/CA-1/spam", headers=api.admin, json={"reason": "robocall"})
    assert marked.status_code == 200, marked.text
    assert marked.json()["status"] == "spam"
    assert (report(api, site_id)["calls"], report(api, site_id)["first_time_callers"]) == (1, 1)
    listed = api.client.get("/v1/blocklist", headers=api.admin).json()["blocklist"]
    assert [(e["number"], e["reason"]) for e in listed] == [(CALLER, "robocall")]
    assert route(api).status_code == 403

    # Events of a blocked caller's call are stored as spam too, outside the reports.
    send(api, "CA-3", CALLER, OPEN + timedelta(minutes=2))
    assert report(api, site_id)["calls"] == 1
    without = api.client.get(
        "/v1/calls",
        headers=api.admin,
        params={"site": site_id, "from": "2026-03-01", "to": "2026-03-31", "spam": "false"},
    ).json()["calls"]
    assert [c["call_id"] for c in without] == ["CA-2"]
    assert api.client.post("/v1/calls/CA-404/spam", headers=api.admin).status_code == 404


def test_the_plan_answers_from_memory_while_the_database_is_away(api: Api) -> None:
    site_id, _ = site(api)
    api.client.put(f"/v1/sites/{site_id}/flow", headers=api.admin, json=FLOW)
    at(api, OPEN)
    assert plan(api).json()["targets"] == [A, B, SIP]
    api.storage.engine.dispose()
    api.storage.engine = make_engine(
        "postgresql+psycopg://postgres@127.0.0.1:9/none?connect_timeout=1"
    )
    answer = plan(api)
    assert answer.status_code == 200, answer.text
    assert answer.json()["targets"] == [A, B, SIP]


# --- round robin across processes -------------------------------------------------------------

ROUND_ROBIN_TARGETS = ["+15550100401", "+15550100402", "+15550100403", "+15550100404"]
CALLS_EACH = 40


def _ring_first(url: str, start: Any) -> list[str]:
    storage = Storage.connect(url)
    routes = RouteTable(storage)
    start.wait()
    firsts = []
    for _ in range(CALLS_EACH):
        answer = route_call(storage, NUMBER, None, CALLER, OPEN, routes)
        firsts.append(answer.plan.targets[0])
    storage.close()
    return firsts


def test_round_robin_is_fair_across_four_processes_on_postgresql() -> None:
    url = need_postgres()
    reset_postgres(url)
    storage = Storage.connect(url)
    account, _ = create_account(storage, "acme", OPEN)
    made = create_site(storage, account.id, SiteDraft("acme", FORWARD), OPEN)
    draft = NumberDraft(NUMBER, NumberKind.STATIC, Channel("google", "cpc"))
    add_number(storage, account.id, made.id, draft, OPEN)
    given = {"targets": ROUND_ROBIN_TARGETS, "strategy": "round_robin"}
    flows.set_flow(storage, account.id, made.id, None, given, OPEN)
    storage.close()

    context = multiprocessing.get_context("spawn")
    start = context.Manager().Event()
    with context.Pool(4) as pool:
        waiting = [pool.apply_async(_ring_first, (url, start)) for _ in range(4)]
        start.set()
        firsts = [target for job in waiting for target in job.get(timeout=120)]
    counts = Counter(firsts)
    # 160 calls over 4 targets: each rings first exactly 40 times (the turns are distinct).
    assert counts == dict.fromkeys(ROUND_ROBIN_TARGETS, CALLS_EACH)
