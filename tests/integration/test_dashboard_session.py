"""The dashboard session cookie when signing in with an API key: HttpOnly, SameSite=Lax, scoped
to /dashboard, holds a random session id (neither the key nor its hash), and stops working the
moment its key is revoked or the cookie is altered."""

from __future__ import annotations

from http.cookies import SimpleCookie

from fastapi.testclient import TestClient

from callscope.entrypoints.dashboard.session import COOKIE
from callscope.services.accounts import hash_key
from tests.conftest import Api
from tests.dashboard import Browser, with_session
from tests.integration.test_call_flow import make_site


def signed_in_client(api: Api, key: str) -> tuple[TestClient, str]:
    """A browser of its own that signed in with `key`; returns it and the raw Set-Cookie."""
    browser = Browser(api)
    answer = browser.sign_in(api_key=key)
    assert answer.status_code == 303
    return browser.client, answer.headers["set-cookie"]


def test_the_session_cookie_is_httponly_samesite_lax_and_holds_no_key(api: Api) -> None:
    _, set_cookie = signed_in_client(api, api.api_key)
    morsel = SimpleCookie(set_cookie)[COOKIE]
    assert morsel["httponly"] is True
    assert morsel["samesite"].lower() == "lax"
    assert morsel["path"] == "/dashboard"
    assert int(morsel["max-age"]) == 7 * 24 * 3600
    assert api.api_key not in set_cookie
    assert hash_key(api.api_key) not in morsel.value  # encoded, then signed: not even the hash


def test_a_revoked_key_ends_its_dashboard_session_at_once(api: Api) -> None:
    site_id = make_site(api)
    made = api.client.post("/v1/keys", headers=api.admin, json={"scope": "read"}).json()
    browser, _ = signed_in_client(api, made["key"])
    page = browser.get(f"/dashboard/sites/{site_id}", follow_redirects=False)
    assert page.status_code == 200 and "Northside" in page.text
    listed = api.client.get("/v1/keys", headers=api.admin).json()["keys"]
    (key_id,) = [k["key_id"] for k in listed if k["prefix"] == made["prefix"]]
    revoked = api.client.delete(f"/v1/keys/{key_id}", headers=api.admin)
    assert revoked.status_code == 204
    again = browser.get(f"/dashboard/sites/{site_id}", follow_redirects=False)
    assert (again.status_code, again.headers["location"]) == (303, "/dashboard/signin")


def test_an_altered_or_missing_cookie_is_no_session(api: Api) -> None:
    site_id = make_site(api)
    browser, _ = signed_in_client(api, api.api_key)
    value = browser.cookies[COOKIE]
    assert with_session(api, value, f"/dashboard/sites/{site_id}").status_code == 200
    forged = ("0" if value[0] != "0" else "1") + value[1:]
    answer = with_session(api, forged, f"/dashboard/sites/{site_id}")
    assert (answer.status_code, answer.headers["location"]) == (303, "/dashboard/signin")
    browser.cookies.clear()
    answer = browser.get(f"/dashboard/sites/{site_id}", follow_redirects=False)
    assert answer.status_code == 303
