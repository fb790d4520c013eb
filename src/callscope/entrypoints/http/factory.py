"""The app uvicorn serves: `create_app` with settings from the environment."""

from __future__ import annotations

from fastapi import FastAPI

from callscope.entrypoints.http.app import create_app
from callscope.settings import Settings


def app() -> FastAPI:
    return create_app(Settings())
