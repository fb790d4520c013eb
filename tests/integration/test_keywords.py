"""Keyword rules through the admin API: the schema's rules hold (lengths, speakers, weights),
bad input changes nothing, another account reaches nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from callscope.services.accounts import create_account
from tests.conftest import Api
from tests.integration.test_call_flow import make_site


@pytest.mark.parametrize(
    "body",
    [
        {"phrase": "book", "tag": "appointment", "speaker": "robot"},
        {"phrase": "book", "tag": "Has Capitals"},
        {"phrase": "", "tag": "x"},
        {"phrase": "x" * 101, "tag": "x"},
        {"phrase": "book", "tag": "x", "weight": 101},
        {"tag": "x"},
    ],
)
def test_a_bad_rule_is_refused_with_422(api: Api, body: dict[str, object]) -> None:
    site_id = make_site(api)
    url = f"/v1/sites/{site_id}/keywords"
    assert api.client.post(url, headers=api.admin, json=body).status_code == 422
    assert api.client.get(url, headers=api.admin).json() == {"keywords": []}


def test_rules_are_listed_per_site_and_hidden_from_other_accounts(api: Api) -> None:
    site_id = make_site(api)
    url = f"/v1/sites/{site_id}/keywords"
    body = {"phrase": " Book an appointment ", "tag": "appointment", "speaker": "caller"}
    added = api.client.post(url, headers=api.admin, json=body)
    assert added.status_code == 201
    assert added.json() == {
        "keyword_id": added.json()["keyword_id"],
        "site_id": site_id,
        "phrase": "Book an appointment",
        "tag": "appointment",
        "weight": 20,
        "speaker": "caller",
    }
    words = {"phrase": "?!", "tag": "noise"}
    assert api.client.post(url, headers=api.admin, json=words).status_code == 400
    _, other = create_account(api.storage, "Other", datetime.now(UTC))
    intruder = {"Authorization": f"Bearer {other}"}
    assert api.client.post(url, headers=intruder, json=body).status_code == 404
    assert api.client.get(url, headers=intruder).status_code == 404
    assert [k["tag"] for k in api.client.get(url, headers=api.admin).json()["keywords"]] == [
        "appointment"
    ]


def test_an_override_outside_0_100_is_refused_and_an_unknown_call_is_404(api: Api) -> None:
    make_site(api)
    bad = api.client.patch("/v1/calls/nope", headers=api.admin, json={"score": 101})
    assert bad.status_code == 422
    missing = api.client.patch("/v1/calls/nope", headers=api.admin, json={"score": 50})
    assert missing.status_code == 404
