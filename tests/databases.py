"""Which PostgreSQL the tests use: `CALLSCOPE_TEST_DATABASE_URL`, else the one answering at the
default address (so `make test` on a machine with PostgreSQL tests it without any setting)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

import pytest

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CONNECT_TIMEOUT = 2  # seconds: a machine without PostgreSQL must not slow the start down


def answers(url: str) -> bool:
    """PostgreSQL answers at `url`; its database is created when the server has none yet."""
    import psycopg

    plain = url.replace("+psycopg", "", 1)
    try:
        psycopg.connect(plain, connect_timeout=CONNECT_TIMEOUT).close()
        return True
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            return False
    server, _, name = plain.rpartition("/")
    try:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error:
        return False
    return True


def postgres_url_for_tests(
    environ: Mapping[str, str], probe: Callable[[str], bool] = answers
) -> str | None:
    """The PostgreSQL the tests use, or None when none is set and none answers by default."""
    configured = environ.get("CALLSCOPE_TEST_DATABASE_URL")
    if configured:
        return configured
    return DEFAULT_URL if probe(DEFAULT_URL) else None


def describe(url: str | None) -> str:
    """One line for the pytest header and summary: which databases the run tests."""
    if url is None:
        return (
            "databases tested: sqlite only (no PostgreSQL at "
            f"{DEFAULT_URL} and CALLSCOPE_TEST_DATABASE_URL unset: its cases skip)"
        )
    return f"databases tested: sqlite, postgresql ({_without_password(url)})"


def _without_password(url: str) -> str:
    scheme, _, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not at:
        return url
    return f"{scheme}://{credentials.split(':')[0]}@{host}"


PG_URL = postgres_url_for_tests(os.environ)
IN_CI = os.environ.get("CI") == "true"


def need_postgres() -> str:
    """The PostgreSQL URL; skips the test (fails it under CI=true) when none is reachable."""
    if PG_URL is None:
        reason = f"no PostgreSQL at {DEFAULT_URL} and CALLSCOPE_TEST_DATABASE_URL is not set"
        if IN_CI:
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    return PG_URL
