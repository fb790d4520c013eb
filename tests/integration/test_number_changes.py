"""Changing and removing a tracking number through the admin API: scoped to the account, bad
input refused with nothing changed, and the route table follows in the same process."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api

SITE_NUMBER = "+15550100199"
RADIO = {"source": "radio", "medium": "offline", "campaign": None, "term": None}


def site_with_number(api: Api, kind: str = "static") -> tuple[str, str]:
    site = api.client.post(
        "/v1/sites", headers=api.admin, json={"name": "S", "forward_to": SITE_NUMBER}
    ).json()
    body: dict[str, Any] = {"number": "+15550100501", "kind": kind}
    if kind == "static":
        body["channel"] = RADIO
    number = api.client.post(f"/v1/sites/{site['site_id']}/numbers", headers=api.admin, json=body)
    assert number.status_code == 201, number.text
    return f"/v1/sites/{site['site_id']}/numbers", f"/{number.json()['number_id']}"


def route(api: Api, number: str) -> tuple[int, str]:
    answer = api.client.get("/v1/route", params={"dialed_number": number}, headers=api.telephony)
    return answer.status_code, answer.text


def test_a_new_forward_number_is_routed_and_leaving_it_out_keeps_the_channel(api: Api) -> None:
    numbers, one = site_with_number(api)
    assert route(api, "+15550100501") == (200, SITE_NUMBER)
    changed = api.client.patch(numbers + one, headers=api.admin, json={"forward_to": "5550100177"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["forward_to"] == "+15550100177"  # read as E.164
    assert changed.json()["channel"] == RADIO
    assert route(api, "+15550100501") == (200, "+15550100177")
    back = api.client.patch(numbers + one, headers=api.admin, json={"forward_to": None})
    assert back.json()["forward_to"] is None
    assert route(api, "+15550100501") == (200, SITE_NUMBER)


def test_bad_changes_are_refused_and_change_nothing(api: Api) -> None:
    numbers, one = site_with_number(api)
    before = api.client.get(numbers, headers=api.admin).json()
    refused = [
        api.client.patch(numbers + one, headers=api.admin, json={"channel": None}),
        api.client.patch(numbers + one, headers=api.admin, json={"forward_to": "not a number"}),
        api.client.patch(numbers + one, headers=api.admin, json={"colour": "red"}),
        api.client.patch(numbers + "/999999", headers=api.admin, json={"forward_to": None}),
        api.client.patch(numbers + "/0", headers=api.admin, json={}),
        api.client.delete(numbers + "/999999", headers=api.admin),
    ]
    assert [r.status_code for r in refused] == [400, 400, 422, 404, 422, 404]
    assert "static number needs the channel" in refused[0].text
    assert api.client.get(numbers, headers=api.admin).json() == before


def test_a_removed_number_is_no_longer_routed_nor_listed(api: Api) -> None:
    numbers, one = site_with_number(api, kind="pool")
    site_key = api.client.get(numbers.removesuffix("/numbers"), headers=api.admin).json()
    shown = api.client.post(
        "/v1/visits", json={"site_key": site_key["site_key"], "landing_url": "https://a/"}
    ).json()
    assert shown["number"] == "+15550100501"  # leased: removing it must not be blocked
    assert api.client.delete(numbers + one, headers=api.admin).status_code == 204
    assert route(api, "+15550100501")[0] == 404
    assert api.client.get(numbers, headers=api.admin).json() == {"numbers": []}
    beat = api.client.post(f"/v1/visits/{shown['visit_id']}/heartbeat").json()
    assert beat["number"] == SITE_NUMBER  # the visit falls back to the site's own number
    assert api.client.delete(numbers + one, headers=api.admin).status_code == 404
