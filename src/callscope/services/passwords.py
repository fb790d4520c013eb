"""Password hashing: argon2id (argon2-cffi's defaults, RFC 9106's second recommendation)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


@cache
def _decoy() -> str:
    return hash_password("callscope decoy password, matches nobody")


def verify_password(stored: str | None, password: str) -> bool:
    """Whether `password` matches the stored hash. With no hash (an unknown e-mail, a person
    who has not set a password) a decoy hash is checked anyway, so the answer takes as long
    and timing does not tell which e-mails exist."""
    try:
        return _hasher().verify(stored or _decoy(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False
