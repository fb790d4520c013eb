"""People in an account: creating them, their roles, signing in with an e-mail and a password
(with a back-off after failures), and single-use links that set or reset a password."""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import datetime, timedelta

from callscope.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from callscope.domain.users import (
    Role,
    User,
    check_password,
    lock_after,
    normal_email,
)
from callscope.logs import log_event
from callscope.services.passwords import hash_password, verify_password
from callscope.services.ports import Storage

RESET_LIFETIME = timedelta(hours=1)
WELCOME_LIFETIME = timedelta(days=7)
WRONG = "Wrong e-mail or password."


class Locked(Unauthorized):
    """Too many failed sign-ins in a row: refused, even with the right password, for a while."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    storage: Storage,
    account_id: int,
    email: str,
    role: Role,
    now: datetime,
    password: str | None = None,
    actor: Role | None = None,
) -> User:
    """A new person in the account; without a password they set one from a link. `actor` is
    the role of whoever asks (None: the server's operator, at the command line); only an owner
    makes owners."""
    if role is Role.OWNER and actor not in (None, Role.OWNER):
        raise Forbidden("only an owner can make or change an owner")
    email = normal_email(email)
    if password is not None:
        check_password(password, email)
    hashed = hash_password(password) if password is not None else None
    with storage.write() as uow:
        if uow.accounts.get(account_id) is None:
            raise NotFound(f"no account {account_id}")
        if uow.users.credentials(email) is not None:
            raise Conflict("a user with that e-mail already exists")
        user = uow.users.add(account_id, email, role, hashed, now)
        uow.commit()
    log_event("user_created", user_id=user.id, account_id=account_id, role=role.value)
    return user


def list_users(storage: Storage, account_id: int) -> list[User]:
    with storage.read() as uow:
        return uow.users.for_account(account_id)


def change_role(
    storage: Storage, account_id: int, actor_role: Role, user_id: int, role: Role, now: datetime
) -> User:
    """Give a person of the account another role. Only an owner makes or unmakes owners, and
    the account keeps at least one owner."""
    with storage.write() as uow:
        user = uow.users.get(user_id)
        if user is None or user.account_id != account_id:
            raise NotFound(f"no user {user_id}")
        if Role.OWNER in (user.role, role) and actor_role is not Role.OWNER:
            raise Forbidden("only an owner can make or change an owner")
        owners = [u for u in uow.users.for_account(account_id) if u.role is Role.OWNER]
        if user.role is Role.OWNER and role is not Role.OWNER and len(owners) == 1:
            raise Conflict("that is the account's last owner; make another owner first")
        uow.users.set_role(user.id, role)
        if role is not user.role:
            uow.users.revoke_sessions_of(user.id, now)  # signs in again with the new role
        uow.commit()
    return User(user.id, user.account_id, user.email, role, user.created_at, user.has_password)


def sign_in(storage: Storage, email: str, password: str, now: datetime) -> User:
    """The person these credentials belong to; Unauthorized (the same message whether the
    e-mail or the password is wrong) or Locked after too many failures in a row."""
    try:
        email = normal_email(email)
    except InvalidInput:
        email = ""  # not an address: checked like an unknown one (same answer, same time)
    with storage.read() as uow:
        found = uow.users.credentials(email) if email else None
    if found is not None and found.locked_until is not None and now < found.locked_until:
        verify_password(None, password)  # the same time as any other answer
        wait = max(1, math.ceil((found.locked_until - now).total_seconds()))
        log_event("sign_in_locked", user_id=found.user.id)
        raise Locked(f"Too many failed sign-ins. Try again in {wait} seconds.")
    matched = verify_password(found.password_hash if found else None, password)
    if found is None:
        log_event("sign_in_failed", user_id=None)
        raise Unauthorized(WRONG)
    with storage.write() as uow:
        current = uow.users.credentials(email)  # read again under the write lock
        failures = current.failures if current else found.failures
        if matched:
            uow.users.note_success(found.user.id)
        else:
            uow.users.note_failure(found.user.id, failures + 1, lock_after(failures + 1, now))
        uow.commit()
    if not matched:
        log_event("sign_in_failed", user_id=found.user.id, failures=failures + 1)
        raise Unauthorized(WRONG)
    log_event("signed_in", user_id=found.user.id)
    return found.user


def password_link(
    storage: Storage, email: str, now: datetime, lifetime: timedelta = RESET_LIFETIME
) -> str:
    """A new single-use token that sets the person's password until `now + lifetime`."""
    token = secrets.token_urlsafe(32)
    with storage.write() as uow:
        found = uow.users.credentials(normal_email(email))
        if found is None:
            raise NotFound("no user with that e-mail")
        uow.users.add_reset(token_hash(token), found.user.id, now, now + lifetime)
        uow.commit()
    log_event("password_link_made", user_id=found.user.id)
    return token


def link_is_live(storage: Storage, token: str, now: datetime) -> bool:
    with storage.read() as uow:
        return uow.users.reset_is_live(token_hash(token), now)


def set_password(storage: Storage, token: str, password: str, now: datetime) -> User:
    """Use a password link once: set the password and end every session the person had."""
    with storage.write() as uow:
        user_id = uow.users.take_reset(token_hash(token), now)
        user = uow.users.get(user_id) if user_id is not None else None
        if user is None:
            raise Unauthorized("This link has expired or was used already. Ask for a new one.")
        check_password(password, user.email)
        uow.users.set_password(user.id, hash_password(password))
        uow.users.revoke_sessions_of(user.id, now)
        uow.commit()
    log_event("password_set", user_id=user.id)
    return user
