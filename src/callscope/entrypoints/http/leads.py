"""Leads: form submissions posted by the snippet or a site's server, and the inbox of every
call, form and text."""

from __future__ import annotations

from fastapi import APIRouter, Path, Request

from callscope.domain.leads import Lead, LeadChange, LeadStatus
from callscope.entrypoints.http.deps import (
    AdminDep,
    FormLimitsDep,
    NowDep,
    PeriodDep,
    PrincipalDep,
    StorageDep,
)
from callscope.entrypoints.http.schemas import (
    ChannelBody,
    FormIn,
    FormOut,
    LeadDetail,
    LeadOut,
    LeadPatch,
    PageOut,
    TouchOut,
)
from callscope.logs import log_event
from callscope.services import leads as service
from callscope.services.visits import address_hash

router = APIRouter(tags=["leads"])

LeadId = Path(pattern=r"^[0-9a-f]{32}$")


def lead_out(lead: Lead) -> LeadOut:
    return LeadOut(
        lead_id=lead.id,
        site_id=lead.site_id,
        type=lead.type.value,
        at=lead.at,
        visit_id=lead.visit_id,
        channel=ChannelBody.of(lead.channel),
        status=lead.status.value,
        value=lead.value,
        notes=lead.notes,
        journey_length=lead.journey_length,
        call_id=lead.call_id,
        form_id=lead.form_id,
        fields=lead.fields,
        contact=lead.contact,
    )


@router.post("/v1/forms", response_model=FormOut)
def submit_form(
    body: FormIn, request: Request, storage: StorageDep, limits: FormLimitsDep, now: NowDep
) -> FormOut:
    """A form submission becomes a lead attributed to its visit (public, like /v1/visits)."""
    address = request.client.host if request.client else "unknown"
    limits.take(address_hash(storage, address), body.site_key)
    submission = service.FormSubmission(
        site_key=body.site_key,
        submission_id=body.submission_id,
        form_id=body.form_id,
        visit_id=body.visit_id,
        fields=dict(body.fields),
        honeypot=body.honeypot,
        origin=request.headers.get("origin"),
    )
    lead_id = service.submit_form(storage, submission, now)
    log_event("form", lead_id=lead_id, spam=lead_id is None)
    return FormOut(lead_id=lead_id)


@router.get("/v1/leads")
def list_leads(
    storage: StorageDep, principal: PrincipalDep, chosen: PeriodDep, now: NowDep
) -> dict[str, list[LeadOut]]:
    """The site's calls, forms and texts in the period, newest first."""
    start, end = chosen.in_zone(now)
    found = service.list_leads(storage, principal.account_id, chosen.site, start, end)
    return {"leads": [lead_out(lead) for lead in found]}


@router.get("/v1/leads/{lead_id}", response_model=LeadDetail)
def lead_detail(storage: StorageDep, principal: PrincipalDep, lead_id: str = LeadId) -> LeadDetail:
    """A lead with the journey up to it: its visit's pages and every touch before it."""
    found = service.lead_journey(storage, principal.account_id, lead_id)
    return LeadDetail(
        **lead_out(found.lead).model_dump(),
        pages=[PageOut(url=p.url, title=p.title, at=p.at) for p in found.pages],
        touches=[
            TouchOut(visit_id=v.id, started_at=v.started_at, channel=ChannelBody.of(channel))
            for v, channel in found.touches
        ],
    )


@router.patch("/v1/leads/{lead_id}", response_model=LeadOut)
def change_lead(
    body: LeadPatch, storage: StorageDep, principal: AdminDep, now: NowDep, lead_id: str = LeadId
) -> LeadOut:
    change = LeadChange(
        fields=frozenset(body.model_fields_set),
        status=LeadStatus(body.status) if "status" in body.model_fields_set else None,
        value=body.value,
        notes=body.notes or None,
    )
    return lead_out(service.change_lead(storage, principal.account_id, lead_id, change, now))
