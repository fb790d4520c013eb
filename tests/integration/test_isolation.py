"""Tenant isolation: every authenticated route, taken from the app's own OpenAPI schema (so a
new route is walked automatically), is tried with another account's key against this
account's data, and answers 404 (as if it did not exist) or only the caller's own data, changing
nothing. The dashboard's pages and forms about one site or item, taken from its router, are
walked the same way with another account's session (and its valid CSRF token)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.routing import APIRoute

from callscope.domain.users import Role
from callscope.entrypoints.dashboard import pages as dashboard
from callscope.services import users, workspaces
from callscope.services.accounts import create_account
from tests.conftest import Api
from tests.dashboard import PASSWORD, Browser, account_id_of, person
from tests.integration.test_call_flow import POOL_NUMBER, make_site, site_key

CALLER = "+12125550123"
OWNER_EMAIL = "owner@victim.example"
NOW = datetime.now(UTC)
# Bodies for routes that take one; "{site_id}" stands for the victim's site. A route missing
# here fails the walk: add a body that would succeed for the victim.
BODIES: dict[str, Any] = {
    "POST /v1/sites/{site_id}/numbers": {"number": "+15550100777", "kind": "pool"},
    "POST /v1/sites/{site_id}/webhooks": {"url": "https://hooks.example/x"},
    "PATCH /v1/sites/{site_id}/numbers/{number_id}": {"forward_to": "+15550100150"},
    "PATCH /v1/sites/{site_id}": {
        "name": "taken over",
        "forward_to": "+15550100150",
        "redact": False,
    },
    "POST /v1/sites/{site_id}/keywords": {"phrase": "book", "tag": "appointment"},
    "PATCH /v1/calls/{call_id}": {"score": 99, "qualified": True},
    "POST /v1/spend": {
        "site": "{site_id}",
        "entries": [{"date": "2026-01-05", "source": "google", "medium": "cpc", "cost": "10.00"}],
    },
    "POST /v1/spend/import": "date,source,medium,campaign,term,cost,currency\n"
    "2026-01-05,google,cpc,,,10.00,USD\n",
    "POST /v1/sites": {"name": "mine", "forward_to": "+15550100150"},
    "POST /v1/keys": {"scope": "read"},
    "PUT /v1/twilio/credentials": {"account_sid": "AC123", "auth_token": "token-of-other"},
    "PUT /v1/sites/{site_id}/flow": {"targets": ["+15550100150"]},
    "PUT /v1/sites/{site_id}/numbers/{number_id}/flow": {"targets": ["+15550100150"]},
    "POST /v1/blocklist": {"number": "+15550100151", "reason": "intruder's own"},
    "POST /v1/calls/{call_id}/spam": {"reason": "not yours"},
    "PATCH /v1/leads/{lead_id}": {"status": "won", "value": 1, "notes": "taken"},
}
# Routes that act only on the caller's own account whatever they are given.
OWN_ACCOUNT_ONLY = {
    "GET /v1/sites",
    "POST /v1/sites",
    "GET /v1/keys",
    "POST /v1/keys",
    "PUT /v1/twilio/credentials",
    "DELETE /v1/callers/{number}",
    "GET /v1/blocklist",
    "POST /v1/blocklist",
}
BLOCKED = "+15550100666"  # on the victim's blocklist


@dataclass(frozen=True)
class Victim:
    ids: dict[str, str]
    secrets: list[str]


def victim(api: Api) -> Victim:
    site_id = make_site(api)
    key = site_key(api, site_id)
    shown = api.client.post(
        "/v1/visits", json={"site_key": key, "landing_url": "https://a/?gclid=1"}
    ).json()
    event = {
        "call_id": "victim-call",
        "event": "started",
        "at": datetime.now(UTC).isoformat(),
        "dialed_number": POOL_NUMBER,
        "caller": CALLER,
    }
    api.client.post("/v1/calls/events", headers=api.telephony, json=event)
    hook = api.client.post(
        f"/v1/sites/{site_id}/webhooks",
        headers=api.admin,
        json={"url": "https://victim.example/hook"},
    ).json()
    key_id = api.client.get("/v1/keys", headers=api.admin).json()["keys"][0]["key_id"]
    flow = {"targets": ["+15550100140"]}
    api.client.put(f"/v1/sites/{site_id}/flow", headers=api.admin, json=flow).raise_for_status()
    entry = api.client.post(
        "/v1/blocklist", headers=api.admin, json={"number": BLOCKED, "reason": "victim's own"}
    ).json()
    numbers = api.client.get(f"/v1/sites/{site_id}/numbers", headers=api.admin).json()
    inbox = api.client.get("/v1/leads", headers=api.admin, params={"site": site_id}).json()
    ids = {
        "lead_id": inbox["leads"][0]["lead_id"],
        "site_id": str(site_id),
        "site": str(site_id),
        "visit_id": shown["visit_id"],
        "call_id": "victim-call",
        "key_id": str(key_id),
        "endpoint_id": str(hook["id"]),
        "number_id": str(numbers["numbers"][0]["number_id"]),
        "number": CALLER,
        "kind": "calls.csv",
        "entry_id": str(entry["id"]),
    }
    return Victim(
        ids,
        [key, shown["visit_id"], POOL_NUMBER, CALLER, "victim.example", api.api_key[:12], BLOCKED],
    )


def authenticated_operations(api: Api) -> list[tuple[str, str, dict[str, Any]]]:
    spec = api.client.get("/openapi.json").json()
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if operation.get("security"):
                found.append((method.upper(), path, operation))
    return found


def snapshot(api: Api, v: Victim) -> str:
    site = v.ids["site_id"]
    parts = [
        api.client.get(f"/v1/sites/{site}", headers=api.admin).text,
        api.client.get(f"/v1/sites/{site}/numbers", headers=api.admin).text,
        api.client.get("/v1/calls", headers=api.admin, params={"site": site}).text,
        api.client.get(f"/v1/sites/{site}/webhooks", headers=api.admin).text,
        api.client.get("/v1/keys", headers=api.admin).text,
        api.client.get(f"/v1/sites/{site}/flow", headers=api.admin).text,
        api.client.get("/v1/blocklist", headers=api.admin).text,
        api.client.get("/v1/leads", headers=api.admin, params={"site": site}).text,
    ]
    return json.dumps(parts)


def test_another_accounts_key_reaches_nothing_on_any_admin_route(api: Api) -> None:
    v = victim(api)
    before = snapshot(api, v)
    _, other_key = create_account(api.storage, "Intruder", datetime.now(UTC))
    intruder = {"Authorization": f"Bearer {other_key}"}
    operations = authenticated_operations(api)
    assert len(operations) >= 20
    for method, path, operation in operations:
        name = f"{method} {path}"
        url = path.format(**v.ids)
        params = {
            p["name"]: v.ids.get(p["name"], "x")
            for p in operation.get("parameters", [])
            if p["in"] == "query" and p.get("required")
        }
        params.update({"site": v.ids["site"]} if "site" in json.dumps(operation) else {})
        kwargs: dict[str, Any] = {"params": params, "headers": intruder}
        if "requestBody" in operation:
            if name not in BODIES:
                pytest.fail(f"no sample body for {name}: add one to BODIES")
            body = BODIES[name]
            if isinstance(body, str):
                kwargs["content"] = body
            else:
                kwargs["json"] = json.loads(
                    json.dumps(body).replace('"{site_id}"', v.ids["site_id"])
                )
        answer = api.client.request(method, url, **kwargs)
        if name not in OWN_ACCOUNT_ONLY:
            assert answer.status_code == 404, f"{name} answered {answer.status_code}"
        assert not [s for s in v.secrets if s in answer.text], f"{name} leaked data"
    assert snapshot(api, v) == before


# Fields of the dashboard's forms about one site (issue-13/14/15's among them), so each post is
# one a person would send: only the site's or item's ownership may refuse it (every post also
# carries the intruder's own, valid CSRF token).
FORMS: dict[str, dict[str, str]] = {
    "/dashboard/sites/{site_id}/calls/{call_id}/review": {"score": "99", "notes": "mine"},
    "/dashboard/sites/{site_id}/flow": {"flow": '{"targets": ["+15550100150"]}'},
    "/dashboard/sites/{site_id}/blocklist": {"caller": "+15550100152", "reason": "x"},
    "/dashboard/sites/{site_id}/blocklist/{entry_id}/delete": {},
    "/dashboard/sites/{site_id}/calls/{call_id}/spam": {},
    "/dashboard/sites/{site_id}/leads/{lead_id}": {"status": "won", "notes": "taken"},
}


def dashboard_routes(method: str) -> list[str]:
    """Every dashboard route about one site or one item of the account, from the dashboard's
    own router (so a new page or form is walked without anyone adding it here)."""
    found = []
    for route in dashboard.router.routes:
        if isinstance(route, APIRoute) and "{" in route.path:
            assert route.methods <= {"GET", "POST"}, f"{route.path}: add a walk"
            if method in route.methods:
                found.append(route.path)
    if method == "POST":
        assert set(FORMS) <= set(found), "a form of FORMS is no longer a dashboard route"
    return found


def test_another_accounts_dashboard_session_reaches_no_site_page_or_form(api: Api) -> None:
    v = victim(api)
    workspace = workspaces.create_workspace(api.storage, account_id_of(api), "Client", NOW)
    ids = {**v.ids, "user_id": str(own_user(api)), "workspace_id": str(workspace.id)}
    before = snapshot(api, v)
    _, other_key = create_account(api.storage, "Intruder", datetime.now(UTC))
    intruder = Browser(api)
    assert intruder.sign_in(api_key=other_key).status_code == 303
    pages = dashboard_routes("GET")
    assert len(pages) >= 5
    for path in pages:
        answer = intruder.get(path.format(**ids))
        assert answer.status_code == 404, f"{path} answered {answer.status_code}"
        assert not [s for s in v.secrets if s in answer.text], f"{path} leaked data"
    forms = dashboard_routes("POST")
    assert len(forms) >= 15
    fields = {"numbers": "+15550100888", "name": "taken", "forward_to": "+15550100150"}
    fields |= {"role": "analyst", "source": "x", "site": ids["site_id"], "email": OWNER_EMAIL}
    for path in forms:
        answer = intruder.post(path.format(**ids), fields | FORMS.get(path, {}))
        assert answer.status_code == 404, f"POST {path} answered {answer.status_code}"
        assert not [s for s in v.secrets if s in answer.text], f"POST {path} leaked data"
    own = intruder.client.get(f"/dashboard/sites/{v.ids['site_id']}", headers=api.admin)
    assert own.status_code == 404  # an API key header does not open the dashboard either
    assert snapshot(api, v) == before
    assert [u.role for u in users.list_users(api.storage, account_id_of(api))] == [Role.OWNER]


def own_user(api: Api) -> int:
    """A person in the victim's account (whose role the intruder must not change)."""
    person(api.storage, account_id_of(api), OWNER_EMAIL, Role.OWNER)
    return users.list_users(api.storage, account_id_of(api))[0].id


