"""Every setting has help text and a README entry; production refuses an open telephony API."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from callscope.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_documented(name: str) -> None:
    assert Settings.model_fields[name].description, f"{name} has no help text"
    assert f"CALLSCOPE_{name.upper()}" in README.read_text(), f"{name} missing from README"


def test_production_without_a_telephony_secret_is_refused() -> None:
    with pytest.raises(ValidationError, match="CALLSCOPE_TELEPHONY_SECRET"):
        Settings(env="production", _env_file=None)  # type: ignore[call-arg]


def test_a_replica_is_refused_for_sqlite() -> None:
    with pytest.raises(ValidationError, match="CALLSCOPE_DATABASE_REPLICA_URL needs PostgreSQL"):
        Settings(  # type: ignore[call-arg]
            database_replica_url="postgresql+psycopg://replica/db", _env_file=None
        )
