"""One structured log event per request: method, path, status, time. Never the query string:
it carries phone numbers (route?dialed_number=...). Plain ASGI, so it costs next to nothing."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from callscope.logs import log_event, logger


class RequestLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not logger.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, note_status)
        finally:
            log_event(
                "http",
                method=scope["method"],
                path=scope["path"],
                status=status,
                ms=round(1000 * (time.perf_counter() - started), 1),
            )
