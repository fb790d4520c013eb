"""PATCH /v1/sites/{site_id}: fields left out stay, every rule is in the schema (422 with the
field's name), and a new forward number is what route answers at once."""

from __future__ import annotations

from tests.conftest import Api
from tests.integration.test_call_flow import POOL_NUMBER, make_site


def test_a_site_is_edited_field_by_field(api: Api) -> None:
    site_id = make_site(api)
    before = api.client.get(f"/v1/sites/{site_id}", headers=api.admin).json()
    changed = api.client.patch(
        f"/v1/sites/{site_id}",
        headers=api.admin,
        json={"name": "Northside Heating & Air", "allowed_origins": ["https://northside.example/"]},
    )
    assert changed.status_code == 200, changed.text
    after = api.client.get(f"/v1/sites/{site_id}", headers=api.admin).json()
    assert after == {
        **before,
        "name": "Northside Heating & Air",
        "allowed_origins": ["https://northside.example"],
    }
    zoned = api.client.patch(
        f"/v1/sites/{site_id}", headers=api.admin, json={"time_zone": "America/Chicago"}
    )
    assert zoned.json()["timezone"] == "America/Chicago"


def test_a_new_forward_number_is_routed_at_once(api: Api) -> None:
    site_id = make_site(api)
    route = {"dialed_number": POOL_NUMBER}
    first = api.client.get("/v1/route", params=route, headers=api.telephony)
    assert first.text == "+15550100199"
    answer = api.client.patch(
        f"/v1/sites/{site_id}", headers=api.admin, json={"forward_to": "(555) 010-0177"}
    )
    assert answer.json()["forward_to"] == "+15550100177"
    again = api.client.get("/v1/route", params=route, headers=api.telephony)
    assert again.text == "+15550100177"


def test_bad_edits_are_refused_with_the_field_named_and_change_nothing(api: Api) -> None:
    site_id = make_site(api)
    before = api.client.get(f"/v1/sites/{site_id}", headers=api.admin).json()
    cases = {
        "nmae": ({"nmae": "typo"}, "nmae: Extra inputs are not permitted"),
        "null": ({"name": None}, "name may be left out but not null"),
        "zone": ({"timezone": "Mars/Olympus"}, "not a known time zone"),
        "origin": ({"allowed_origins": ["javascript:alert(1)"]}, "allowed_origins.0"),
        "blank": ({"name": ""}, "name: String should have at least 1 character"),
        "phone": ({"forward_to": "not a phone"}, "not a phone number"),
    }
    for name, (body, message) in cases.items():
        answer = api.client.patch(f"/v1/sites/{site_id}", headers=api.admin, json=body)
        assert answer.status_code in (400, 422), name
        assert message in answer.json()["error"], (name, answer.json())
    assert api.client.get(f"/v1/sites/{site_id}", headers=api.admin).json() == before


def test_the_schema_states_the_rules_of_a_site_edit(api: Api) -> None:
    schema = api.client.get("/openapi.json").json()["components"]["schemas"]["SitePatch"]
    assert schema["additionalProperties"] is False
    origin = schema["properties"]["allowed_origins"]["anyOf"][0]
    assert origin["maxItems"] == 50 and origin["items"]["pattern"].startswith("^https?://")
    zone = schema["properties"]["timezone"]["anyOf"][0]
    assert zone["maxLength"] == 64


def test_redaction_form_capture_and_consent_are_edited_with_the_rest(api: Api) -> None:
    site_id = make_site(api)
    before = api.client.get(f"/v1/sites/{site_id}", headers=api.admin).json()
    assert (before["redact"], before["consent_required"]) == (True, False)
    body = {
        "name": "Renamed",
        "redact": False,
        "form_allow": ["name", "phone"],
        "form_deny": ["notes"],
        "consent_required": True,
    }
    answer = api.client.patch(f"/v1/sites/{site_id}", headers=api.admin, json=body)
    assert answer.status_code == 200, answer.text
    after = api.client.get(f"/v1/sites/{site_id}", headers=api.admin).json()
    assert after == {**before, **body}
    for bad in ({"redact": None}, {"form_allow": ["x"] * 51}, {"consent_required": "maybe"}):
        refused = api.client.patch(f"/v1/sites/{site_id}", headers=api.admin, json=bad)
        assert refused.status_code == 422, bad
    assert api.client.get(f"/v1/sites/{site_id}", headers=api.admin).json() == after
    schema = api.client.get("/openapi.json").json()["components"]["schemas"]["SitePatch"]
    assert schema["properties"]["form_allow"]["anyOf"][0]["maxItems"] == 50
    assert {"redact", "form_deny", "consent_required"} <= set(schema["properties"])
