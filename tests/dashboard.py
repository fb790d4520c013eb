"""A browser of its own for in-process dashboard tests: it reads each form's CSRF token from
the page the way a browser submits it, and signs in with a password or an API key."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from typing import Any

import httpx
from fastapi.testclient import TestClient

from callscope.domain.users import Role
from callscope.entrypoints.dashboard.session import COOKIE
from callscope.services import users
from callscope.services.accounts import authenticate
from callscope.services.ports import Storage
from tests.conftest import Api

PASSWORD = "correct horse battery staple"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = TOKEN.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


class Browser:
    """An in-process client with its own cookies."""

    def __init__(self, api: Api) -> None:
        self.client = TestClient(api.client.app)
        self.csrf = ""

    def sign_in(self, **fields: str) -> httpx.Response:
        """Post the sign-in form (email + password, or api_key) with the page's token."""
        page = self.client.get("/dashboard/signin")
        data = {"csrf_token": csrf_of(page.text), **fields}
        answer = self.client.post("/dashboard/signin", data=data, follow_redirects=False)
        if answer.status_code == 303:
            self.csrf = csrf_of(self.client.get("/dashboard").text)
        return answer

    def post(self, path: str, data: dict[str, Any] | None = None) -> httpx.Response:
        """A form post carrying this session's CSRF token."""
        body = {"csrf_token": self.csrf, **(data or {})}
        return self.client.post(path, data=body, follow_redirects=False)

    def get(self, path: str) -> httpx.Response:
        return self.client.get(path, follow_redirects=False)


def person(storage: Storage, account_id: int, email: str, role: Role) -> None:
    users.create_user(storage, account_id, email, role, datetime.now(UTC), password=PASSWORD)


def account_id_of(api: Api) -> int:
    return authenticate(api.storage, api.api_key).account_id


def with_session(api: Api, token: str, path: str) -> httpx.Response:
    """GET `path` from a fresh client that presents only this session id (a copied cookie)."""
    client = TestClient(api.client.app)
    return client.get(path, headers={"Cookie": f"{COOKIE}={token}"}, follow_redirects=False)


def session_set_by(answer: httpx.Response) -> str:
    """The session id a sign-in answer set."""
    return SimpleCookie(answer.headers["set-cookie"])[COOKIE].value
