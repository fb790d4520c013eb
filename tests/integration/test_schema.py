"""Alembic migrations build exactly the declared schema, and an old schema is refused clearly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text

from callscope.adapters.database import load_table_modules
from callscope.adapters.schema import (
    SchemaOutOfDate,
    alembic_config,
    current_revision,
    head_revision,
    prepare,
)
from callscope.adapters.storage import Storage
from callscope.adapters.tables import metadata
from tests.conftest import free_port, server_env, start_server, stop_server


def test_migrations_build_exactly_the_declared_tables(storage: Storage) -> None:
    load_table_modules()
    with storage.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []
    assert current_revision(storage.engine) == head_revision(storage.engine)


def old_database(path: Path) -> str:
    url = f"sqlite:///{path}"
    with create_engine(url).begin() as conn:
        conn.execute(text("CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT)"))
    return url


def test_an_unversioned_schema_is_refused_without_auto_migrate(tmp_path: Path) -> None:
    url = old_database(tmp_path / "old.db")
    with pytest.raises(SchemaOutOfDate, match="run `callscope db upgrade`"):
        prepare(create_engine(url), auto_migrate=False)


@pytest.mark.e2e
def test_the_server_refuses_to_start_on_an_old_schema_and_db_upgrade_fixes_it(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    engine = create_engine(url)
    config = alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")  # a database left at the first release's schema
    env = server_env(url, CALLSCOPE_AUTO_MIGRATE="false")
    callscope = [sys.executable, "-m", "callscope"]
    refused = subprocess.run(
        [*callscope, "serve", "--port", "1"], env=env, capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 2
    assert "run `callscope db upgrade`" in refused.stderr
    assert "Traceback" not in refused.stderr
    upgraded = subprocess.run(
        [*callscope, "db", "upgrade"], env=env, capture_output=True, text=True, timeout=60
    )
    assert upgraded.returncode == 0, upgraded.stderr
    assert current_revision(engine) == head_revision(engine)
    process = start_server(env, free_port(), tmp_path / "server.log")
    stop_server(process)
