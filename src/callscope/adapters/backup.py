"""Copies of the whole database to one file and back: SQLite through its online backup API
(safe while the server writes), PostgreSQL through pg_dump / pg_restore in custom format."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from callscope.domain.errors import InvalidInput
from callscope.domain.progress import Progress, unreported

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
PAGES_PER_STEP = 256  # SQLite copies this many pages, then lets writers in again
_PG_TABLE_DONE = re.compile(r"(dumping contents of|processing data for) table ")


def backup(engine: Engine, path: Path, progress: Progress = unreported) -> None:
    """Write a consistent copy of the database behind `engine` to `path`."""
    if engine.dialect.name == "sqlite":
        _sqlite_copy(_sqlite_file(engine), path, progress)
    else:
        tables = _pg_table_count(engine)
        command = ["pg_dump", "--format=custom", "--no-owner", "--verbose", f"--file={path}"]
        _run_pg([*command, f"--dbname={_libpq_url(engine)}"], engine, tables, progress)


def restore(engine: Engine, path: Path, progress: Progress = unreported) -> None:
    """Replace the database behind `engine` with the copy at `path` (stop the servers first)."""
    kind = backup_kind(path)
    if kind != engine.dialect.name:
        raise InvalidInput(f"{path} is a {kind} backup; the database is {engine.dialect.name}")
    if kind == "sqlite":
        engine.dispose()
        _sqlite_copy(path, Path(_sqlite_file(engine)), progress)
        return
    listing = subprocess.run(
        ["pg_restore", "--list", str(path)], capture_output=True, text=True, check=False
    )
    tables = listing.stdout.count(" TABLE DATA ")
    command = ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction"]
    command += ["--verbose", f"--dbname={_libpq_url(engine)}", str(path)]
    _run_pg(command, engine, tables, progress)


def backup_kind(path: Path) -> str:
    """sqlite or postgresql, read from the file's first bytes."""
    try:
        with path.open("rb") as file:
            head = file.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from exc
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    raise InvalidInput(f"{path} is not a callscope backup (neither SQLite nor pg_dump custom)")


def _sqlite_copy(source: Path | str, target: Path, progress: Progress) -> None:
    def step(_status: int, remaining: int, total: int) -> None:
        progress(total - remaining, total)

    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst, pages=PAGES_PER_STEP, progress=step)


def _sqlite_file(engine: Engine) -> str:
    database = engine.url.database
    if not database or database == ":memory:":
        raise InvalidInput("an in-memory SQLite database has nothing to back up")
    return database


def _pg_table_count(engine: Engine) -> int:
    with engine.connect() as conn:
        query = "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
        return int(conn.execute(text(query)).scalar_one())


def _libpq_url(engine: Engine) -> str:
    """The URL libpq tools take, without the password (it goes in the environment, out of `ps`)."""
    url = make_url(engine.url).set(drivername="postgresql", password=None)
    return url.render_as_string(hide_password=False)


def _run_pg(command: list[str], engine: Engine, tables: int, progress: Progress) -> None:
    """Run pg_dump / pg_restore, counting the tables it reports done on stderr."""
    if shutil.which(command[0]) is None:
        raise InvalidInput(f"{command[0]} not found: install postgresql-client")
    env = dict(os.environ)
    if engine.url.password:
        env["PGPASSWORD"] = str(engine.url.password)
    done, errors = 0, []
    with subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env) as process:
        assert process.stderr is not None
        for line in process.stderr:
            if _PG_TABLE_DONE.search(line):
                done += 1
                progress(done, max(tables, done))
            elif "error" in line.lower():
                errors.append(line.strip())
    if process.returncode != 0:
        raise InvalidInput(f"{command[0]} failed: {'; '.join(errors) or process.returncode}")
    progress(max(tables, done), max(tables, done))
