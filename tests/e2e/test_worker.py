"""`callscope worker` as a real process: it runs jobs queued in the database and stops cleanly
on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from callscope.adapters.storage import Storage
from callscope.domain.jobs import Job, JobStatus
from callscope.services import jobs
from callscope.services.recording_fetch import FETCH
from tests.audio_server import audio_server
from tests.conftest import server_env
from tests.recording_calls import completed_call, recorded_site, tone_wav

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


def test_a_worker_killed_mid_fetch_loses_nothing(storage: Storage, tmp_path: Path) -> None:
    """SIGKILL while a recording is half downloaded: a second worker takes the job up once the
    lease has run out, and the recording ends up stored, on SQLite and PostgreSQL."""
    url = storage.engine.url.render_as_string(hide_password=False)
    recorded_site(storage)
    body = tone_wav(2.0)
    env = server_env(
        url,
        CALLSCOPE_LOG_LEVEL="INFO",
        CALLSCOPE_JOB_LEASE_SECONDS="2",
        CALLSCOPE_RECORDINGS_DIR=str(tmp_path / "rec"),
    )
    with audio_server() as platform:
        platform.serve("/stalled-body.wav", body)
        completed_call(storage, "CA-kill", platform.url + "/stall.wav")
        first = start_worker(env)
        try:
            deadline = time.monotonic() + 20
            while not platform.requests and time.monotonic() < deadline:
                time.sleep(0.05)
            assert platform.requests, "the worker never asked for the recording"
            held = fetch_job(storage)
            assert (held.status, held.attempts) == (JobStatus.RUNNING, 1)
            first.kill()  # SIGKILL: no clean-up of any kind
            assert first.wait(timeout=10) == -signal.SIGKILL
        finally:
            stop(first)
        platform.release.set()  # the platform answers in full from now on
        second = start_worker(env)
        try:
            done = wait_for_job(storage, JobStatus.DONE, seconds=30)
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=20) == 0
            stop(second)
    assert done.attempts == 2
    assert [path for path, _ in platform.requests] == ["/stall.wav", "/stall.wav"]
    with storage.read() as uow:
        recording = uow.recordings.get("CA-kill")
    assert recording is not None
    assert (tmp_path / "rec" / recording.path).read_bytes() == body


def start_worker(env: dict[str, str]) -> subprocess.Popen[str]:
    worker = subprocess.Popen(
        [sys.executable, "-m", "callscope", "worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert wait_for_line(worker, "worker_started")
    return worker


def stop(worker: subprocess.Popen[str]) -> None:
    worker.kill()
    worker.wait()
    assert worker.stdout is not None
    worker.stdout.close()


def fetch_job(storage: Storage) -> Job:
    with storage.read() as uow:
        (job,) = [j for j in uow.jobs.recent() if j.kind == FETCH]
    return job


def wait_for_job(storage: Storage, status: JobStatus, seconds: float) -> Job:
    deadline = time.monotonic() + seconds
    while (job := fetch_job(storage)).status is not status and time.monotonic() < deadline:
        time.sleep(0.2)
    assert job.status is status, job
    return job
