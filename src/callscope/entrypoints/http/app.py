"""`create_app(settings)`: the whole HTTP application, built on demand, nothing at import time."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig

from callscope.adapters.redis_limits import RedisLimits
from callscope.adapters.replica import ReplicaStorage
from callscope.adapters.route_table import RouteTable
from callscope.adapters.storage import Storage
from callscope.entrypoints.dashboard import pages as dashboard
from callscope.entrypoints.http import (
    admin,
    call_detail,
    errors,
    flows,
    integrations,
    keys,
    leads,
    pool,
    reports,
    telephony,
    twilio,
    visits,
    web,
)
from callscope.entrypoints.http.background import background_work
from callscope.entrypoints.http.call_intake import InlineSlots
from callscope.entrypoints.http.cors import PublicCors
from callscope.entrypoints.http.rate_limit import VisitLimits
from callscope.entrypoints.http.request_log import RequestLog
from callscope.entrypoints.worker import recording_files
from callscope.settings import Settings

NO_TELEMETRY: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
}


def create_app(settings: Settings, storage: Storage | None = None) -> FastAPI:
    app = FastAPI(
        lifespan=background_work,
        # callscope exports no OpenTelemetry (its logs are its record); FastAPI's native
        # telemetry, on by default, looked up three global providers on every request: about
        # an eighth of the CPU a Twilio call start took in a worker under load.
        telemetry=NO_TELEMETRY,
        title="callscope",
        version="0.1.0",
        description="Self-hostable call tracking: which channel, campaign and keyword made "
        "the phone ring.",
    )
    app.state.settings = settings
    app.state.storage = storage or Storage.connect(
        settings.database_url, settings.auto_migrate, settings.database_pool_size
    )
    app.state.report_storage = app.state.storage
    if settings.database_replica_url:
        app.state.report_storage = ReplicaStorage(
            app.state.storage,
            settings.database_replica_url,
            settings.database_replica_max_lag_seconds,
            settings.database_pool_size,
        )
    app.state.routes = RouteTable(app.state.storage, bulk=app.state.report_storage)
    shared = (
        RedisLimits(settings.redis_url, settings.redis_key_prefix) if settings.redis_url else None
    )
    app.state.shared_limits = shared
    app.state.visit_limits = VisitLimits(
        settings.visits_per_ip_per_minute, settings.visits_per_site_per_minute, shared
    )
    app.state.form_limits = VisitLimits(
        settings.forms_per_ip_per_minute, settings.visits_per_site_per_minute, shared, kind="forms"
    )
    app.state.recording_files = recording_files(settings)
    app.state.inline_slots = InlineSlots(settings.call_events_inline)
    errors.install(app)
    dashboard.install(app)
    for module in (
        visits,
        telephony,
        twilio,
        admin,
        call_detail,
        flows,
        keys,
        pool,
        reports,
        web,
        integrations,
        leads,
        dashboard,
    ):
        app.include_router(module.router)
    app.add_middleware(PublicCors, paths=("/v1/visits", "/v1/forms"))
    app.add_middleware(RequestLog)
    return app
