"""People sign in to the dashboard with an e-mail and a password, on SQLite and PostgreSQL:
argon2id hashes, server-side sessions (a new id at each sign-in, revoked on sign-out), a CSRF
token on every form, a back-off after failures, single-use expiring password links, and the
password never in a log line or an answer."""

from __future__ import annotations

import logging
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from sqlalchemy import select

from callscope.adapters.storage import Storage
from callscope.adapters.tables.users import sessions, users
from callscope.domain.errors import Conflict, Forbidden, InvalidInput, Unauthorized
from callscope.domain.users import Role
from callscope.entrypoints.dashboard.session import COOKIE
from callscope.entrypoints.http.deps import get_now
from callscope.services import users as user_service
from tests.conftest import Api, server_env
from tests.dashboard import (
    PASSWORD,
    Browser,
    account_id_of,
    csrf_of,
    person,
    session_set_by,
    with_session,
)
from tests.integration.test_call_flow import make_site

EMAIL = "ana@northside.example"


def test_a_person_signs_in_with_their_password_into_an_httponly_session(api: Api) -> None:
    person(api.storage, account_id_of(api), EMAIL, Role.OWNER)
    browser = Browser(api)
    answer = browser.sign_in(email="  Ana@Northside.example ", password=PASSWORD)
    assert (answer.status_code, answer.headers["location"]) == (303, "/dashboard")
    morsel = SimpleCookie(answer.headers["set-cookie"])[COOKIE]
    assert morsel["httponly"] is True and morsel["samesite"].lower() == "lax"
    assert morsel["path"] == "/dashboard"
    assert PASSWORD not in answer.headers["set-cookie"]
    page = browser.get("/dashboard/keys")
    assert page.status_code == 200 and EMAIL in page.text


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer_and_no_session(
    api: Api,
) -> None:
    person(api.storage, account_id_of(api), EMAIL, Role.OWNER)
    browser = Browser(api)
    wrong = browser.sign_in(email=EMAIL, password="not the password")
    unknown = browser.sign_in(email="nobody@northside.example", password=PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong e-mail or password." in wrong.text and "Wrong e-mail or password." in unknown.text
    assert COOKIE not in browser.client.cookies
    assert browser.get("/dashboard").headers["location"] == "/dashboard/signin"


def test_signing_in_issues_a_new_session_id_and_revokes_one_planted_before(api: Api) -> None:
    person(api.storage, account_id_of(api), EMAIL, Role.OWNER)
    attacker = Browser(api)
    planted = session_set_by(attacker.sign_in(email=EMAIL, password=PASSWORD))
    assert with_session(api, planted, "/dashboard/keys").status_code == 200
    victim = Browser(api)
    victim.client.cookies.set(COOKIE, planted)  # fixed in the victim's browser beforehand
    answer = victim.sign_in(email=EMAIL, password=PASSWORD)
    issued = session_set_by(answer)
    assert issued != planted
    assert with_session(api, issued, "/dashboard/keys").status_code == 200
    # The planted id was revoked by the sign-in over it: the attacker holds nothing.
    assert with_session(api, planted, "/dashboard/keys").headers["location"] == "/dashboard/signin"
    assert with_session(api, "made-up-id", "/dashboard").headers["location"] == "/dashboard/signin"


def test_signing_out_revokes_the_session_on_the_server(api: Api) -> None:
    person(api.storage, account_id_of(api), EMAIL, Role.ADMIN)
    browser = Browser(api)
    token = session_set_by(browser.sign_in(email=EMAIL, password=PASSWORD))
    assert with_session(api, token, "/dashboard/keys").status_code == 200
    out = browser.post("/dashboard/signout")
    assert (out.status_code, out.headers["location"]) == (303, "/dashboard/signin")
    # A copy kept of the cookie opens nothing any more.
    assert with_session(api, token, "/dashboard/keys").headers["location"] == "/dashboard/signin"
    with api.storage.engine.connect() as conn:
        revoked = conn.execute(select(sessions.c.revoked_at)).scalars().all()
    assert len(revoked) == 1 and revoked[0] is not None


def test_a_form_posted_without_its_csrf_token_is_refused_and_changes_nothing(api: Api) -> None:
    person(api.storage, account_id_of(api), EMAIL, Role.OWNER)
    site_id = make_site(api)
    browser = Browser(api)
    browser.sign_in(email=EMAIL, password=PASSWORD)
    data = {"numbers": "+15550100311", "kind": "pool"}
    bare = browser.client.post(f"/dashboard/sites/{site_id}/numbers", data=data)
    wrong = browser.client.post(
        f"/dashboard/sites/{site_id}/numbers", data={**data, "csrf_token": "x" * 43}
    )
    assert bare.status_code == wrong.status_code == 403
    assert "security token" in bare.text
    numbers = api.client.get(f"/v1/sites/{site_id}/numbers", headers=api.admin).json()
    assert "+15550100311" not in str(numbers)
    # The same post with the page's token goes through.
    assert browser.post(f"/dashboard/sites/{site_id}/numbers", data).status_code == 303
    numbers = api.client.get(f"/v1/sites/{site_id}/numbers", headers=api.admin).json()
    assert "+15550100311" in str(numbers)


def test_the_sign_in_form_itself_needs_the_token_of_its_page(api: Api) -> None:
    person(api.storage, account_id_of(api), EMAIL, Role.OWNER)
    browser = Browser(api)
    answer = browser.client.post(
        "/dashboard/signin", data={"email": EMAIL, "password": PASSWORD}, follow_redirects=False
    )
    assert answer.status_code == 403 and COOKIE not in browser.client.cookies


def test_repeated_failures_lock_the_account_for_a_while_even_with_the_right_password(
    api: Api,
) -> None:
    person(api.storage, account_id_of(api), EMAIL, Role.OWNER)
    clock = [datetime(2026, 12, 2, 9, 0, tzinfo=UTC)]
    api.client.app.dependency_overrides[get_now] = lambda: clock[0]
    try:
        browser = Browser(api)
        for _ in range(5):
            assert browser.sign_in(email=EMAIL, password="guess").status_code == 401
        locked = browser.sign_in(email=EMAIL, password=PASSWORD)
        assert locked.status_code == 429 and "Try again in 30 seconds" in locked.text
        clock[0] += timedelta(seconds=31)
        assert browser.sign_in(email=EMAIL, password="guess").status_code == 401
        # The sixth failure in a row locks for twice as long.
        clock[0] += timedelta(seconds=31)
        assert browser.sign_in(email=EMAIL, password=PASSWORD).status_code == 429
        clock[0] += timedelta(seconds=30)
        assert browser.sign_in(email=EMAIL, password=PASSWORD).status_code == 303
    finally:
        api.client.app.dependency_overrides.clear()
    with api.storage.engine.connect() as conn:
        assert conn.execute(select(users.c.failures)).scalar_one() == 0


def test_a_password_link_sets_the_password_once_and_ends_other_sessions(api: Api) -> None:
    person(api.storage, account_id_of(api), EMAIL, Role.OWNER)
    before = session_set_by(Browser(api).sign_in(email=EMAIL, password=PASSWORD))
    now = datetime.now(UTC)
    token = user_service.password_link(api.storage, EMAIL, now)
    browser = Browser(api)
    form = browser.get(f"/dashboard/password?token={token}")
    assert form.status_code == 200 and form.headers["referrer-policy"] == "no-referrer"
    new = "a brand new passphrase"
    body = {"csrf_token": csrf_of(form.text), "token": token, "password": new, "confirm": new}
    done = browser.client.post("/dashboard/password", data=body, follow_redirects=False)
    assert done.headers["location"] == "/dashboard/signin?done=password-set"
    again = browser.client.post("/dashboard/password", data=body, follow_redirects=False)
    assert again.status_code == 400 and "expired or was used" in again.text
    assert with_session(api, before, "/dashboard/keys").headers["location"] == "/dashboard/signin"
    assert browser.sign_in(email=EMAIL, password=PASSWORD).status_code == 401
    assert browser.sign_in(email=EMAIL, password=new).status_code == 303


def test_a_password_link_expires(api: Api) -> None:
    person(api.storage, account_id_of(api), EMAIL, Role.OWNER)
    old = datetime.now(UTC) - timedelta(hours=2)
    token = user_service.password_link(api.storage, EMAIL, old)
    browser = Browser(api)
    assert browser.get(f"/dashboard/password?token={token}").status_code == 410
    with pytest.raises(Exception, match="expired or was used"):
        user_service.set_password(api.storage, token, "another good passphrase", datetime.now(UTC))


def test_weak_passwords_duplicate_emails_and_unknown_roles_are_refused(api: Api) -> None:
    account = account_id_of(api)
    now = datetime.now(UTC)
    with pytest.raises(InvalidInput, match="at least 10 characters"):
        user_service.create_user(api.storage, account, EMAIL, Role.ADMIN, now, password="short")
    with pytest.raises(InvalidInput, match="not an e-mail address"):
        user_service.create_user(api.storage, account, "no-at-sign", Role.ADMIN, now)
    person(api.storage, account, EMAIL, Role.ADMIN)
    with pytest.raises(Conflict):
        user_service.create_user(api.storage, account, EMAIL.upper(), Role.ADMIN, now)
    with pytest.raises(Forbidden):
        user_service.create_user(
            api.storage, account, "b@northside.example", Role.OWNER, now, actor=Role.ADMIN
        )


def test_passwords_are_stored_as_argon2id_and_never_logged_or_shown(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    person(api.storage, account_id_of(api), EMAIL, Role.OWNER)
    browser = Browser(api)
    answers = [
        browser.sign_in(email=EMAIL, password="wrong " + PASSWORD),
        browser.sign_in(email=EMAIL, password=PASSWORD),
        browser.get("/dashboard/users"),
    ]
    with api.storage.engine.connect() as conn:
        stored = conn.execute(select(users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$")
    for answer in answers:
        assert PASSWORD not in answer.text and stored not in answer.text
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "signed_in" in logged and "sign_in_failed" in logged
    assert PASSWORD not in logged and stored not in logged and "argon2" not in logged


def test_the_last_owner_keeps_the_role(api: Api) -> None:
    account = account_id_of(api)
    person(api.storage, account, EMAIL, Role.OWNER)
    (owner,) = user_service.list_users(api.storage, account)
    with pytest.raises(Conflict, match="last owner"):
        user_service.change_role(
            api.storage, account, Role.OWNER, owner.id, Role.ANALYST, datetime.now(UTC)
        )


def test_the_cli_creates_a_person_and_prints_reset_links_that_work_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = server_env(url, CALLSCOPE_PUBLIC_URL="https://calls.example")

    def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "callscope", *args]
        return subprocess.run(command, env=env, input=stdin, capture_output=True, text=True)

    assert cli("account", "create", "Acme").returncode == 0
    made = cli(
        "user",
        "create",
        EMAIL,
        "--account",
        "1",
        "--role",
        "admin",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert made.returncode == 0 and PASSWORD not in made.stdout + made.stderr
    twice = cli("user", "create", EMAIL, "--account", "1", "--role", "admin")
    assert twice.returncode == 2 and "already exists" in twice.stderr
    link = cli("user", "reset-password", EMAIL).stdout.strip().splitlines()[-1]
    prefix = "https://calls.example/dashboard/password?token="
    assert link.startswith(prefix)
    storage = Storage.connect(url)
    try:
        token = link.removeprefix(prefix)
        now = datetime.now(UTC)
        user_service.set_password(storage, token, "a fresh passphrase", now)
        with pytest.raises(Unauthorized, match="expired or was used"):
            user_service.set_password(storage, token, "another passphrase", now)
        assert user_service.sign_in(storage, EMAIL, "a fresh passphrase", now).email == EMAIL
    finally:
        storage.close()
    unknown = cli("user", "reset-password", "nobody@acme.example")
    assert unknown.returncode == 2 and "no user with that e-mail" in unknown.stderr
