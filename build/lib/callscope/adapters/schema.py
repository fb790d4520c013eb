"""The database schema's version: migrate with Alembic, or refuse to run on an old schema."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from callscope.adapters.tables import metadata
from callscope.domain.errors import DomainError

LOCK_ID = 0x63616C6C  # "call": one migrator at a time across PostgreSQL app servers


class SchemaOutOfDate(DomainError):
    """The database is older than this code; `callscope db upgrade` brings it up to date."""


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", "callscope.adapters:migrations")
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def head_revision(engine: Engine) -> str:
    """The newest revision: the history is one line (see migrations/README.md)."""
    heads = ScriptDirectory.from_config(alembic_config(engine)).get_heads()
    return ",".join(sorted(heads))


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    return ",".join(sorted(heads)) if heads else None


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision (a no-op when it is there already)."""
    config = alembic_config(engine)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": LOCK_ID})
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def prepare(engine: Engine, auto_migrate: bool) -> None:
    """An empty database is created; an old one is migrated when `auto_migrate`, else refused."""
    current, head = current_revision(engine), head_revision(engine)
    if current != head:
        empty = current is None and not inspect(engine).get_table_names()
        if not (empty or auto_migrate):
            raise _out_of_date(current, head)
        upgrade(engine)
    _check_declared_tables(engine)


def _check_declared_tables(engine: Engine) -> None:
    """A table declared in code but made by no migration is a developer's mistake: say so."""
    missing = sorted(set(metadata.tables) - set(inspect(engine).get_table_names()))
    if missing:
        raise RuntimeError(
            f"tables {', '.join(missing)} are declared but no migration creates them: see "
            "src/callscope/adapters/migrations/README.md to add one"
        )


def _out_of_date(current: str | None, head: str) -> SchemaOutOfDate:
    return SchemaOutOfDate(
        f"the database schema is at revision {current or 'none'}, this callscope needs {head}: "
        "run `callscope db upgrade` (back up first), or set CALLSCOPE_AUTO_MIGRATE=true"
    )
