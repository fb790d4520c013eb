"""The job worker wired to its adapters: `callscope worker`, and the thread `serve` runs.

Each job kind maps to a handler here; the worker process also delivers due webhooks (their
own outbox in the database, with the same lease-and-retry rules)."""

from __future__ import annotations

import signal
import threading
from datetime import UTC, datetime, timedelta
from types import FrameType

from callscope.adapters.audio import probe, silence
from callscope.adapters.recording_fetch import HttpRecordingFetcher
from callscope.adapters.recording_store import RecordingFiles, recordings_dir
from callscope.adapters.transcription.pocketsphinx import PocketSphinxTranscriber
from callscope.domain.jobs import Job
from callscope.domain.recordings import FetchPolicy
from callscope.logs import configure, log_event
from callscope.services import recording_fetch, transcription, webhooks
from callscope.services.jobs import Handler, Worker
from callscope.services.ports import Storage
from callscope.settings import Settings


def job_handlers(settings: Settings, storage: Storage) -> dict[str, Handler]:
    tools = fetch_tools(settings)

    def fetch(job: Job) -> None:
        call_id, url = job.payload["call_id"], job.payload["url"]
        recording_fetch.fetch_recording(storage, tools, call_id, url, datetime.now(UTC))

    transcriber = PocketSphinxTranscriber()

    def transcribe(job: Job) -> None:
        transcription.transcribe_call(
            storage,
            transcriber,
            tools.files,
            job.payload["call_id"],
            datetime.now(UTC),
            settings.qualified_score,
            silence,
        )

    return {recording_fetch.FETCH: fetch, transcription.TRANSCRIBE: transcribe}


def recording_files(settings: Settings) -> RecordingFiles:
    return RecordingFiles(recordings_dir(settings.database_url, settings.recordings_dir))


def fetch_tools(settings: Settings) -> recording_fetch.FetchTools:
    hosts = tuple(h.strip().lower() for h in settings.recording_hosts.split(",") if h.strip())
    policy = FetchPolicy(hosts, allow_private=settings.env == "dev")
    fetcher = HttpRecordingFetcher(
        policy, settings.recording_max_bytes, settings.recording_timeout_seconds
    )
    return recording_fetch.FetchTools(fetcher, recording_files(settings), probe)


def build_worker(settings: Settings, storage: Storage) -> Worker:
    return Worker(
        storage,
        job_handlers(settings, storage),
        lease=timedelta(seconds=settings.job_lease_seconds),
        first_retry=timedelta(seconds=settings.job_retry_seconds),
        max_attempts=settings.job_attempts,
    )


def start_job_thread(settings: Settings, storage: Storage) -> threading.Event:
    """Run jobs on a daemon thread until the returned event is set (the server's worker)."""
    stop = threading.Event()
    worker = build_worker(settings, storage)
    threading.Thread(target=worker.run, args=(stop,), name="jobs", daemon=True).start()
    return stop


def run_worker(settings: Settings) -> int:
    """Run jobs and deliver webhooks until SIGTERM or SIGINT; a job under way is finished."""
    from callscope.adapters.storage import Storage as SqlStorage

    configure(settings.log_level)
    storage = SqlStorage.connect(settings.database_url, settings.auto_migrate)
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        log_event("worker_stopping", signal=signum)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    hooks = threading.Thread(target=_deliver_webhooks, args=(storage, settings, stop), daemon=True)
    hooks.start()
    log_event("worker_started")
    build_worker(settings, storage).run(stop)
    hooks.join(timeout=settings.webhook_interval_seconds + 15)
    storage.close()
    return 0


def _deliver_webhooks(storage: Storage, settings: Settings, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            webhooks.deliver_due(storage, datetime.now(UTC))
        except Exception as exc:  # a bad moment of the database must not end the loop
            log_event("webhook_worker_error", error=type(exc).__name__)
        stop.wait(settings.webhook_interval_seconds)
