"""Managing from the dashboard, in process on SQLite and PostgreSQL: each form goes through the
API's own body and service (same rules, same messages), and an analyst changes nothing."""

from __future__ import annotations

import json

from fastapi.routing import APIRoute

from callscope.domain.users import Role
from callscope.entrypoints.dashboard import pages as dashboard
from tests.conftest import Api
from tests.dashboard import PASSWORD, Browser, account_id_of, person
from tests.integration.test_call_flow import make_site
from tests.integration.test_isolation import FORMS, snapshot, victim


def signed_in(api: Api, role: Role, email: str = "pat@northside.example") -> Browser:
    person(api.storage, account_id_of(api), email, role)
    browser = Browser(api)
    assert browser.sign_in(email=email, password=PASSWORD).status_code == 303
    return browser


def numbers_of(api: Api, site_id: int) -> list[dict[str, object]]:
    found: list[dict[str, object]] = api.client.get(
        f"/v1/sites/{site_id}/numbers", headers=api.admin
    ).json()["numbers"]
    return found


def dashboard_posts() -> list[str]:
    return [
        route.path
        for route in dashboard.router.routes
        if isinstance(route, APIRoute) and "POST" in route.methods
    ]


def test_an_analyst_sees_the_pages_but_every_change_is_refused(api: Api) -> None:
    v = victim(api)  # the analyst's own account's data this time
    before = snapshot(api, v)
    analyst = signed_in(api, Role.ANALYST)
    assert analyst.get(f"/dashboard/sites/{v.ids['site_id']}/setup").status_code == 200
    assert (
        'action="/dashboard/sites'
        not in analyst.get(f"/dashboard/sites/{v.ids['site_id']}/setup").text
    )  # no forms offered
    ids = {**v.ids, "user_id": "1", "workspace_id": "1"}
    refused = []
    for path in dashboard_posts():
        if path in ("/dashboard/signin", "/dashboard/signout", "/dashboard/password"):
            continue
        fields = {"numbers": "+15550100999", "name": "x"} | FORMS.get(path, {})
        answer = analyst.post(path.format(**ids), fields)
        assert answer.status_code == 403, f"{path} answered {answer.status_code}"
        refused.append(path)
    assert len(refused) >= 18
    assert set(FORMS) <= set(refused)  # review, flow, blocklist, spam and lead triage too
    assert snapshot(api, v) == before


def test_an_owner_creates_a_site_and_pastes_numbers_in_bulk(api: Api) -> None:
    owner = signed_in(api, Role.OWNER)
    made = owner.post(
        "/dashboard/new-site",
        {"name": "Acme Plumbing", "forward_to": "(555) 010-0150", "timezone": "Europe/London"},
    )
    assert made.status_code == 303
    site_id = int(made.headers["location"].split("/")[3])
    site = api.client.get(f"/v1/sites/{site_id}", headers=api.admin).json()
    assert (site["name"], site["forward_to"], site["timezone"]) == (
        "Acme Plumbing",
        "+15550100150",
        "Europe/London",
    )
    pasted = "+15550100401\n(555) 010-0402, 555.010.0403\n\nnot-a-number\n+15550100401"
    answer = owner.post(f"/dashboard/sites/{site_id}/numbers", {"numbers": pasted, "kind": "pool"})
    assert answer.status_code == 400
    assert "Added 3 numbers." in answer.text
    assert "not-a-number: not a phone number" in answer.text
    assert "+15550100401: that number is already a tracking number" in answer.text
    assert sorted(n["number"] for n in numbers_of(api, site_id)) == [
        "+15550100401",
        "+15550100402",
        "+15550100403",
    ]


def test_a_form_and_the_api_say_the_same_about_the_same_bad_input(api: Api) -> None:
    owner = signed_in(api, Role.ADMIN)
    site_id = make_site(api)
    bad = {"name": "N", "forward_to": "+15550100199", "timezone": "Mars/Olympus"}
    from_api = api.client.patch(f"/v1/sites/{site_id}", headers=api.admin, json=bad)
    from_form = owner.post(f"/dashboard/sites/{site_id}/settings", bad)
    assert from_api.status_code == 422 and from_form.status_code == 400
    message = from_api.json()["error"]
    assert "not a known time zone" in message
    assert message.replace("'", "&#39;") in from_form.text
    static = {"numbers": "+15550100501", "kind": "static"}
    from_form = owner.post(f"/dashboard/sites/{site_id}/numbers", static)
    from_api = api.client.post(
        f"/v1/sites/{site_id}/numbers",
        headers=api.admin,
        json={"number": "+15550100501", "kind": "static"},
    )
    assert from_api.json()["error"] in from_form.text


