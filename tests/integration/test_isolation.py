"""Tenant isolation: every authenticated route, taken from the app's own OpenAPI schema (so a
new route is walked automatically), is tried with another account's key against this
account's data, and answers 404 (as if it did not exist) or only the caller's own data, changing
nothing. The dashboard's site pages, taken from its router, are walked the same way
with another account's session cookie."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from callscope.entrypoints.dashboard import call_page
from callscope.entrypoints.dashboard import pages as dashboard
from callscope.entrypoints.dashboard.session import COOKIE, session_form_token
from callscope.services.accounts import create_account
from tests.conftest import Api
from tests.integration.test_call_flow import POOL_NUMBER, make_site, site_key

CALLER = "+12125550123"
# Bodies for routes that take one; "{site_id}" stands for the victim's site. A route missing
# here fails the walk: add a body that would succeed for the victim.
BODIES: dict[str, Any] = {
    "POST /v1/sites/{site_id}/numbers": {"number": "+15550100777", "kind": "pool"},
    "POST /v1/sites/{site_id}/webhooks": {"url": "https://hooks.example/x"},
    "PATCH /v1/sites/{site_id}/numbers/{number_id}": {"forward_to": "+15550100150"},
    "POST /v1/sites/{site_id}/keywords": {"phrase": "book", "tag": "appointment"},
    "PATCH /v1/calls/{call_id}": {"score": 99, "qualified": True},
    "PATCH /v1/sites/{site_id}": {"redact": False},
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


# Dashboard forms about one site that change something, with the fields a person would send.
FORMS: dict[str, dict[str, str]] = {
    "/dashboard/sites/{site_id}/calls/{call_id}/review": {"score": "99", "notes": "mine"},
    "/dashboard/sites/{site_id}/flow": {"flow": '{"targets": ["+15550100150"]}'},
    "/dashboard/sites/{site_id}/blocklist": {"caller": "+15550100152", "reason": "x"},
    "/dashboard/sites/{site_id}/blocklist/{entry_id}/delete": {},
    "/dashboard/sites/{site_id}/calls/{call_id}/spam": {},
    "/dashboard/sites/{site_id}/leads/{lead_id}": {"status": "won", "notes": "taken"},
}


def dashboard_site_pages() -> list[tuple[str, str]]:
    """Every dashboard route about one site, from the dashboard's own routers."""
    found = []
    for route in [*dashboard.router.routes, *call_page.router.routes]:
        if isinstance(route, APIRoute) and route.path.startswith("/dashboard/sites/{site_id}"):
            assert route.methods <= {"GET", "POST"}, f"{route.path}: add a walk"
            if "POST" in route.methods:
                assert route.path in FORMS, f"{route.path}: add a form body to FORMS"
            found += [(method, route.path) for method in sorted(route.methods)]
    return found


def test_another_accounts_dashboard_session_reaches_no_site_page(api: Api) -> None:
    v = victim(api)
    before = snapshot(api, v)
    _, other_key = create_account(api.storage, "Intruder", datetime.now(UTC))
    intruder = TestClient(api.client.app)
    signed = intruder.post("/dashboard/signin", data={"api_key": other_key}, follow_redirects=False)
    assert signed.status_code == 303
    pages = dashboard_site_pages()
    assert len(pages) >= 8
    # The intruder's own, valid form token: only the call's ownership can refuse them.
    token = session_form_token(api.storage, intruder.cookies.get(COOKIE) or "")
    for method, path in pages:
        form = {**FORMS.get(path, {}), "token": token} if method == "POST" else None
        url = path.format(**v.ids)
        answer = intruder.request(method, url, data=form, follow_redirects=False)
        assert answer.status_code == 404, f"{path} answered {answer.status_code}"
        assert not [s for s in v.secrets if s in answer.text], f"{path} leaked data"
    own = intruder.get(f"/dashboard/sites/{v.ids['site_id']}", headers=api.admin)
    assert own.status_code == 404  # an API key header does not open the dashboard either
    assert snapshot(api, v) == before
