"""Report figures on a fixed data set, checked against values worked out by hand.

Site in America/New_York (UTC-5 in early March 2026). Visits on Mon 2026-03-02 at 14:00Z..:
V1 google/cpc /boiler-repair, V2 google/cpc /boiler-repair (gclid), V3 facebook/social /,
V4 google/cpc /pricing at 14:30Z (no call). Calls:
C1 A->V1 95 s, C2 B->V2 30 s, C3 A->V1 again 60 s (repeat), C4 C->V3 missed,
C5 D->radio 200 s at 03:30Z on 03-03 (22:30 local on 03-02), C6 D->radio 45 s on 03-03.
Spend: google/cpc 90.00 on 03-02 and 30.00 on 03-03; radio/offline 50.00 on 03-02."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from callscope.entrypoints.http.deps import get_now
from tests.conftest import Api

MONDAY = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
RADIO = "+15550100101"
POOL = ("+15550100201", "+15550100202", "+15550100203")
SITE_URL = "https://northside.example"
PERIOD = {"from": "2026-03-02", "to": "2026-03-03"}


class Clock:
    def __init__(self) -> None:
        self.now = MONDAY


@pytest.fixture
def clock(api: Api) -> Iterator[Clock]:
    clock = Clock()
    api.client.app.dependency_overrides[get_now] = lambda: clock.now  # type: ignore[attr-defined]
    yield clock
    api.client.app.dependency_overrides.clear()  # type: ignore[attr-defined]


def post(api: Api, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    answer = api.client.post(path, json=body, headers=headers)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def visit(api: Api, clock: Clock, key: str, minute: int, path: str) -> str:
    clock.now = MONDAY + timedelta(minutes=minute)
    shown = post(api, "/v1/visits", {"site_key": key, "landing_url": SITE_URL + path}, {})
    number: str = shown["number"]
    return number


def call(api: Api, call_id: str, dialed: str, caller: str, at: datetime, talk: int) -> None:
    def event(kind: str, seconds: int, **extra: object) -> None:
        body = {"call_id": call_id, "event": kind, "dialed_number": dialed, "caller": caller}
        body["at"] = (at + timedelta(seconds=seconds)).isoformat()
        post(api, "/v1/calls/events", {**body, **extra}, api.telephony)

    event("started", 0)
    if talk:
        event("answered", 5)
    event("completed", 5 + talk, duration=talk)


@pytest.fixture
def site(api: Api, clock: Clock) -> int:
    created = post(
        api,
        "/v1/sites",
        {"name": "Northside", "forward_to": "+15550100199", "timezone": "America/New_York"},
        api.admin,
    )
    site_id: int = created["site_id"]
    numbers = [{"number": n, "kind": "pool"} for n in POOL]
    numbers.append(
        {"number": RADIO, "kind": "static", "channel": {"source": "radio", "medium": "offline"}}
    )
    for number in numbers:
        post(api, f"/v1/sites/{site_id}/numbers", number, api.admin)
    key = created["site_key"]
    v1 = visit(
        api, clock, key, 0, "/boiler-repair?utm_source=google&utm_medium=cpc&utm_term=boiler+repair"
    )
    v2 = visit(api, clock, key, 1, "/boiler-repair?gclid=abc123")
    v3 = visit(api, clock, key, 2, "/?utm_source=facebook&utm_medium=social")
    visit(api, clock, key, 30, "/pricing?utm_source=google&utm_medium=cpc")  # after the calls
    minute = timedelta(minutes=1)
    call(api, "C1", v1, "+12125550001", MONDAY + 5 * minute, 95)
    call(api, "C2", v2, "+12125550002", MONDAY + 6 * minute, 30)
    call(api, "C3", v1, "+12125550001", MONDAY + 10 * minute, 60)
    call(api, "C4", v3, "+12125550003", MONDAY + 7 * minute, 0)
    call(api, "C5", RADIO, "+12125550004", datetime(2026, 3, 3, 3, 30, tzinfo=UTC), 200)
    call(api, "C6", RADIO, "+12125550004", datetime(2026, 3, 3, 15, 0, tzinfo=UTC), 45)
    spend = [
        {"date": "2026-03-02", "source": "google", "medium": "cpc", "cost": "90.00"},
        {"date": "2026-03-03", "source": "Google", "medium": "cpc", "cost": "30"},
        {"date": "2026-03-02", "source": "radio", "medium": "offline", "cost": "50.00"},
    ]
    assert post(api, "/v1/spend", {"site": site_id, "entries": spend}, api.admin) == {"stored": 3}
    return site_id


def report(api: Api, site: int, **params: object) -> dict[str, Any]:
    answer = api.client.get(
        "/v1/reports/channels", headers=api.admin, params={"site": site, **PERIOD, **params}
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def by_group(body: dict[str, Any]) -> dict[str | None, dict[str, Any]]:
    return {row[body["by"]]: row for row in body["rows"]}


def test_by_source_first_time_repeat_qualified_and_cost_match_the_hand_count(
    api: Api, site: int
) -> None:
    rows = by_group(report(api, site, by="source"))
    assert list(rows) == ["google", "radio", "facebook"]
    google = rows["google"]
    assert (google["visits"], google["calls"], google["unique_callers"]) == (3, 3, 2)
    assert (google["first_time_callers"], google["answered"], google["missed"]) == (2, 3, 0)
    assert google["qualified_calls"] == 2  # 95 s and 60 s; 30 s is short of 60
    assert google["avg_duration"] == 61.7  # (95 + 30 + 60) / 3
    assert google["calls_per_100_visits"] == 100.0
    assert (google["cost"], google["cost_per_call"]) == (120.0, 40.0)
    assert google["cost_per_first_time_caller"] == 60.0
    assert google["cost_per_qualified_call"] == 60.0
    radio = rows["radio"]
    assert (radio["visits"], radio["calls"], radio["unique_callers"]) == (0, 2, 1)
    assert (radio["first_time_callers"], radio["qualified_calls"]) == (1, 1)
    assert radio["calls_per_100_visits"] is None
    assert (radio["cost"], radio["cost_per_call"], radio["cost_per_first_time_caller"]) == (
        50.0,
        25.0,
        50.0,
    )
    facebook = rows["facebook"]
    assert (facebook["calls"], facebook["answered"], facebook["missed"]) == (1, 0, 1)
    assert (facebook["avg_duration"], facebook["cost"], facebook["cost_per_call"]) == (
        None,
        None,
        None,
    )


def test_totals_count_each_caller_once_across_channels(api: Api, site: int) -> None:
    body = report(api, site, by="source")
    totals = body["totals"]
    assert (totals["calls"], totals["unique_callers"], totals["first_time_callers"]) == (6, 4, 4)
    assert (totals["answered"], totals["missed"], totals["qualified_calls"]) == (5, 1, 3)
    assert (totals["visits"], totals["cost"]) == (4, 170.0)
    assert totals["cost_per_call"] == 28.33  # 170 / 6
    assert totals["cost_per_first_time_caller"] == 42.5
    assert totals["cost_per_qualified_call"] == 56.67  # 170 / 3
    assert (body["currency"], body["timezone"]) == ("USD", "America/New_York")


def test_the_qualified_threshold_can_be_lowered_per_request(api: Api, site: int) -> None:
    rows = by_group(report(api, site, by="source", qualified_seconds=30))
    assert rows["google"]["qualified_calls"] == 3
    assert rows["google"]["cost_per_qualified_call"] == 40.0


def test_days_are_the_sites_local_days_with_their_spend(api: Api, site: int) -> None:
    rows = by_group(report(api, site, by="day"))
    assert list(rows) == ["2026-03-02", "2026-03-03"]
    # C5 rang at 03:30 UTC on the 3rd, which is 22:30 on the 2nd in New York.
    monday, tuesday = rows["2026-03-02"], rows["2026-03-03"]
    assert (monday["calls"], monday["visits"], monday["cost"]) == (5, 4, 140.0)
    assert (monday["cost_per_call"], monday["first_time_callers"]) == (28.0, 4)
    assert (tuesday["calls"], tuesday["first_time_callers"], tuesday["cost"]) == (1, 0, 30.0)


def test_weeks_start_on_monday_and_hold_the_whole_period(api: Api, site: int) -> None:
    rows = by_group(report(api, site, by="week"))
    assert list(rows) == ["2026-03-02"]
    assert (rows["2026-03-02"]["calls"], rows["2026-03-02"]["cost"]) == (6, 170.0)


def test_landing_pages_ignore_query_strings_and_www(api: Api, site: int) -> None:
    rows = by_group(report(api, site, by="landing_page"))
    assert (
        rows["northside.example/boiler-repair"]["visits"],
        rows["northside.example/boiler-repair"]["calls"],
    ) == (2, 3)
    assert (rows["northside.example/"]["visits"], rows["northside.example/"]["calls"]) == (1, 1)
    assert (
        rows["northside.example/pricing"]["visits"],
        rows["northside.example/pricing"]["calls"],
    ) == (1, 0)
    assert (rows[None]["visits"], rows[None]["calls"]) == (0, 2)  # the radio number has no page
    assert rows[None]["cost"] is None


def test_a_local_date_range_excludes_calls_outside_the_sites_day(api: Api, site: int) -> None:
    # Only Monday, New York time: C6 (Tuesday 10:00 local) and Tuesday's spend drop out.
    body = report(api, site, by="source", to="2026-03-02")
    totals = body["totals"]
    assert (totals["calls"], totals["cost"]) == (5, 140.0)


def test_spend_in_another_currency_is_refused(api: Api, site: int) -> None:
    entry = {
        "date": "2026-03-04",
        "source": "bing",
        "medium": "cpc",
        "cost": "5",
        "currency": "EUR",
    }
    answer = api.client.post(
        "/v1/spend", json={"site": site, "entries": [entry]}, headers=api.admin
    )
    assert answer.status_code == 409


def test_a_spend_csv_replaces_the_same_day_and_channel(api: Api, site: int) -> None:
    text = (
        "date,source,medium,campaign,cost\n"
        "2026-03-02,google,cpc,,60.00\n"
        "2026-03-02,bing,cpc,brand,10\n"
    )
    answer = api.client.post(
        "/v1/spend/import",
        params={"site": site},
        content=text,
        headers={**api.admin, "content-type": "text/csv"},
    )
    assert answer.json() == {"stored": 2}, answer.text
    rows = by_group(report(api, site, by="source"))
    assert rows["google"]["cost"] == 90.0  # 60 (replacing 90) + 30
    bad = api.client.post(
        "/v1/spend/import",
        params={"site": site},
        content="date,source,medium,cost\n2026-13-01,google,cpc,5\n",
        headers={**api.admin, "content-type": "text/csv"},
    )
    assert (bad.status_code, bad.json()["error"]) == (400, "line 2: date must be YYYY-MM-DD")


def test_another_accounts_key_sees_no_report(api: Api, site: int) -> None:
    from callscope.services.accounts import create_account

    _, other = create_account(api.storage, "Other", MONDAY)
    answer = api.client.get(
        "/v1/reports/channels",
        headers={"Authorization": f"Bearer {other}"},
        params={"site": site, **PERIOD},
    )
    assert answer.status_code == 404


def test_usage_counts_visits_calls_and_numbers_per_local_month(
    api: Api, site: int, clock: Clock
) -> None:
    clock.now = datetime(2026, 3, 20, tzinfo=UTC)
    answer = api.client.get(
        "/v1/reports/usage", headers=api.admin, params={"site": site, "months": 2}
    )
    assert answer.json() == {
        "site": site,
        "numbers": {"static": 1, "pool": 3, "extension": 0},
        "months": [
            {"month": "2026-02", "visits": 0, "calls": 0},
            {"month": "2026-03", "visits": 4, "calls": 6},
        ],
    }
