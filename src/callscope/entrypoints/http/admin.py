"""Admin endpoints: sites, tracking numbers, and the call log, each scoped to the key's account."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from callscope.domain.reporting import CallFilter
from callscope.domain.sites import NumberKind, Site, TrackingNumber
from callscope.entrypoints.http import call_detail
from callscope.entrypoints.http.deps import (
    AdminDep,
    FilesDep,
    NowDep,
    NumberId,
    PeriodDep,
    PrincipalDep,
    ReportStorageDep,
    RoutesDep,
    SettingsDep,
    SiteId,
    StorageDep,
)
from callscope.entrypoints.http.schemas import (
    CallOut,
    ChannelBody,
    NumberIn,
    NumberOut,
    NumberPatch,
    SiteIn,
    SiteOut,
    SitePatch,
)
from callscope.phone import display, to_e164
from callscope.services import insights, privacy, reports, sites

router = APIRouter(tags=["admin"])


def site_out(site: Site) -> SiteOut:
    return SiteOut(
        site_id=site.id,
        site_key=site.site_key,
        name=site.name,
        forward_to=site.forward_to,
        allowed_origins=list(site.allowed_origins),
        replace_numbers=list(site.replace_numbers),
        timezone=site.timezone,
        redact=site.redact,
        form_allow=list(site.form_allow),
        form_deny=list(site.form_deny),
        consent_required=site.consent_required,
    )


def number_out(number: TrackingNumber) -> NumberOut:
    return NumberOut(
        number_id=number.id,
        site_id=number.site_id,
        number=number.number,
        display_number=display(number.number),
        kind=number.kind.value,
        channel=ChannelBody.of(number.channel),
        forward_to=number.forward_to,
    )


def site_draft(body: SiteIn, region: str) -> sites.SiteDraft:
    """A validated body as the service's draft (phone numbers read in the default region);
    the dashboard's form goes through the same body and this."""
    return sites.SiteDraft(
        name=body.name,
        forward_to=to_e164(body.forward_to, region),
        allowed_origins=tuple(body.allowed_origins),
        replace_numbers=tuple(to_e164(n, region) for n in body.replace_numbers),
        timezone=body.timezone,
        redact=body.redact,
        form_allow=tuple(body.form_allow),
        form_deny=tuple(body.form_deny),
        consent_required=body.consent_required,
    )


def site_change(body: SitePatch, region: str) -> sites.SiteChange:
    fields = body.model_fields_set
    return sites.SiteChange(
        fields=frozenset(fields),
        name=body.name or "",
        forward_to=to_e164(body.forward_to, region) if body.forward_to else "",
        allowed_origins=tuple(body.allowed_origins or ()),
        replace_numbers=tuple(to_e164(n, region) for n in body.replace_numbers or ()),
        timezone=body.timezone or "UTC",
        redact=bool(body.redact),
        form_allow=tuple(body.form_allow or ()),
        form_deny=tuple(body.form_deny or ()),
        consent_required=bool(body.consent_required),
    )


def number_draft(body: NumberIn, region: str) -> sites.NumberDraft:
    return sites.NumberDraft(
        number=to_e164(body.number, region),
        kind=NumberKind(body.kind),
        channel=body.channel.to_domain() if body.channel else None,
        forward_to=to_e164(body.forward_to, region) if body.forward_to else None,
    )


@router.post("/v1/sites", response_model=SiteOut, status_code=201)
def create_site(
    body: SiteIn, storage: StorageDep, settings: SettingsDep, principal: AdminDep, now: NowDep
) -> SiteOut:
    draft = site_draft(body, settings.default_region)
    return site_out(sites.create_site(storage, principal.account_id, draft, now))


@router.patch("/v1/sites/{site_id}", response_model=SiteOut)
def change_site(
    site_id: SiteId,
    body: SitePatch,
    storage: StorageDep,
    routes: RoutesDep,
    settings: SettingsDep,
    principal: AdminDep,
) -> SiteOut:
    """Edit a site: fields left out stay. A new forward number is routed by every server
    process within a second; a new time zone rebuilds the site's report rollups."""
    change = site_change(body, settings.default_region)
    site = sites.change_site(storage, principal.account_id, site_id, change)
    routes.forget()
    return site_out(site)


