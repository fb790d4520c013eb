"""Alembic migrations build exactly the declared schema, and an old schema is refused clearly."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from callscope.adapters.database import make_engine
from callscope.adapters.schema import (
    SchemaOutOfDate,
    alembic_config,
    current_revision,
    head_revision,
    prepare,
)
from callscope.adapters.storage import Storage
from callscope.adapters.tables import metadata
from callscope.adapters.tables.recordings import SEARCH_INDEX, undeclared
from callscope.services.visits import VisitRequest, start_visit
from tests.conftest import (
    PG_URL,
    free_port,
    need_postgres,
    reset_postgres,
    server_env,
    start_server,
    stop_server,
)


def test_migrations_build_exactly_the_declared_tables(storage: Storage) -> None:
    with storage.engine.connect() as conn:
        # The SQLite search index (FTS5) is made by a migration but declared nowhere else.
        skip = {"include_name": lambda name, kind, _: not (kind == "table" and undeclared(name))}
        context = MigrationContext.configure(conn, opts=skip)
        differences = compare_metadata(context, metadata)
    assert differences == []
    assert current_revision(storage.engine) == head_revision(storage.engine)


OLD_HEADS = ("0002_pool", "0002_reporting", "0002_rollups", "0002_twilio", "0005_uncounted_visits")


def test_the_migration_history_is_one_line_after_the_merge(storage: Storage) -> None:
    script = ScriptDirectory.from_config(alembic_config(storage.engine))
    assert script.get_heads() == [head_revision(storage.engine)]
    revision = script.get_revision(head_revision(storage.engine))
    while revision.revision != "0006_linear":  # each later migration follows exactly one
        assert isinstance(revision.down_revision, str), revision.revision
        revision = script.get_revision(revision.down_revision)
    assert current_revision(storage.engine) == head_revision(storage.engine)


def test_a_database_at_the_old_five_heads_upgrades_without_loss(storage: Storage) -> None:
    """Databases created before the history was joined stood at five heads: they must upgrade
    in place, keeping their rows."""
    reset = storage.engine.dialect.name == "postgresql"
    if reset:
        assert PG_URL is not None
        reset_postgres(PG_URL)
    else:
        with storage.engine.begin() as conn:
            for table in reversed(metadata.sorted_tables):
                conn.execute(text(f"DROP TABLE IF EXISTS {table.name}"))
            conn.execute(text(f"DROP TABLE IF EXISTS {SEARCH_INDEX}"))
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    config = alembic_config(storage.engine)
    with storage.engine.begin() as conn:
        config.attributes["connection"] = conn
        for head in OLD_HEADS:
            command.upgrade(config, head)
        conn.execute(
            text("INSERT INTO accounts (name, created_at) VALUES ('old', :at)"),
            {"at": datetime(2026, 11, 1)},
        )
    assert current_revision(storage.engine) == ",".join(sorted(OLD_HEADS))
    prepare(storage.engine, auto_migrate=True)
    assert current_revision(storage.engine) == head_revision(storage.engine)
    with storage.engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM accounts")).scalars().all() == ["old"]


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


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.db'}"
    url = need_postgres()
    reset_postgres(url)
    return url


def test_numbers_never_held_before_the_pool_index_migration_are_offered_first(
    empty_database: str,
) -> None:
    engine = make_engine(empty_database)
    config = alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0003_visit_client")  # never-held numbers: held_until NULL
        created = {"t": datetime(2026, 1, 1)}
        account = "INSERT INTO accounts (id, name, created_at) VALUES (1, 'acme', :t)"
        conn.execute(text(account), created)
        conn.execute(
            text(
                "INSERT INTO sites (id, account_id, name, site_key, forward_to, allowed_origins,"
                " replace_numbers, timezone, created_at)"
                " VALUES (1, 1, 'acme', 'sk_old', '+15550100199', '[]', '[]', 'UTC', :t)"
            ),
            created,
        )
        for number_id, held_until in ((1, datetime(2026, 1, 1, 9)), (2, None)):
            conn.execute(
                text(
                    "INSERT INTO tracking_numbers (id, site_id, number, kind, held_until,"
                    " created_at) VALUES (:id, 1, :number, 'pool', :held, :t)"
                ),
                {
                    "id": number_id,
                    "number": f"+1555010020{number_id}",
                    "held": held_until,
                    "t": datetime(2026, 1, 1),
                },
            )
    engine.dispose()
    storage = Storage.connect(empty_database)
    now = datetime(2026, 1, 1, 10, tzinfo=UTC)
    first = start_visit(storage, VisitRequest("sk_old", "https://a/"), 60, now)
    second = start_visit(storage, VisitRequest("sk_old", "https://a/"), 60, now)
    storage.close()
    assert (first.number, second.number) == ("+15550100202", "+15550100201")


def test_a_pooled_connection_killed_while_idle_is_replaced_without_an_error() -> None:
    url = need_postgres()
    engine = make_engine(url)
    with engine.connect() as conn:
        victim = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    admin = make_engine(url)
    with admin.connect() as conn:  # the database restarts, say
        conn.exec_driver_sql(f"SELECT pg_terminate_backend({victim})")
    admin.dispose()
    with (
        mock.patch("callscope.adapters.database.PING_AFTER_IDLE", 0.0),
        engine.connect() as conn,
    ):
        assert conn.exec_driver_sql("SELECT 1").scalar() == 1
        assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() != victim
    engine.dispose()