def test_a_static_numbers_channel_is_set_and_a_number_removed_from_the_setup_page(
    api: Api,
) -> None:
    owner = signed_in(api, Role.ADMIN)
    site_id = make_site(api)
    static = {"numbers": "+15550100601", "kind": "static", "source": "radio", "medium": "offline"}
    assert owner.post(f"/dashboard/sites/{site_id}/numbers", static).status_code == 303
    (number,) = [n for n in numbers_of(api, site_id) if n["kind"] == "static"]
    changed = owner.post(
        f"/dashboard/sites/{site_id}/numbers/{number['number_id']}/channel",
        {"source": "Billboard", "medium": "offline", "campaign": "route-9"},
    )
    assert changed.status_code == 303
    (number,) = [n for n in numbers_of(api, site_id) if n["kind"] == "static"]
    assert number["channel"] == {
        "source": "billboard",
        "medium": "offline",
        "campaign": "route-9",
        "term": None,
    }
    gone = owner.post(f"/dashboard/sites/{site_id}/numbers/{number['number_id']}/remove")
    assert gone.status_code == 303
    assert [n["kind"] for n in numbers_of(api, site_id)] == ["pool"]


def test_keys_are_created_shown_once_and_revoked_from_the_dashboard(api: Api) -> None:
    owner = signed_in(api, Role.OWNER)
    made = owner.post("/dashboard/keys", {"scope": "read"})
    assert made.status_code == 201
    key = made.text.split('id="new-key" readonly value="')[1].split('"')[0]
    assert api.client.get("/v1/sites", headers={"Authorization": f"Bearer {key}"}).is_success
    assert key not in owner.get("/dashboard/keys").text  # shown once
    listed = api.client.get("/v1/keys", headers=api.admin).json()["keys"]
    (key_id,) = [k["key_id"] for k in listed if k["prefix"] == key[:8]]
    assert owner.post(f"/dashboard/keys/{key_id}/revoke").status_code == 303
    answer = api.client.get("/v1/sites", headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 401


def test_an_owner_adds_a_person_whose_link_sets_their_password(api: Api) -> None:
    owner = signed_in(api, Role.OWNER)
    added = owner.post("/dashboard/users", {"email": "sam@northside.example", "role": "analyst"})
    assert added.status_code == 201
    link = added.text.split('id="password-link" readonly value="')[1].split('"')[0]
    assert "/dashboard/password?token=" in link
    roles = owner.get("/dashboard/users").text
    assert "sam@northside.example" in roles and "not set yet" in roles
    assert json.dumps(link) not in owner.get("/dashboard/users").text


def test_ad_spend_is_imported_from_an_uploaded_csv_with_the_apis_rules(api: Api) -> None:
    owner = signed_in(api, Role.ADMIN)
    site_id = make_site(api)
    csv = "date,source,medium,cost\n2026-11-30,google,cpc,84.50\n2026-12-01,google,cpc,15.50\n"
    answer = owner.client.post(
        f"/dashboard/sites/{site_id}/spend",
        data={"csrf_token": owner.csrf},
        files={"csv_file": ("spend.csv", csv.encode(), "text/csv")},
        follow_redirects=False,
    )
    assert answer.headers["location"].endswith("?done=spend-1")
    report = api.client.get(
        "/v1/reports/channels",
        headers=api.admin,
        params={"site": site_id, "from": "2026-11-30", "to": "2026-12-01"},
    ).json()
    assert report["totals"]["cost"] == 100.0
    bad = owner.post(f"/dashboard/sites/{site_id}/spend", {"csv_text": "date,cost\nnope,1\n"})
    from_api = api.client.post(
        "/v1/spend/import",
        headers={**api.admin, "content-type": "text/csv"},
        params={"site": site_id},
        content="date,cost\nnope,1\n",
    )
    assert bad.status_code == 400 and from_api.status_code == 400
    assert from_api.json()["error"].replace("'", "&#39;") in bad.text


def test_the_site_settings_form_switches_redaction(api: Api) -> None:
    owner = signed_in(api, Role.ADMIN)
    site_id = make_site(api)
    setup = owner.get(f"/dashboard/sites/{site_id}/setup").text
    assert 'name="redact" value="on" checked' in setup
    fields = {"name": "Northside", "forward_to": "+15550100199", "timezone": "UTC"}
    assert owner.post(f"/dashboard/sites/{site_id}/settings", fields).status_code == 303
    site = api.client.get(f"/v1/sites/{site_id}", headers=api.admin).json()
    assert site["redact"] is False  # the box left unticked
    ticked = {**fields, "redact": "on"}
    assert owner.post(f"/dashboard/sites/{site_id}/settings", ticked).status_code == 303
    assert api.client.get(f"/v1/sites/{site_id}", headers=api.admin).json()["redact"] is True
