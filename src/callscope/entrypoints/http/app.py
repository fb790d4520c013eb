"""`create_app(settings)`: the whole HTTP application, built on demand, nothing at import time."""

from __future__ import annotations

from fastapi import FastAPI

from callscope.adapters.route_table import RouteTable
from callscope.adapters.storage import Storage
from callscope.entrypoints.dashboard import pages as dashboard
from callscope.entrypoints.http import (
    admin,
    call_detail,
    errors,
    integrations,
    keys,
    pool,
    reports,
    telephony,
    visits,
    web,
)
from callscope.entrypoints.http.background import background_work
from callscope.entrypoints.http.cors import PublicCors
from callscope.entrypoints.http.rate_limit import TokenBuckets
from callscope.entrypoints.http.request_log import RequestLog
from callscope.entrypoints.worker import recording_files
from callscope.settings import Settings
from callscope.telephony import twilio


def create_app(settings: Settings, storage: Storage | None = None) -> FastAPI:
    app = FastAPI(
        lifespan=background_work,
        title="callscope",
        version="0.1.0",
        description="Self-hostable call tracking: which channel, campaign and keyword made "
        "the phone ring.",
    )
    app.state.settings = settings
    app.state.storage = storage or Storage.connect(
        settings.database_url, settings.auto_migrate, settings.database_pool_size
    )
    app.state.routes = RouteTable(app.state.storage)
    app.state.recording_files = recording_files(settings)
    app.state.demo_site_key = settings.demo_site_key
    per_ip, per_site = settings.visits_per_ip_per_minute, settings.visits_per_site_per_minute
    app.state.address_limits = TokenBuckets(per_ip, burst=max(1.0, per_ip / 3))
    app.state.site_limits = TokenBuckets(per_site, burst=max(1.0, per_site / 3))
    errors.install(app)
    for module in (
        visits,
        telephony,
        twilio,
        admin,
        call_detail,
        keys,
        pool,
        reports,
        web,
        integrations,
        dashboard,
    ):
        app.include_router(module.router)
    app.add_middleware(PublicCors, paths=("/v1/visits",))
    app.add_middleware(RequestLog)
    return app
