"""Calls with recordings for tests: a site with a static number, a completed call whose
`record_url` points at the test audio server, and a worker wired like `callscope worker`."""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import soundfile

from callscope.adapters.recording_store import RecordingFiles
from callscope.domain.calls import Call, CallEvent, EventKind
from callscope.domain.channel import Channel
from callscope.domain.jobs import Job, JobStatus
from callscope.domain.sites import NumberKind
from callscope.entrypoints.worker import build_worker
from callscope.services import sites
from callscope.services.accounts import create_account
from callscope.services.calls import record_call_event
from callscope.services.jobs import Worker
from callscope.services.ports import Storage
from callscope.settings import Settings

NUMBER = "+15550100101"
CALLER = "+15550100777"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class RecordedSite:
    account_id: int
    site_id: int
    key: str  # the account's admin API key

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def recorded_site(storage: Storage) -> RecordedSite:
    """A new account's site with one static number."""
    account, key = create_account(storage, "Recorded", T0)
    site = sites.create_site(storage, account.id, sites.SiteDraft("Shop", "+15550100199"), T0)
    draft = sites.NumberDraft(NUMBER, NumberKind.STATIC, Channel("google", "cpc"))
    sites.add_number(storage, account.id, site.id, draft, T0)
    return RecordedSite(account.id, site.id, key)


def completed_call(
    storage: Storage, call_id: str, record_url: str | None, duration: int = 95
) -> Call:
    answered = CallEvent(call_id, EventKind.ANSWERED, T0, NUMBER, CALLER)
    record_call_event(storage, answered, 900, T0)
    done = CallEvent(
        call_id,
        EventKind.COMPLETED,
        T0 + timedelta(seconds=duration),
        NUMBER,
        CALLER,
        duration=duration,
        record_url=record_url,
    )
    return record_call_event(storage, done, 900, T0 + timedelta(seconds=duration))


def recording_settings(recordings: Path, **extra: object) -> Settings:
    return Settings(  # type: ignore[call-arg]
        database_url="sqlite://",
        recordings_dir=str(recordings),
        job_retry_seconds=1,
        job_attempts=3,
        recording_timeout_seconds=5,
        recording_max_bytes=5_000_000,
        _env_file=None,
        **extra,
    )


def worker_for(storage: Storage, settings: Settings) -> Worker:
    return build_worker(settings, storage)


def files_of(settings: Settings) -> RecordingFiles:
    assert settings.recordings_dir is not None
    return RecordingFiles(Path(settings.recordings_dir))


def tone_wav(seconds: float = 1.0, rate: int = 8000, channels: int = 1) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    mono = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    data = np.stack([mono] * channels, axis=1)
    out = io.BytesIO()
    soundfile.write(out, data, rate, format="WAV", subtype="PCM_16")
    return out.getvalue()


def encoded(data: bytes, format: str) -> bytes:
    samples, rate = soundfile.read(io.BytesIO(data), dtype="float32")
    out = io.BytesIO()
    soundfile.write(out, samples, rate, format=format)
    return out.getvalue()


def settle(worker: Worker, storage: Storage, seconds: float = 30) -> dict[str, Job]:
    """Run jobs until none is queued or running (retries included); every job by key."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        worker.run_due()
        with storage.read() as uow:
            found = {job.key: job for job in uow.jobs.recent(limit=500)}
        if all(job.status in (JobStatus.DONE, JobStatus.FAILED) for job in found.values()):
            return found
        time.sleep(0.2)
    raise AssertionError(f"jobs still pending after {seconds} s: {found}")


def job_of(jobs: dict[str, Job], kind: str, call_id: str) -> Job:
    (job,) = [j for j in jobs.values() if j.kind == kind and j.payload["call_id"] == call_id]
    return job