def test_a_person_granted_one_client_workspace_reaches_nothing_else_of_the_account(
    api: Api,
) -> None:
    """An agency's account: the victim's site is one client's; a person granted another
    client's workspace walks every dashboard page and form of the victim's site, and the
    account-wide pages, and gets 404 everywhere, changing nothing."""
    v = victim(api)
    account = account_id_of(api)
    theirs = workspaces.create_workspace(api.storage, account, "Client B", NOW)
    mine = workspaces.create_workspace(api.storage, account, "Client A", NOW)
    workspaces.place_site(api.storage, account, int(v.ids["site_id"]), theirs.id)
    own_site = make_site(api, pool=("+15550100299",))
    workspaces.place_site(api.storage, account, own_site, mine.id)
    person(api.storage, account, "agent@agency.example", Role.ADMIN)
    workspaces.grant(api.storage, account, mine.id, "agent@agency.example")
    ids = {**v.ids, "user_id": str(own_user(api)), "workspace_id": str(theirs.id)}
    before = snapshot(api, v)
    agent = Browser(api)
    assert agent.sign_in(email="agent@agency.example", password=PASSWORD).status_code == 303
    assert agent.get("/dashboard").headers["location"] == f"/dashboard/sites/{own_site}"
    home = agent.get(f"/dashboard/sites/{own_site}")
    assert home.status_code == 200 and "Northside" in home.text
    assert f'value="{v.ids["site_id"]}"' not in home.text  # not in the site switcher either
    fields = {"numbers": "+15550100888", "name": "taken", "forward_to": "+15550100150"}
    fields |= {"role": "analyst", "site": ids["site_id"], "email": OWNER_EMAIL, "scope": "admin"}
    for path in dashboard_routes("GET"):
        answer = agent.get(path.format(**ids))
        assert answer.status_code == 404, f"{path} answered {answer.status_code}"
        assert not [s for s in v.secrets if s in answer.text], f"{path} leaked data"
    for path in dashboard_routes("POST"):
        answer = agent.post(path.format(**ids), fields | FORMS.get(path, {}))
        assert answer.status_code == 404, f"POST {path} answered {answer.status_code}"
    for path in ("/dashboard/keys", "/dashboard/users", "/dashboard/workspaces"):
        assert agent.get(path).status_code == 404, path
        assert agent.post(path, fields).status_code == 404, path
    assert agent.get("/dashboard/new-site").status_code == 404
    assert agent.post("/dashboard/new-site", fields).status_code == 404
    # The victim's call and lead through the agent's own site's pages and forms: 404 too.
    through_own = {**ids, "site_id": str(own_site)}
    for path in dashboard_routes("GET") + dashboard_routes("POST"):
        if "{call_id}" in path or "{lead_id}" in path:
            url = path.format(**through_own)
            answer = (
                agent.post(url, fields | FORMS.get(path, {})) if path in FORMS else agent.get(url)
            )
            assert answer.status_code == 404, f"{url} answered {answer.status_code}"
    assert snapshot(api, v) == before
