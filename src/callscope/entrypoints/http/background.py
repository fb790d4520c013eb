"""What the server does besides answering requests: deliver due webhooks, apply call events
stored under load, count stored visits and calls into the report rollups, run background jobs
(unless turned off), each on a thread again and again, and hear of routing changes made by any
process, until shutdown."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime

from fastapi import FastAPI

from callscope.adapters.route_changes import RouteChanges
from callscope.adapters.storage import Storage
from callscope.entrypoints.worker import start_job_thread
from callscope.logs import log_event
from callscope.services import calls, rollups, webhooks

COUNT_INTERVAL = 1.0  # seconds between two counts of new visits (and of new calls)
# Call events stored under load are applied this often, at most a batch at a time, so a burst
# is worked off steadily while the server keeps answering.
APPLY_INTERVAL = 0.2
APPLY_BATCH = 50


@asynccontextmanager
async def background_work(app: FastAPI) -> AsyncIterator[None]:
    storage: Storage = app.state.storage
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(
            _every(
                app.state.settings.webhook_interval_seconds,
                "webhook_worker_error",
                lambda: webhooks.deliver_due(storage, datetime.now(UTC)),
                stop,
            )
        ),
        asyncio.create_task(
            _every(
                COUNT_INTERVAL, "visit_counter_error", lambda: rollups.count_visits(storage), stop
            )
        ),
        asyncio.create_task(
            _every(COUNT_INTERVAL, "call_counter_error", lambda: rollups.count_calls(storage), stop)
        ),
        asyncio.create_task(
            _every(
                APPLY_INTERVAL,
                "call_event_error",
                lambda: calls.apply_pending(
                    storage, datetime.now(UTC), limit=APPLY_BATCH, wait=False
                ),
                stop,
            )
        ),
    ]
    changes = RouteChanges(storage, app.state.routes.forget)
    changes.start()
    settings = app.state.settings
    jobs = start_job_thread(settings, storage) if settings.serve_runs_jobs else None
    try:
        yield
    finally:
        # Each loop ends after its current round: no work of theirs is left running on a
        # thread once the app is gone (its storage may be closed right after).
        stop.set()
        await asyncio.gather(*tasks)
        await asyncio.to_thread(changes.stop)
        if app.state.report_storage is not storage:
            app.state.report_storage.close()  # the replica's connections
        if jobs is not None:
            jobs.set()


async def _every(
    interval: float, error_event: str, work: Callable[[], object], stop: asyncio.Event
) -> None:
    while not stop.is_set():
        try:
            await asyncio.to_thread(work)
        except Exception as exc:  # a bad moment of the database must not end the loop
            log_event(error_event, error=type(exc).__name__)
        with suppress(TimeoutError):  # the interval passed without a stop
            await asyncio.wait_for(stop.wait(), interval)
