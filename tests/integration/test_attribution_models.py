"""Attribution models on a small story of three visitors, credits computed by hand, on SQLite
and PostgreSQL: each lead shares one credit among its visitor's visits (their own channels), and
every model's credits add up to the number of leads.

The story (oldest first):
- visitor A: a Facebook ad (fb / social), a direct return, a Google ad click (gclid); then a form;
- visitor B: a newsletter (news / email), a direct return; then a call to the number shown;
- visitor C: one direct visit; then a form.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import Api

FORWARD = "+15550100199"
POOL = [f"+155501001{n:02d}" for n in range(40, 48)]
FB = "https://shop.test/?utm_source=fb&utm_medium=social"
NEWS = "https://shop.test/?utm_source=news&utm_medium=email"
HOME = "https://shop.test/"
ADS = "https://shop.test/?gclid=g1"

# Hand-computed credits per source.
EXPECTED: dict[str, dict[str, float]] = {
    "last_touch": {"google": 1, "(direct)": 2},
    "last_non_direct": {"google": 1, "news": 1, "(direct)": 1},
    "linear": {"fb": 1 / 3, "(direct)": 1 / 3 + 1 / 2 + 1, "google": 1 / 3, "news": 1 / 2},
    "position_based": {"fb": 0.4, "(direct)": 0.2 + 0.5 + 1, "google": 0.4, "news": 0.5},
}
# The call (visitor B's) alone.
EXPECTED_CALLS: dict[str, dict[str, float]] = {
    "last_touch": {"(direct)": 1},
    "last_non_direct": {"news": 1},
    "linear": {"news": 0.5, "(direct)": 0.5},
    "position_based": {"news": 0.5, "(direct)": 0.5},
}


def visit(api: Api, key: str, url: str, visitor: str, first: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "site_key": key,
        "landing_url": url,
        "referrer": "",
        "visitor_id": visitor,
    }
    if first:
        body["first_touch"] = {"landing_url": first, "referrer": ""}
    answer = api.client.post("/v1/visits", json=body)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def form(api: Api, key: str, visit_id: str, submission_id: str) -> None:
    body = {"site_key": key, "visit_id": visit_id, "submission_id": submission_id, "fields": {}}
    assert api.client.post("/v1/forms", json=body).json()["lead_id"]


@pytest.fixture
def story(api: Api) -> int:
    site = api.client.post(
        "/v1/sites", headers=api.admin, json={"name": "Shop", "forward_to": FORWARD}
    ).json()
    for number in POOL:
        api.client.post(
            f"/v1/sites/{site['site_id']}/numbers",
            headers=api.admin,
            json={"number": number, "kind": "pool"},
        ).raise_for_status()
    key = site["site_key"]
    visit(api, key, FB, "A")
    visit(api, key, HOME, "A", first=FB)
    a3 = visit(api, key, ADS, "A", first=FB)
    form(api, key, a3["visit_id"], "form-a-0001")
    visit(api, key, NEWS, "B")
    b2 = visit(api, key, HOME, "B", first=NEWS)
    call = {
        "call_id": "call-b",
        "event": "started",
        "at": datetime.now(UTC).isoformat(),
        "dialed_number": b2["number"],
        "caller": "+15550109876",
    }
    api.client.post("/v1/calls/events", headers=api.telephony, json=call).raise_for_status()
    c1 = visit(api, key, HOME, "C")
    form(api, key, c1["visit_id"], "form-c-0001")
    return int(site["site_id"])


def report(api: Api, site_id: int, model: str | None, by: str = "source") -> dict[str, Any]:
    query = f"/v1/reports/channels?site={site_id}&by={by}" + (f"&model={model}" if model else "")
    answer = api.client.get(query, headers=api.admin)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def credits(found: dict[str, Any], field: str, by: str = "source") -> dict[str, float]:
    return {row[by]: row[field] for row in found["rows"] if row[field]}


@pytest.mark.parametrize("model", sorted(EXPECTED))
def test_each_model_credits_the_story_as_computed_by_hand(api: Api, story: int, model: str) -> None:
    found = report(api, story, model)
    assert found["model"] == model
    assert credits(found, "leads") == pytest.approx(EXPECTED[model], abs=1e-4)
    assert credits(found, "calls") == pytest.approx(EXPECTED_CALLS[model], abs=1e-4)
    assert sum(row["leads"] for row in found["rows"]) == pytest.approx(3, abs=1e-3)
    assert (found["totals"]["leads"], found["totals"]["calls"], found["totals"]["forms"]) == (
        3,
        1,
        2,
    )


def test_models_group_by_medium_too(api: Api, story: int) -> None:
    found = report(api, story, "linear", by="medium")
    expected = {"social": 1 / 3, "(none)": 1 / 3 + 1 / 2 + 1, "cpc": 1 / 3, "email": 1 / 2}
    assert credits(found, "leads", "medium") == pytest.approx(expected, abs=1e-4)


def test_first_touch_is_the_default_and_reads_as_before(api: Api, story: int) -> None:
    default, named = report(api, story, None), report(api, story, "first_touch")
    period = ("from", "to")  # the default period ends at the moment asked
    assert {k: v for k, v in default.items() if k not in period} == {
        k: v for k, v in named.items() if k not in period
    }
    assert "model" not in default  # the report it always was
    # The call counts for its visit's first touch: visitor B's newsletter.
    assert credits(default, "calls") == {"news": 1}
    assert credits(default, "visits") == {"fb": 2, "google": 1, "news": 2, "(direct)": 1}
    assert default["totals"]["calls"] == 1 and default["totals"]["visits"] == 6


def test_a_model_needs_a_channel_grouping_and_a_known_name(api: Api, story: int) -> None:
    path = f"/v1/reports/channels?site={story}"
    assert api.client.get(path + "&model=linear&by=day", headers=api.admin).status_code == 400
    assert api.client.get(path + "&model=data_driven", headers=api.admin).status_code == 422


def test_a_lead_knows_every_touch_before_it(api: Api, story: int) -> None:
    inbox = api.client.get(f"/v1/leads?site={story}", headers=api.admin).json()["leads"]
    first_form = min((lead for lead in inbox if lead["type"] == "form"), key=lambda x: x["at"])
    detail = api.client.get(f"/v1/leads/{first_form['lead_id']}", headers=api.admin).json()
    assert [t["channel"]["source"] for t in detail["touches"]] == ["fb", "(direct)", "google"]
    assert detail["touches"][-1]["visit_id"] == first_form["visit_id"]
    assert detail["channel"]["source"] == "google"  # the visit's own: a new paid click
