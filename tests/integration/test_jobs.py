"""The job queue on SQLite and PostgreSQL: once per key, retries with backoff, a final failure
reason, and a job whose worker vanished is taken up again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callscope.adapters.storage import Storage
from callscope.domain.jobs import Job, JobFailed, JobStatus
from callscope.services import jobs
from callscope.services.jobs import Worker

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def queue(storage: Storage, key: str, kind: str = "echo", attempts: int = 3) -> bool:
    with storage.write() as uow:
        added = jobs.enqueue(uow, kind, key, {"key": key}, T0, max_attempts=attempts)
        uow.commit()
    return added


def status(storage: Storage, key: str) -> Job:
    job = jobs.job_status(storage, key)
    assert job is not None
    return job


def test_a_key_is_queued_once_and_its_job_runs_once(storage: Storage) -> None:
    ran: list[str] = []
    assert queue(storage, "echo:1") is True
    assert queue(storage, "echo:1") is False
    worker = Worker(storage, {"echo": lambda job: ran.append(job.payload["key"])}, clock=Clock())

    assert worker.run_due() == 1
    assert worker.run_due() == 0
    assert ran == ["echo:1"]
    done = status(storage, "echo:1")
    assert (done.status, done.attempts, done.last_error) == (JobStatus.DONE, 1, None)
    assert done.finished_at == T0


def test_a_failing_job_is_retried_with_backoff_and_then_fails_with_its_reason(
    storage: Storage,
) -> None:
    clock = Clock()

    def fail(job: Job) -> None:
        raise JobFailed("HTTP 503 from the recording host")

    worker = Worker(storage, {"echo": fail}, first_retry=timedelta(seconds=10), clock=clock)
    queue(storage, "echo:flaky", attempts=3)

    assert worker.run_due() == 1
    first = status(storage, "echo:flaky")
    assert (first.status, first.attempts) == (JobStatus.QUEUED, 1)
    assert first.run_at == T0 + timedelta(seconds=10)
    assert worker.run_due() == 0  # not due before its retry time
    clock.advance(10)
    assert worker.run_due() == 1
    assert status(storage, "echo:flaky").run_at == T0 + timedelta(seconds=30)  # 10 s doubled
    clock.advance(20)
    assert worker.run_due() == 1
    final = status(storage, "echo:flaky")
    assert (final.status, final.attempts) == (JobStatus.FAILED, 3)
    assert final.last_error == "HTTP 503 from the recording host"
    clock.advance(3600)
    assert worker.run_due() == 0


def test_a_permanent_failure_and_an_unexpected_error_do_not_stop_the_worker(
    storage: Storage,
) -> None:
    def handle(job: Job) -> None:
        if job.key == "echo:404":
            raise JobFailed("HTTP 404", permanent=True)
        if job.key == "echo:bug":
            raise ValueError("no such thing")

    worker = Worker(storage, {"echo": handle}, clock=Clock())
    for key in ("echo:404", "echo:bug", "echo:fine"):
        queue(storage, key)

    assert worker.run_due() == 3
    assert status(storage, "echo:404").status is JobStatus.FAILED
    bug = status(storage, "echo:bug")
    assert (bug.status, bug.last_error) == (JobStatus.QUEUED, "ValueError: no such thing")
    assert status(storage, "echo:fine").status is JobStatus.DONE


def test_a_job_whose_worker_vanished_is_run_again_after_its_lease(storage: Storage) -> None:
    clock = Clock()
    ran: list[str] = []
    lease = timedelta(seconds=30)
    gone = Worker(storage, {"echo": ran.append}, lease=lease, clock=clock, name="gone")
    queue(storage, "echo:1")
    with storage.write() as uow:  # what a worker killed mid-job leaves behind: a claim
        claimed = uow.jobs.claim(("echo",), clock(), clock() + lease, gone.name)
        uow.commit()
    assert claimed is not None and claimed.status is JobStatus.RUNNING
    other = Worker(storage, {"echo": lambda job: ran.append(job.key)}, lease=lease, clock=clock)

    assert other.run_due() == 0  # still leased
    clock.advance(31)
    assert other.run_due() == 1
    assert ran == ["echo:1"]
    done = status(storage, "echo:1")
    assert (done.status, done.attempts) == (JobStatus.DONE, 2)
    with storage.write() as uow:  # the vanished worker's late word changes nothing
        assert uow.jobs.finish(claimed.id, "gone", JobStatus.FAILED, T0, "late", T0) is False
        uow.commit()
    assert status(storage, "echo:1").status is JobStatus.DONE


def test_a_job_killed_during_its_last_attempt_fails_with_that_reason(storage: Storage) -> None:
    clock = Clock()
    queue(storage, "echo:1", attempts=1)
    with storage.write() as uow:
        uow.jobs.claim(("echo",), clock(), clock() + timedelta(seconds=5), "killed")
        uow.commit()
    clock.advance(6)
    worker = Worker(storage, {"echo": lambda job: None}, clock=clock)

    assert worker.run_due() == 1
    failed = status(storage, "echo:1")
    assert failed.status is JobStatus.FAILED
    assert failed.last_error == "worker stopped during the last attempt"


def test_two_workers_claim_different_jobs(storage: Storage) -> None:
    queue(storage, "echo:a")
    queue(storage, "echo:b")
    until = T0 + timedelta(minutes=1)
    with storage.write() as uow:
        first = uow.jobs.claim(("echo",), T0, until, "one")
        second = uow.jobs.claim(("echo",), T0, until, "two")
        third = uow.jobs.claim(("echo",), T0, until, "three")
        uow.commit()
    assert first is not None and second is not None
    assert {first.key, second.key} == {"echo:a", "echo:b"}
    assert third is None


def test_a_worker_only_claims_kinds_it_has_handlers_for(storage: Storage) -> None:
    queue(storage, "other:1", kind="other")
    worker = Worker(storage, {"echo": lambda job: None}, clock=Clock())
    assert worker.run_due() == 0
    assert status(storage, "other:1").status is JobStatus.QUEUED


def test_on_postgresql_a_claim_skips_a_job_another_transaction_is_claiming(
    storage: Storage,
) -> None:
    if storage.engine.dialect.name != "postgresql":
        return  # SQLite has one writer: a second claim waits for the first (see jobs.py)
    queue(storage, "echo:a")
    queue(storage, "echo:b")
    until = T0 + timedelta(minutes=1)
    with storage.write() as first, storage.write() as second:
        one = first.jobs.claim(("echo",), T0, until, "one")
        two = second.jobs.claim(("echo",), T0, until, "two")  # does not wait for `first`
        first.commit()
        second.commit()
    assert one is not None and two is not None
    assert {one.key, two.key} == {"echo:a", "echo:b"}
