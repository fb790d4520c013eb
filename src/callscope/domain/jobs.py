"""Background jobs: a unit of work a worker does later, retried with backoff until it succeeds
or runs out of attempts; its status and last failure reason stay visible."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class JobStatus(StrEnum):
    QUEUED = "queued"  # waiting for its run time (a retry waits here too)
    RUNNING = "running"  # held by a worker until its lease ends
    DONE = "done"
    FAILED = "failed"  # out of attempts, or failed for good


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    key: str  # what makes it unique: the same key is never queued twice
    payload: dict[str, Any]
    status: JobStatus
    attempts: int  # runs started, including one a killed worker never finished
    max_attempts: int
    run_at: datetime
    created_at: datetime
    last_error: str | None = None
    lease_until: datetime | None = None
    finished_at: datetime | None = None


class JobFailed(Exception):
    """A handler's failure with a reason meant for people; `permanent` skips the retries (a
    404 stays a 404)."""

    def __init__(self, reason: str, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


FIRST_RETRY = timedelta(seconds=10)
MAX_RETRY = timedelta(hours=1)


def retry_delay(attempts: int, first: timedelta = FIRST_RETRY) -> timedelta:
    """`first` (10 s) after the first failure, doubling, at most an hour apart."""
    return min(first * (1 << min(attempts - 1, 20)), MAX_RETRY)