@router.get("/v1/sites")
def list_sites(storage: StorageDep, principal: PrincipalDep) -> dict[str, list[SiteOut]]:
    return {"sites": [site_out(s) for s in sites.list_sites(storage, principal.account_id)]}


@router.get("/v1/sites/{site_id}", response_model=SiteOut)
def get_site(site_id: SiteId, storage: StorageDep, principal: PrincipalDep) -> SiteOut:
    return site_out(sites.get_site(storage, principal.account_id, site_id))


@router.post("/v1/sites/{site_id}/numbers", response_model=NumberOut, status_code=201)
def add_number(
    site_id: SiteId,
    body: NumberIn,
    storage: StorageDep,
    settings: SettingsDep,
    principal: AdminDep,
    now: NowDep,
) -> NumberOut:
    draft = number_draft(body, settings.default_region)
    return number_out(sites.add_number(storage, principal.account_id, site_id, draft, now))


@router.patch("/v1/sites/{site_id}/numbers/{number_id}", response_model=NumberOut)
def change_number(
    site_id: SiteId,
    number_id: NumberId,
    body: NumberPatch,
    storage: StorageDep,
    routes: RoutesDep,
    settings: SettingsDep,
    principal: AdminDep,
) -> NumberOut:
    forward_to = to_e164(body.forward_to, settings.default_region) if body.forward_to else None
    change = sites.NumberChange(
        fields=frozenset(body.model_fields_set),
        channel=body.channel.to_domain() if body.channel else None,
        forward_to=forward_to,
    )
    number = sites.change_number(storage, principal.account_id, site_id, number_id, change)
    routes.forget()  # this process routes the new way at once; the others within a second
    return number_out(number)


@router.delete("/v1/sites/{site_id}/numbers/{number_id}", status_code=204)
def remove_number(
    site_id: SiteId,
    number_id: NumberId,
    storage: StorageDep,
    routes: RoutesDep,
    principal: AdminDep,
) -> Response:
    sites.remove_number(storage, principal.account_id, site_id, number_id)
    routes.forget()
    return Response(status_code=204)


@router.get("/v1/sites/{site_id}/numbers")
def list_numbers(
    site_id: SiteId, storage: StorageDep, principal: PrincipalDep
) -> dict[str, list[NumberOut]]:
    found = sites.list_numbers(storage, principal.account_id, site_id)
    return {"numbers": [number_out(n) for n in found]}


@router.get("/v1/calls")
def list_calls(
    storage: ReportStorageDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    now: NowDep,
    chosen: PeriodDep,
    status: Literal["ringing", "answered", "completed", "missed", "failed", "spam"] | None = None,
    spam: Annotated[
        bool | None, Query(description="true: only spam; false: without spam; default: all")
    ] = None,
    first_time: bool | None = None,
    source: Annotated[str | None, Query(max_length=200)] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="words every transcript must hold")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> dict[str, list[CallOut]]:
    start, end = chosen.in_zone(now)
    query = CallFilter(
        chosen.site, start, end, status, first_time, source, 5000 if q else limit, spam
    )
    calls = reports.call_log(storage, principal.account_id, query)
    if q is not None:
        matched = insights.search(storage, principal.account_id, chosen.site, q)
        calls = [c for c in calls if c.call_id in matched][:limit]
    found, thresholds = insights.insights_for(storage, calls), call_detail.limits(settings)
    return {
        "calls": [
            CallOut.of(c, **call_detail.insight_fields(c, found.get(c.call_id), thresholds))
            for c in calls
        ]
    }


@router.delete("/v1/callers/{number}")
def erase_caller(
    number: str, storage: StorageDep, settings: SettingsDep, principal: AdminDep, files: FilesDep
) -> dict[str, int]:
    """Erase a caller's number from this account's calls, and their recordings and
    transcripts (a data subject's request)."""
    caller = to_e164(number, settings.default_region)
    return {"calls": privacy.erase_caller(storage, principal.account_id, caller, files)}
