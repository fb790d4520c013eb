"""Dependencies every route shares: settings, storage, the clock, and who is asking.

A dependency that never blocks is `async def`: FastAPI runs a plain `def` dependency on the
thread pool, and each such hop cost more than the dependency itself."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Annotated

from fastapi import Depends, Header, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from callscope.adapters.route_table import RouteTable
from callscope.domain.errors import Unauthorized
from callscope.domain.sites import Site
from callscope.entrypoints.http.call_intake import InlineSlots
from callscope.entrypoints.http.periods import period
from callscope.entrypoints.http.rate_limit import VisitLimits
from callscope.services import calls, reports, sites
from callscope.services.accounts import Principal, authenticate
from callscope.services.lease_slots import LeaseSlots
from callscope.services.ports import RecordingFiles, Storage
from callscope.settings import Settings


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_storage(request: Request) -> Storage:
    storage: Storage = request.app.state.storage
    return storage


def get_report_storage(request: Request) -> Storage:
    """Storage whose reads may come from the read replica (reports, exports, dashboard), once
    the call events accepted under load are applied: reports are exact at any moment."""
    settle_calls(request.app.state.storage)
    storage: Storage = request.app.state.report_storage
    return storage


def settle_calls(storage: Storage) -> None:
    """Apply every call event stored to be applied after its answer (usually none: one indexed
    look)."""
    calls.apply_pending(storage, datetime.now(UTC))


def get_settled_storage(request: Request) -> Storage:
    """The primary storage, once the call events accepted under load are applied."""
    storage: Storage = request.app.state.storage
    settle_calls(storage)
    return storage


async def get_inline_slots(request: Request) -> InlineSlots:
    slots: InlineSlots = request.app.state.inline_slots
    return slots


async def get_recording_files(request: Request) -> RecordingFiles:
    files: RecordingFiles = request.app.state.recording_files
    return files


async def get_routes(request: Request) -> RouteTable:
    routes: RouteTable = request.app.state.routes
    return routes


async def get_visit_limits(request: Request) -> VisitLimits:
    limits: VisitLimits = request.app.state.visit_limits
    return limits


async def get_form_limits(request: Request) -> VisitLimits:
    limits: VisitLimits = request.app.state.form_limits
    return limits


async def get_lease_slots(request: Request) -> LeaseSlots | None:
    """The lease slots shared through Redis (CALLSCOPE_REDIS_URL); None: per process."""
    slots: LeaseSlots | None = request.app.state.shared_limits
    return slots


async def get_qualified_seconds(settings: SettingsDep) -> int:
    """CALLSCOPE_QUALIFIED_SECONDS (Google Ads counts 60 s by default)."""
    return settings.qualified_seconds


async def get_now() -> datetime:
    return datetime.now(UTC)


SettingsDep = Annotated[Settings, Depends(get_settings)]
StorageDep = Annotated[Storage, Depends(get_storage)]
ReportStorageDep = Annotated[Storage, Depends(get_report_storage)]
SettledStorageDep = Annotated[Storage, Depends(get_settled_storage)]
InlineSlotsDep = Annotated[InlineSlots, Depends(get_inline_slots)]
NowDep = Annotated[datetime, Depends(get_now)]
VisitLimitsDep = Annotated[VisitLimits, Depends(get_visit_limits)]
FormLimitsDep = Annotated[VisitLimits, Depends(get_form_limits)]
LeaseSlotsDep = Annotated[LeaseSlots | None, Depends(get_lease_slots)]
QualifiedSecondsDep = Annotated[int, Depends(get_qualified_seconds)]
FilesDep = Annotated[RecordingFiles, Depends(get_recording_files)]

# Ids are positive and fit a BIGINT: anything else cannot exist (422, never a storage error).
MAX_ID = 2**63 - 1
SiteId = Annotated[int, Path(ge=1, le=MAX_ID)]
NumberId = Annotated[int, Path(ge=1, le=MAX_ID)]
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


@dataclass(frozen=True)
class PeriodQuery:
    """A site's `site`, `from` and `to` query values, read but not yet resolved: resolving asks
    storage, which must wait until every query value has passed validation (422 first)."""

    site: int
    start: str | None
    end: str | None

    def in_site_zone(
        self, storage: Storage, principal: Principal, now: datetime
    ) -> tuple[Site, datetime, datetime]:
        """The caller's site (NotFound if not theirs) and [from, to) with dates read as local
        days of the site."""
        owned = sites.get_site(storage, principal.account_id, self.site)
        return (owned, *period(self.start, self.end, now, reports.site_zone(owned)))

    def in_zone(self, now: datetime, zone: tzinfo = UTC) -> tuple[datetime, datetime]:
        """[from, to) with dates read as days in `zone` (UTC unless given)."""
        return period(self.start, self.end, now, zone)


async def get_period(
    site: SiteParam,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
) -> PeriodQuery:
    return PeriodQuery(site, from_, to)


PeriodDep = Annotated[PeriodQuery, Depends(get_period)]
