"""Public visit endpoints the snippet calls: get a number for a visit, keep it alive."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from callscope.entrypoints.http.deps import (
    LeaseSlotsDep,
    NowDep,
    PrincipalDep,
    SettingsDep,
    StorageDep,
    VisitLimitsDep,
)
from callscope.entrypoints.http.schemas import (
    ChannelBody,
    EarlierVisit,
    HeartbeatIn,
    HeartbeatOut,
    PageOut,
    VisitDetail,
    VisitIn,
    VisitOut,
    sent_as_is,
)
from callscope.logs import log_event
from callscope.phone import display
from callscope.services import visits as service

router = APIRouter(tags=["visits"])


@router.post("/v1/visits", response_model=VisitOut)
def create_visit(
    body: VisitIn,
    request: Request,
    storage: StorageDep,
    settings: SettingsDep,
    now: NowDep,
    limits: VisitLimitsDep,
    slots: LeaseSlotsDep,
    user_agent: Annotated[str | None, Header()] = None,
) -> Response:
    address = request.client.host if request.client else "unknown"
    client = service.address_hash(storage, address)  # Redis keys never hold the address
    limits.take(client, body.site_key)
    visit_request = service.VisitRequest(
        site_key=body.site_key,
        landing_url=body.landing_url,
        referrer=body.referrer,
        visitor_id=body.visitor_id,
        user_agent=(user_agent or "")[:400] or None,
        origin=request.headers.get("origin"),
        first_touch_url=body.first_touch.landing_url if body.first_touch else None,
        first_touch_referrer=body.first_touch.referrer if body.first_touch else None,
        ga_client_id=body.ga_client_id,
        client=client,
        landing_title=body.title,
    )
    assignment = service.start_visit(
        storage,
        visit_request,
        settings.lease_seconds,
        now,
        leases_per_client=settings.leases_per_ip,
        slots=slots,
    )
    visit = assignment.visit
    log_event(
        "visit",
        site_id=assignment.site.id,
        mode=visit.mode if visit else "bot",
        number=assignment.number,
    )
    out = VisitOut(
        visit_id=visit.id if visit else None,
        number=assignment.number,
        display_number=display(assignment.number),
        ext=assignment.ext,
        expires_at=visit.expires_at if visit else None,
        channel=ChannelBody.of(visit.channel) if visit else None,
        replace=assignment.site.numbers_to_replace(),
        mode=visit.mode.value if visit else "none",
        reason=(visit.reason if visit else "bot"),
        consent_required=assignment.site.consent_required,
    )
    return sent_as_is(out)


@router.post("/v1/visits/{visit_id}/heartbeat", response_model=HeartbeatOut)
def heartbeat(
    visit_id: str,
    storage: StorageDep,
    settings: SettingsDep,
    now: NowDep,
    slots: LeaseSlotsDep,
    body: HeartbeatIn | None = None,
) -> Response:
    pages = [service.PageReport(p.url, p.title, p.at) for p in body.pages] if body else None
    assignment = service.heartbeat(
        storage, visit_id, settings.lease_seconds, now, slots=slots, pages=pages
    )
    visit = assignment.visit
    out = HeartbeatOut(
        expires_at=visit.expires_at if visit else None,
        number=assignment.number,
        display_number=display(assignment.number),
        ext=assignment.ext,
    )
    return sent_as_is(out)


@router.get("/v1/visits/{visit_id}", response_model=VisitDetail)
def visit_detail(visit_id: str, storage: StorageDep, principal: PrincipalDep) -> VisitDetail:
    found = service.visit_journey(storage, principal.account_id, visit_id)
    visit = found.visit
    return VisitDetail(
        visit_id=visit.id,
        site_id=visit.site_id,
        started_at=visit.started_at,
        landing_url=visit.landing_url,
        referrer=visit.referrer,
        channel=ChannelBody.of(visit.channel),
        click_ids=visit.click_ids,
        visitor_id=visit.visitor_id,
        mode=visit.mode.value,
        ext=visit.ext,
        expires_at=visit.expires_at,
        last_seen_at=visit.last_seen_at,
        reason=visit.reason,
        pages=[PageOut(url=p.url, title=p.title, at=p.at) for p in found.pages],
        earlier_visits=[
            EarlierVisit(visit_id=v.id, started_at=v.started_at, channel=ChannelBody.of(v.channel))
            for v in found.earlier_visits
        ],
    )
