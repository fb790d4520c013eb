"""People who sign in to the dashboard: their role in an account, the password rules, and the
back-off after failed sign-ins."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from callscope.domain.errors import InvalidInput


class Role(StrEnum):
    """Owners and admins manage everything in their account; analysts only look."""

    OWNER = "owner"
    ADMIN = "admin"
    ANALYST = "analyst"

    @property
    def manages(self) -> bool:
        return self is not Role.ANALYST


ROLES = tuple(r.value for r in Role)
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
EMAIL_MAX = 254
PASSWORD_MIN, PASSWORD_MAX = 10, 256
# Failed sign-ins in a row before the account is locked, and the first and longest lock.
FREE_FAILURES = 5
FIRST_LOCK = timedelta(seconds=30)
LONGEST_LOCK = timedelta(minutes=15)


@dataclass(frozen=True)
class User:
    id: int
    account_id: int
    email: str
    role: Role
    created_at: datetime
    has_password: bool = True


@dataclass(frozen=True)
class Credentials:
    """What checking a sign-in needs: the stored hash and the failure count (never shown)."""

    user: User
    password_hash: str | None
    failures: int
    locked_until: datetime | None


def normal_email(raw: str) -> str:
    """An e-mail address as stored: trimmed and lower-cased; InvalidInput when it is not one."""
    email = (raw or "").strip().lower()
    if len(email) > EMAIL_MAX or not EMAIL.match(email):
        raise InvalidInput("email: not an e-mail address")
    return email


def role_of(raw: str) -> Role:
    try:
        return Role(raw)
    except ValueError:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}") from None


def check_password(password: str, email: str) -> None:
    """InvalidInput with the reason when a new password is too weak to accept."""
    if len(password) < PASSWORD_MIN:
        raise InvalidInput(f"password: at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise InvalidInput(f"password: at most {PASSWORD_MAX} characters")
    if password.strip().lower() == email.lower() or len(set(password)) < 4:
        raise InvalidInput("password: too easy to guess")


def lock_after(failures: int, now: datetime) -> datetime | None:
    """When the `failures`-th failure in a row happens at `now`: until when sign-in is refused
    (30 s after the 5th, doubling with each further failure, at most 15 minutes); None before."""
    if failures < FREE_FAILURES:
        return None
    doubled: timedelta = FIRST_LOCK * 2 ** min(failures - FREE_FAILURES, 10)
    return now + min(doubled, LONGEST_LOCK)


@dataclass(frozen=True)
class DashboardSession:
    """A signed-in browser: a person's (user_id) or an API key's (key_hash); the CSRF token
    every form it posts must carry."""

    account_id: int
    user_id: int | None
    key_hash: str | None
    csrf_token: str
    expires_at: datetime
    revoked_at: datetime | None = None

    def live(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at
