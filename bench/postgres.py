"""The benchmarks' PostgreSQL database: created when missing, emptied before each run."""

from __future__ import annotations

from sqlalchemy.engine import make_url

from callscope.adapters.database import make_engine

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/callscope_bench"


def fresh_database(url: str) -> None:
    """Make the database at `url` exist and hold nothing: drops everything in its public schema."""
    target = make_url(url)
    server = make_engine(target.set(database="postgres").render_as_string(hide_password=False))
    with server.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        exists = conn.exec_driver_sql(
            "SELECT 1 FROM pg_database WHERE datname = %(name)s", {"name": target.database}
        ).first()
        if exists is None:
            conn.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    server.dispose()
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    engine.dispose()
