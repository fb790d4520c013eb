"""Dependencies every route shares: settings, storage, the clock, and who is asking.

A dependency that never blocks is `async def`: FastAPI runs a plain `def` dependency on the
thread pool, and each such hop cost more than the dependency itself."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Header, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from callscope.adapters.route_table import RouteTable
from callscope.domain.errors import Unauthorized
from callscope.services.accounts import Principal, authenticate
from callscope.services.ports import RecordingFiles, Storage
from callscope.settings import Settings


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_storage(request: Request) -> Storage:
    storage: Storage = request.app.state.storage
    return storage


async def get_recording_files(request: Request) -> RecordingFiles:
    files: RecordingFiles = request.app.state.recording_files
    return files


async def get_routes(request: Request) -> RouteTable:
    routes: RouteTable = request.app.state.routes
    return routes


async def get_now() -> datetime:
    return datetime.now(UTC)


SettingsDep = Annotated[Settings, Depends(get_settings)]
StorageDep = Annotated[Storage, Depends(get_storage)]
NowDep = Annotated[datetime, Depends(get_now)]
FilesDep = Annotated[RecordingFiles, Depends(get_recording_files)]

# Ids are positive and fit a BIGINT: anything else cannot exist (422, never a storage error).
MAX_ID = 2**63 - 1
SiteId = Annotated[int, Path(ge=1, le=MAX_ID)]
SiteParam = Annotated[int, Query(ge=1, le=MAX_ID, description="the site's id")]
ItemId = Annotated[int, Path(ge=1, le=MAX_ID)]
RoutesDep = Annotated[RouteTable, Depends(get_routes)]


# Declared as a security scheme, so /docs has an "Authorize" button and tools see it as auth.
bearer = HTTPBearer(auto_error=False, description="An API key: Authorization: Bearer cs_...")


def get_principal(
    storage: StorageDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)] = None,
) -> Principal:
    if credentials is None:
        raise Unauthorized("send Authorization: Bearer API_KEY")
    return authenticate(storage, credentials.credentials.strip())


async def get_admin(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    principal.require_admin()
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]
AdminDep = Annotated[Principal, Depends(get_admin)]


async def check_telephony_secret(
    settings: SettingsDep,
    x_callscope_secret: Annotated[str | None, Header()] = None,
) -> None:
    """Telephony endpoints take a shared secret header, compared in constant time."""
    expected = settings.telephony_secret
    if expected is None:
        return
    given = (x_callscope_secret or "").encode()
    if not hmac.compare_digest(given, expected.encode()):
        raise Unauthorized("missing or wrong X-Callscope-Secret")


TelephonyDep = Depends(check_telephony_secret)
