"""The rules of people and passwords, without storage: e-mails, password strength, back-off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from callscope.domain.errors import InvalidInput
from callscope.domain.users import Role, check_password, lock_after, normal_email, role_of
from callscope.services.passwords import hash_password, verify_password

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def test_the_lock_starts_at_the_fifth_failure_and_doubles_up_to_fifteen_minutes() -> None:
    locks = [lock_after(n, NOW) for n in range(1, 12)]
    assert locks[:4] == [None] * 4
    waits = [lock - NOW for lock in locks[4:] if lock is not None]
    assert waits == [timedelta(seconds=s) for s in (30, 60, 120, 240, 480, 900, 900)]


def test_emails_are_trimmed_and_lower_cased_and_non_emails_refused() -> None:
    assert normal_email("  Ana@Acme.Example ") == "ana@acme.example"
    for bad in ("", "ana", "ana@", "@acme.example", "a b@acme.example", "a@b@c.example"):
        with pytest.raises(InvalidInput):
            normal_email(bad)


def test_weak_passwords_are_refused_with_the_reason() -> None:
    with pytest.raises(InvalidInput, match="at least 10"):
        check_password("short", "ana@acme.example")
    with pytest.raises(InvalidInput, match="too easy"):
        check_password("aaaaaaaaaaaa", "ana@acme.example")
    with pytest.raises(InvalidInput, match="too easy"):
        check_password("Ana@Acme.Example", "ana@acme.example")
    with pytest.raises(InvalidInput, match="at most 256"):
        check_password("ab1!" * 65, "ana@acme.example")
    check_password("correct horse battery", "ana@acme.example")


def test_roles_say_who_manages() -> None:
    assert [r.manages for r in Role] == [True, True, False]
    assert role_of("analyst") is Role.ANALYST
    with pytest.raises(InvalidInput, match="owner, admin, analyst"):
        role_of("root")


def test_a_password_matches_only_its_own_argon2id_hash() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "correct horse batterY")
    assert not verify_password(None, "correct horse battery")  # the decoy matches nobody
    assert not verify_password("not a hash", "x")
