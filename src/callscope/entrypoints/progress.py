"""Progress of long CLI work: a bar with an estimate on a terminal, nothing when piped."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from callscope.domain.progress import Progress as Report
from callscope.domain.progress import unreported


@contextmanager
def progress_bar(description: str, stream: TextIO | None = None) -> Iterator[Report]:
    """A report function drawing on `stream` (stderr: stdout may carry a result) while it is
    a terminal; piped or redirected, the same function does nothing, so logs stay clean."""
    out = stream or sys.stderr
    if not out.isatty():
        yield unreported
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(file=out), refresh_per_second=5) as bar:
        task = bar.add_task(description, total=None)

        def report(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        yield report
