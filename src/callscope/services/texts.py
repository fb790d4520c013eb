"""Inbound texts to tracking numbers: attributed like a call at that moment, kept as a text
lead, and passed on to the number's forwarding target."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from callscope.domain.errors import NotFound
from callscope.domain.leads import Lead, LeadType
from callscope.services.calls import attribution_at
from callscope.services.ports import Storage


@dataclass(frozen=True)
class InboundText:
    message_id: str  # the platform's id: a delivery retried is stored once
    dialed: str
    sender: str | None
    body: str


@dataclass(frozen=True)
class ReceivedText:
    lead: Lead
    forward_to: str


def receive_text(
    storage: Storage, text: InboundText, lease_seconds: int, now: datetime
) -> ReceivedText:
    """Store the text as a lead attributed to the visit holding the number (or the number's
    channel, or the sender's earlier calls); NotFound for a number callscope does not know."""
    with storage.write() as uow:
        number = uow.numbers.by_number(text.dialed)
        site = uow.sites.get(number.site_id) if number else None
        if number is None or site is None:
            raise NotFound("not a tracking number")
        forward_to = number.agent_number(site)
        existing = uow.leads.by_call(text.message_id)
        if existing is not None:
            return ReceivedText(existing, forward_to)
        attribution = attribution_at(uow, number, text.sender, now, lease_seconds)
        lead = Lead(
            id=uuid.uuid4().hex,
            site_id=site.id,
            type=LeadType.TEXT,
            at=now,
            visit_id=attribution.visit_id,
            channel=attribution.channel,
            call_id=text.message_id,
            contact=text.sender,
            fields={"message": text.body} if text.body else {},
        )
        if not uow.leads.add(lead, now):
            found = uow.leads.by_call(text.message_id)
            return ReceivedText(found or lead, forward_to)
        uow.commit()
    return ReceivedText(lead, forward_to)
