"""The one place a domain error becomes an HTTP status, and validation errors become a message."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from callscope.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    StorageUnavailable,
    Unauthorized,
)
from callscope.entrypoints.http.rate_limit import RateLimited
from callscope.logs import log_event

STATUS: dict[type[DomainError], int] = {
    InvalidInput: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
}


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(StorageUnavailable, _storage_down)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]


async def _domain_error(_request: Request, exc: DomainError) -> JSONResponse:
    if isinstance(exc, RateLimited):
        return JSONResponse(
            {"error": str(exc)}, status_code=429, headers={"Retry-After": str(exc.retry_after)}
        )
    status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
    return JSONResponse({"error": str(exc)}, status_code=status)


async def _storage_down(_request: Request, exc: StorageUnavailable) -> JSONResponse:
    # The database is unreachable: a retryable condition, not a bug (routing carries on from
    # its in-memory copy; the snippet keeps the page's own number).
    log_event("storage_unavailable", level=logging.ERROR, error=str(exc))
    return JSONResponse(
        {"error": "storage unavailable, try again shortly"},
        status_code=503,
        headers={"Retry-After": "5"},
    )


def problems(errors: Sequence[Any]) -> list[str]:
    """Validation errors as "field: message" lines: the API's 422 and the dashboard's forms
    say the same thing about the same input."""
    found = []
    for error in errors:
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query"))
        found.append(f"{where or 'request'}: {error.get('msg', 'invalid')}")
    return found


async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    found = problems(exc.errors())
    return JSONResponse({"error": "; ".join(found), "detail": found}, status_code=422)
