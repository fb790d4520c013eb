"""`callscope worker` as a real process: it runs jobs queued in the database and stops cleanly
on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from callscope.adapters.storage import Storage
from callscope.services import jobs
from tests.conftest import server_env

pytestmark = pytest.mark.e2e


def test_the_worker_stops_on_sigterm_and_jobs_list_shows_queued_jobs(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'worker.db'}"
    storage = Storage.connect(url)
    with storage.write() as uow:
        jobs.enqueue(uow, "unknown-kind", "unknown:1", {}, datetime.now(UTC))
        uow.commit()
    env = server_env(url, CALLSCOPE_LOG_LEVEL="INFO")
    worker = subprocess.Popen(
        [sys.executable, "-m", "callscope", "worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert wait_for_line(worker, "worker_started")
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == 0
    finally:
        worker.kill()
        worker.wait()
        assert worker.stdout is not None
        worker.stdout.close()
    listing = subprocess.run(
        [sys.executable, "-m", "callscope", "jobs", "list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    # A kind no handler knows stays queued (a newer worker may know it), never failed.
    assert listing.stdout.split("\t")[1:4] == ["unknown-kind", "unknown:1", "queued"]
    storage.close()


def wait_for_line(process: subprocess.Popen[str], text: str) -> bool:
    """Read the process's output until a line holds `text`; False when it ends first."""
    assert process.stdout is not None
    return any(text in line for line in process.stdout)
