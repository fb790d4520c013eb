"""Exports checked against the documented formats: Google Ads' offline click conversion
upload (a `Parameters:TimeZone=` row, then Google Click ID, Conversion Name, Conversion Time
"yyyy-MM-dd HH:mm:ss", Conversion Value, Conversion Currency) and GA4 Measurement Protocol
bodies (client_id, timestamp_micros, events[{name, params}] within GA4's name and size limits).

Site in America/New_York. Visits on 2026-03-02: A (gclid G-A, GA client 1111.2222), B (utm,
GA client 3333.4444, no gclid). Calls: A 95 s at 14:05Z, B 120 s at 14:06Z, A again 30 s at
14:10Z (not qualified), and a missed call to B's number at 14:20Z."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from callscope.entrypoints.http.deps import get_now
from tests.conftest import Api
from tests.integration.test_reports import Clock, call, post

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
PERIOD = {"from": "2026-03-02", "to": "2026-03-02"}
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@pytest.fixture
def clock(api: Api) -> Iterator[Clock]:
    clock = Clock()
    clock.now = T0
    api.client.app.dependency_overrides[get_now] = lambda: clock.now  # type: ignore[attr-defined]
    yield clock
    api.client.app.dependency_overrides.clear()  # type: ignore[attr-defined]


@pytest.fixture
def site(api: Api, clock: Clock) -> int:
    body = {"name": "N", "forward_to": "+15550100199", "timezone": "America/New_York"}
    created = post(api, "/v1/sites", body, api.admin)
    for number in ("+15550100201", "+15550100202"):
        post(
            api,
            f"/v1/sites/{created['site_id']}/numbers",
            {"number": number, "kind": "pool"},
            api.admin,
        )
    shown = {}
    for name, query, ga in (
        ("A", "?gclid=G-A", "1111.2222"),
        ("B", "?utm_source=bing&utm_medium=cpc", "3333.4444"),
    ):
        visit = {
            "site_key": created["site_key"],
            "landing_url": "https://n.example/" + query,
            "ga_client_id": ga,
        }
        shown[name] = post(api, "/v1/visits", visit, {})["number"]
    minute = timedelta(minutes=1)
    call(api, "C1", shown["A"], "+12125550001", T0 + 5 * minute, 95)
    call(api, "C2", shown["B"], "+12125550002", T0 + 6 * minute, 120)
    call(api, "C3", shown["A"], "+12125550001", T0 + 10 * minute, 30)
    call(api, "C4", shown["B"], "+12125550003", T0 + 20 * minute, 0)
    site_id: int = created["site_id"]
    return site_id


def get(api: Api, path: str, **params: object) -> Any:
    answer = api.client.get(path, headers=api.admin, params=params)
    assert answer.status_code == 200, answer.text
    return answer


def test_google_ads_file_lists_qualified_calls_from_clicks_in_googles_format(
    api: Api, site: int
) -> None:
    text = get(api, "/v1/integrations/google-ads.csv", site=site, **PERIOD).text
    lines = list(csv.reader(io.StringIO(text)))
    assert lines == [
        ["Parameters:TimeZone=America/New_York"],
        [
            "Google Click ID",
            "Conversion Name",
            "Conversion Time",
            "Conversion Value",
            "Conversion Currency",
        ],
        # 14:05 UTC is 09:05 in New York (EST); C3 (30 s) and B's calls (no gclid) are left out.
        ["G-A", "Phone call", "2026-03-02 09:05:00", "", ""],
    ]
    valued = get(
        api,
        "/v1/integrations/google-ads.csv",
        site=site,
        conversion_name="Qualified call",
        value=120,
        currency="usd",
        **PERIOD,
    ).text
    assert valued.splitlines()[2] == "G-A,Qualified call,2026-03-02 09:05:00,120.00,USD"


def test_a_persons_qualification_decides_which_calls_are_exported(api: Api, site: int) -> None:
    for call_id, qualified in (("C1", False), ("C3", True)):
        body = {"qualified": qualified}
        assert api.client.patch(f"/v1/calls/{call_id}", headers=api.admin, json=body).is_success
    text = get(api, "/v1/integrations/google-ads.csv", site=site, **PERIOD).text
    # C1 (95 s) was ruled out, C3 (30 s) ruled in: 14:10 UTC is 09:10 in New York.
    assert text.splitlines()[2:] == ["G-A,Phone call,2026-03-02 09:10:00,,"]


def test_ga4_payloads_follow_the_measurement_protocol_rules(
    api: Api, site: int, clock: Clock
) -> None:
    clock.now = T0 + timedelta(hours=1)
    body = get(api, "/v1/integrations/ga4", site=site, **PERIOD).json()
    assert body["collect_url"].startswith(
        "https://www.google-analytics.com/mp/collect?measurement_id="
    )
    payloads = body["payloads"]
    assert [p["client_id"] for p in payloads] == ["1111.2222", "3333.4444"]  # C1, C2 only
    first = payloads[0]
    assert set(first) == {"client_id", "timestamp_micros", "events"}
    assert first["timestamp_micros"] == int((T0 + timedelta(minutes=5)).timestamp()) * 1_000_000
    (event,) = first["events"]
    assert event["name"] == "phone_call"
    params = event["params"]
    assert params["call_id"] == "C1"
    assert params["duration_seconds"] == 95
    assert params["first_time_caller"] == 1
    assert params["source"] == "google" and params["medium"] == "cpc"
    assert params["engagement_time_msec"] == 1
    for p in payloads:
        for e in p["events"]:
            assert NAME.match(e["name"]) and len(e["name"]) <= 40
            assert len(e["params"]) <= 25
            for key, value in e["params"].items():
                assert NAME.match(key) and len(key) <= 40
                assert isinstance(value, (int, float)) or len(value) <= 100
    assert payloads[1]["events"][0]["params"]["source"] == "bing"


def test_ga4_leaves_out_calls_older_than_its_72_hour_window(
    api: Api, site: int, clock: Clock
) -> None:
    clock.now = T0 + timedelta(hours=72, minutes=5, seconds=30)
    payloads = get(api, "/v1/integrations/ga4", site=site, **PERIOD).json()["payloads"]
    assert [p["client_id"] for p in payloads] == ["3333.4444"]  # C1 (14:05) is now too old
    bad = api.client.get(
        "/v1/integrations/ga4", headers=api.admin, params={"site": site, "event_name": "2bad"}
    )
    assert bad.status_code == 400


def test_calls_csv_has_one_row_per_call_oldest_first_with_local_times(api: Api, site: int) -> None:
    rows = list(
        csv.DictReader(io.StringIO(get(api, "/v1/exports/calls.csv", site=site, **PERIOD).text))
    )
    assert [r["call_id"] for r in rows] == ["C1", "C2", "C3", "C4"]
    assert rows[0]["started_local"] == "2026-03-02T09:05:00-05:00"
    assert (rows[2]["first_time"], rows[3]["status"], rows[3]["duration"]) == (
        "False",
        "missed",
        "0",
    )


def test_report_csv_matches_the_report_api(api: Api, site: int) -> None:
    rows = list(
        csv.DictReader(io.StringIO(get(api, "/v1/exports/report.csv", site=site, **PERIOD).text))
    )
    api_rows = get(api, "/v1/reports/channels", site=site, **PERIOD).json()["rows"]
    assert [(r["source"], int(r["calls"]), int(r["qualified_calls"])) for r in rows] == [
        (a["source"], a["calls"], a["qualified_calls"]) for a in api_rows
    ]
    assert [(r["source"], r["calls"]) for r in rows] == [
        ("bing", "2"),
        ("google", "2"),
    ]  # a tie: by name
