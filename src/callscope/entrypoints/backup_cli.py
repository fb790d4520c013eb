"""CLI commands `backup PATH` and `restore PATH`: the whole database to one file and back."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from callscope.entrypoints.progress import progress_bar
from callscope.settings import Settings

RESTORE_WARNING = (
    "restored. Erasures (DELETE /v1/callers/...) and purges made after this backup was taken "
    "are undone: apply them again (see README, Backups)."
)


def add_backup(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = commands.add_parser(
        "backup",
        help="copy the whole database to one file (safe while the server runs)",
        description="SQLite: the online backup API, a SQLite file. PostgreSQL: pg_dump's "
        "custom format (needs postgresql-client of the server's major version).",
    )
    backup.add_argument("path", type=Path, help="the file to write")
    backup.set_defaults(run=_backup)


def add_restore(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    restore = commands.add_parser(
        "restore",
        help="replace the database with a backup file (stop the servers first)",
        description="Replaces every table with the backup's content. Erasures and purges done "
        "after the backup was taken must be applied again.",
    )
    restore.add_argument("path", type=Path, help="a file written by `callscope backup`")
    restore.set_defaults(run=_restore)


def _backup(args: argparse.Namespace, settings: Settings) -> int:
    from callscope.adapters import backup
    from callscope.adapters.database import make_engine

    engine = make_engine(settings.database_url)
    with progress_bar("backup") as report:
        backup.backup(engine, args.path, report)
    engine.dispose()
    print(f"backup written to {args.path} ({args.path.stat().st_size} bytes)")
    return 0


def _restore(args: argparse.Namespace, settings: Settings) -> int:
    from callscope.adapters import backup
    from callscope.adapters.database import make_engine
    from callscope.adapters.schema import current_revision

    engine = make_engine(settings.database_url)
    with progress_bar("restore") as report:
        backup.restore(engine, args.path, report)
    print(f"schema at revision {current_revision(engine)}; the server migrates it if older")
    print(f"callscope: {RESTORE_WARNING}", file=sys.stderr)
    engine.dispose()
    return 0
