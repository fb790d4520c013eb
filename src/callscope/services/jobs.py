"""Running background jobs: queue one inside a unit of work, and a worker that claims due jobs
under a lease, keeps the lease alive while a handler runs, and records each outcome.

A worker killed mid-job stops renewing its lease; once the lease runs out the job is claimable
again and its attempt counts. Handlers must therefore be idempotent (at-least-once)."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from callscope.domain.errors import StorageError
from callscope.domain.jobs import FIRST_RETRY, Job, JobFailed, JobStatus, retry_delay
from callscope.logs import log_event
from callscope.services.ports import Storage, UnitOfWork

Handler = Callable[[Job], None]
Clock = Callable[[], datetime]
DEFAULT_ATTEMPTS = 4


def enqueue(
    uow: UnitOfWork,
    kind: str,
    key: str,
    payload: dict[str, Any],
    now: datetime,
    max_attempts: int = DEFAULT_ATTEMPTS,
) -> bool:
    """Queue a job in the caller's unit of work; False when its key was queued before."""
    return uow.jobs.enqueue(kind, key, payload, now, max_attempts)


def job_status(storage: Storage, key: str) -> Job | None:
    with storage.read() as uow:
        return uow.jobs.by_key(key)


def utc_now() -> datetime:
    return datetime.now(UTC)


def worker_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{threading.get_ident() % 10000}"


@dataclass
class Worker:
    """Claims and runs due jobs of the kinds it has handlers for."""

    storage: Storage
    handlers: Mapping[str, Handler]
    lease: timedelta = timedelta(seconds=60)
    first_retry: timedelta = FIRST_RETRY
    clock: Clock = utc_now
    name: str = field(default_factory=worker_name)
    max_attempts: int | None = None  # set: overrides what each job was queued with

    def run_due(self, limit: int = 100) -> int:
        """Run due jobs one after another until none is due (or `limit`); returns how many."""
        ran = 0
        while ran < limit and self.run_one() is not None:
            ran += 1
        return ran

    def run(self, stop: threading.Event, idle_seconds: float = 1.0) -> None:
        """Run jobs until `stop` is set, looking again every `idle_seconds` when idle."""
        while not stop.is_set():
            try:
                ran = self.run_one()
            except StorageError as exc:  # the database is away for a moment: try again
                log_event("job_worker_error", error=type(exc).__name__)
                ran = None
            if ran is None:
                stop.wait(idle_seconds)

    def run_one(self) -> Job | None:
        """Claim one due job and run it; None when nothing was due."""
        job = self._claim()
        if job is None:
            return None
        if job.attempts > self._limit(job):
            # Its last attempt's worker never came back (killed, or the machine stopped).
            return self._finish(job, JobFailed("worker stopped during the last attempt", True))
        with _Heartbeat(self, job):
            try:
                self.handlers[job.kind](job)
            except JobFailed as exc:
                return self._finish(job, exc)
            except Exception as exc:  # an unforeseen fault is a failed attempt, not a dead worker
                return self._finish(job, JobFailed(f"{type(exc).__name__}: {exc}"[:500]))
        return self._finish(job, None)

    def _claim(self) -> Job | None:
        now = self.clock()
        with self.storage.write() as uow:
            job = uow.jobs.claim(tuple(self.handlers), now, now + self.lease, self.name)
            uow.commit()
        return job

    def _finish(self, job: Job, failure: JobFailed | None) -> Job:
        now = self.clock()
        status, run_at = _outcome(job, failure, now, self.first_retry, self._limit(job))
        reason = failure.reason if failure else None
        with self.storage.write() as uow:
            uow.jobs.finish(job.id, self.name, status, run_at, reason, now)
            uow.commit()
        log_event(
            "job",
            kind=job.kind,
            key=job.key,
            attempts=job.attempts,
            status=status.value,
            error=reason,
        )
        return job

    def _limit(self, job: Job) -> int:
        return self.max_attempts or job.max_attempts

    def extend(self, job: Job) -> bool:
        with self.storage.write() as uow:
            held = uow.jobs.extend(job.id, self.name, self.clock() + self.lease)
            uow.commit()
        return held


def _outcome(
    job: Job, failure: JobFailed | None, now: datetime, first_retry: timedelta, limit: int
) -> tuple[JobStatus, datetime]:
    if failure is None:
        return JobStatus.DONE, now
    if failure.permanent or job.attempts >= limit:
        return JobStatus.FAILED, now
    return JobStatus.QUEUED, now + retry_delay(job.attempts, first_retry)


class _Heartbeat:
    """Renews a job's lease every third of it while its handler runs."""

    def __init__(self, worker: Worker, job: Job) -> None:
        self._worker, self._job = worker, job
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True)

    def __enter__(self) -> None:
        self._thread.start()

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        interval = self._worker.lease.total_seconds() / 3
        while not self._stop.wait(interval):
            try:
                self._worker.extend(self._job)
            except StorageError as exc:
                log_event("job_heartbeat_error", error=type(exc).__name__)
