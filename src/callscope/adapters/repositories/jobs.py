"""The job queue: enqueue once per key, claim the next due job under a lease, finish it.

On PostgreSQL a claim locks its row with FOR UPDATE SKIP LOCKED, so concurrent workers each
take a different job without waiting; on SQLite the write unit of work already holds the one
writer's lock (SQLAlchemy renders no FOR UPDATE there)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, delete, select, update
from sqlalchemy.engine import Connection

from callscope.adapters.repositories._insert import insert_if_absent
from callscope.adapters.tables.jobs import jobs
from callscope.domain.jobs import Job, JobStatus

CLAIMABLE = (JobStatus.QUEUED.value, JobStatus.RUNNING.value)


class JobRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def enqueue(
        self,
        kind: str,
        key: str,
        payload: dict[str, Any],
        now: datetime,
        max_attempts: int,
        run_at: datetime | None = None,
    ) -> bool:
        """Queue a job; False when a job with this key exists already (whatever its state)."""
        values = {
            "kind": kind,
            "key": key,
            "payload": payload,
            "status": JobStatus.QUEUED.value,
            "attempts": 0,
            "max_attempts": max_attempts,
            "run_at": run_at or now,
            "created_at": now,
        }
        return insert_if_absent(self._conn, jobs, values)

    def claim(
        self, kinds: tuple[str, ...], now: datetime, lease_until: datetime, worker: str
    ) -> Job | None:
        """Take the next due job (queued and due, or running with its lease run out) for
        `worker` until `lease_until`; None when nothing is due."""
        query = (
            select(jobs)
            .where(jobs.c.status.in_(CLAIMABLE), jobs.c.run_at <= now, jobs.c.kind.in_(kinds))
            .order_by(jobs.c.run_at, jobs.c.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        row = self._conn.execute(query).first()
        if row is None:
            return None
        values = {
            "status": JobStatus.RUNNING.value,
            "attempts": row.attempts + 1,
            "run_at": lease_until,
            "worker": worker,
        }
        self._conn.execute(update(jobs).where(jobs.c.id == row.id).values(values))
        return _job({**row._mapping, **values})

    def extend(self, job_id: int, worker: str, lease_until: datetime) -> bool:
        """Push the lease of a job this worker still holds; False when it lost it."""
        return self._held(job_id, worker, {"run_at": lease_until})

    def finish(
        self,
        job_id: int,
        worker: str,
        status: JobStatus,
        run_at: datetime,
        error: str | None,
        now: datetime,
    ) -> bool:
        """Record a run's outcome; False (nothing written) when the lease had passed to another."""
        done = status in (JobStatus.DONE, JobStatus.FAILED)
        values = {"status": status.value, "run_at": run_at, "last_error": error}
        return self._held(job_id, worker, {**values, "finished_at": now if done else None})

    def get(self, job_id: int) -> Job | None:
        row = self._conn.execute(select(jobs).where(jobs.c.id == job_id)).mappings().first()
        return _job(row) if row else None

    def by_key(self, key: str) -> Job | None:
        row = self._conn.execute(select(jobs).where(jobs.c.key == key)).mappings().first()
        return _job(row) if row else None

    def recent(self, status: JobStatus | None = None, limit: int = 50) -> list[Job]:
        query = select(jobs).order_by(jobs.c.id.desc()).limit(limit)
        if status is not None:
            query = query.where(jobs.c.status == status.value)
        return [_job(r) for r in self._conn.execute(query).mappings()]

    def delete_keys(self, keys: list[str]) -> int:
        return int(self._conn.execute(delete(jobs).where(jobs.c.key.in_(keys))).rowcount)

    def _held(self, job_id: int, worker: str, values: dict[str, Any]) -> bool:
        held = (
            jobs.c.id == job_id,
            jobs.c.worker == worker,
            jobs.c.status == JobStatus.RUNNING.value,
        )
        return self._conn.execute(update(jobs).where(*held).values(values)).rowcount == 1


def _job(r: RowMapping | Mapping[str, Any]) -> Job:
    running = r["status"] == JobStatus.RUNNING.value
    return Job(
        id=int(r["id"]),
        kind=r["kind"],
        key=r["key"],
        payload=dict(r["payload"]),
        status=JobStatus(r["status"]),
        attempts=int(r["attempts"]),
        max_attempts=int(r["max_attempts"]),
        run_at=r["run_at"],
        created_at=r["created_at"],
        last_error=r["last_error"],
        lease_until=r["run_at"] if running else None,
        finished_at=r["finished_at"],
    )
