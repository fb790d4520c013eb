"""The tests find PostgreSQL on their own: the setting first, else the default address."""

from __future__ import annotations

from tests.databases import DEFAULT_URL, describe, postgres_url_for_tests

SET = "postgresql+psycopg://me:s3cret@db.internal:5433/mine"


def test_the_setting_wins_without_probing_the_default() -> None:
    probed: list[str] = []
    url = postgres_url_for_tests({"CALLSCOPE_TEST_DATABASE_URL": SET}, probed.append)  # type: ignore[arg-type]
    assert (url, probed) == (SET, [])


def test_postgres_answering_at_the_default_address_is_used_when_nothing_is_set() -> None:
    assert postgres_url_for_tests({}, lambda url: url == DEFAULT_URL) == DEFAULT_URL


def test_no_postgres_anywhere_leaves_sqlite_only() -> None:
    assert postgres_url_for_tests({"CALLSCOPE_TEST_DATABASE_URL": ""}, lambda url: False) is None
    assert describe(None).startswith("databases tested: sqlite only (no PostgreSQL at")


def test_the_summary_names_the_database_without_its_password() -> None:
    line = describe(SET)
    assert (
        line
        == "databases tested: sqlite, postgresql (postgresql+psycopg://me@db.internal:5433/mine)"
    )
