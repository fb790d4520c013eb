"""The app uvicorn serves (`create_app` with settings from the environment), and serving it."""

from __future__ import annotations

from fastapi import FastAPI

from callscope.entrypoints.http.app import create_app
from callscope.settings import Settings


def app() -> FastAPI:
    return create_app(Settings())


def serve(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    """Run uvicorn with each worker building the app from the environment's settings."""
    import uvicorn

    from callscope.logs import configure

    configure(settings.log_level)
    uvicorn.run(
        "callscope.entrypoints.http.factory:app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # our own request log leaves out query strings (phone numbers)
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        log_level=settings.log_level.lower(),
    )
