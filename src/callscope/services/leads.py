"""Leads: form submissions (from the snippet or a site's server), calls and texts, in one inbox
a person triages; each lead is attributed to the visit it came from."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from callscope.domain.calls import Call
from callscope.domain.channel import Channel
from callscope.domain.errors import Forbidden, NotFound
from callscope.domain.journey import VISITOR_WINDOW_DAYS, PageView, journey_until
from callscope.domain.leads import Lead, LeadChange, LeadType, changed, kept_fields
from callscope.domain.visits import Visit
from callscope.services import webhooks
from callscope.services.ports import Storage, UnitOfWork
from callscope.services.reports import own_channel
from callscope.services.visits import landing_page


@dataclass(frozen=True)
class FormSubmission:
    site_key: str
    submission_id: str
    form_id: str | None
    visit_id: str | None
    fields: dict[str, str]
    honeypot: str | None = None
    origin: str | None = None


def submit_form(storage: Storage, submission: FormSubmission, now: datetime) -> str | None:
    """Store a form submission as a lead attributed to its visit; the lead's id. The same
    submission id again answers the first lead's id and changes nothing. A filled honeypot
    field is a bot's: nothing is stored and None comes back."""
    with storage.write() as uow:
        site = uow.sites.by_key(submission.site_key)
        if site is None:
            raise NotFound("unknown site_key")
        if not site.allows_origin(submission.origin):
            raise Forbidden("this origin is not allowed for the site")
        if submission.honeypot:
            return None
        existing = uow.leads.by_submission(site.id, submission.submission_id)
        if existing is not None:
            return existing.id
        visit = uow.visits.get(submission.visit_id) if submission.visit_id else None
        if visit is not None and visit.site_id != site.id:
            visit = None  # another site's visit is no evidence for this one
        lead = Lead(
            id=uuid.uuid4().hex,
            site_id=site.id,
            type=LeadType.FORM,
            at=now,
            visit_id=visit.id if visit else None,
            channel=visit.channel if visit else None,
            submission_id=submission.submission_id,
            form_id=submission.form_id,
            fields=kept_fields(submission.fields, site.form_allow, site.form_deny),
        )
        if not uow.leads.add(lead, now):
            # Another request stored this submission a moment ago (and has committed it).
            found = uow.leads.by_submission(site.id, submission.submission_id)
            return found.id if found else lead.id
        uow.commit()
    return lead.id


def add_call_lead(uow: UnitOfWork, call: Call, now: datetime) -> None:
    """A new call is a lead, attributed as the call is (in the call's own transaction)."""
    lead = Lead(
        id=uuid.uuid4().hex,
        site_id=call.site_id,
        type=LeadType.CALL,
        at=call.started_at,
        visit_id=call.attribution.visit_id,
        channel=call.attribution.channel,
        call_id=call.call_id,
        contact=call.caller,
    )
    uow.leads.add(lead, now)


def list_leads(
    storage: Storage, account_id: int, site_id: int, start: datetime, end: datetime
) -> list[Lead]:
    with storage.read() as uow:
        site = uow.sites.get(site_id)
        if site is None or site.account_id != account_id:
            raise NotFound("unknown site")
        return uow.leads.for_site(site_id, start, end)


def change_lead(
    storage: Storage, account_id: int, lead_id: str, change: LeadChange, now: datetime
) -> Lead:
    """Set a lead's status, value or notes (a person's triage)."""
    with storage.write() as uow:
        lead = _owned_lead(uow, account_id, lead_id)
        updated = changed(lead, change)
        if updated != lead:
            uow.leads.save(updated, now)
            webhooks.enqueue_lead_updated(uow, updated, now)
        uow.commit()
    return updated


def get_lead(storage: Storage, account_id: int, lead_id: str) -> Lead:
    with storage.read() as uow:
        return _owned_lead(uow, account_id, lead_id)


def _owned_lead(uow: UnitOfWork, account_id: int, lead_id: str) -> Lead:
    lead = uow.leads.get(lead_id)
    site = uow.sites.get(lead.site_id) if lead else None
    if lead is None or site is None or site.account_id != account_id:
        raise NotFound("unknown lead")
    return lead


@dataclass(frozen=True)
class LeadJourney:
    """A lead, the pages its visit read up to it (landing page first), and its touches: the
    visitor's visits in the window before it, its own visit last, each by its own channel."""

    lead: Lead
    pages: list[PageView]
    touches: list[tuple[Visit, Channel]]


def lead_journey(
    storage: Storage, account_id: int, lead_id: str, window_days: int = VISITOR_WINDOW_DAYS
) -> LeadJourney:
    with storage.read() as uow:
        lead = _owned_lead(uow, account_id, lead_id)
        visit = uow.visits.get(lead.visit_id) if lead.visit_id else None
        if visit is None:
            return LeadJourney(lead, [], [])
        pages = journey_until([landing_page(visit), *uow.journeys.of_visit(visit.id)], lead.at)
        earlier: list[Visit] = []
        if visit.visitor_id:
            since = lead.at - timedelta(days=window_days)
            found = uow.visits.of_visitor(lead.site_id, visit.visitor_id, since, lead.at)
            earlier = [v for v in found if v.id != visit.id]
    path = sorted([*earlier, visit], key=lambda v: (v.started_at, v.id))
    return LeadJourney(lead, pages, [(v, own_channel(v)) for v in path])
