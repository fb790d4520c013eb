"""Translation between table rows and the domain's frozen dataclasses (nothing else crosses)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping

from callscope.domain.calls import Attribution, AttributionMethod, Call, CallEvent, EventKind
from callscope.domain.channel import Channel
from callscope.domain.sites import Account, NumberKind, Site, TrackingNumber
from callscope.domain.visits import Lease, Visit, VisitMode


def channel_columns(channel: Channel | None) -> dict[str, Any]:
    if channel is None:
        return {"source": None, "medium": None, "campaign": None, "term": None}
    return {
        "source": channel.source,
        "medium": channel.medium,
        "campaign": channel.campaign,
        "term": channel.term,
    }


def channel_of(row: RowMapping) -> Channel | None:
    if row["source"] is None:
        return None
    return Channel(row["source"], row["medium"], row["campaign"], row["term"])


def account(row: RowMapping) -> Account:
    return Account(id=row["id"], name=row["name"], created_at=row["created_at"])


def site(row: RowMapping) -> Site:
    return Site(
        id=row["id"],
        account_id=row["account_id"],
        name=row["name"],
        site_key=row["site_key"],
        forward_to=row["forward_to"],
        allowed_origins=tuple(row["allowed_origins"]),
        replace_numbers=tuple(row["replace_numbers"]),
        timezone=row["timezone"],
        redact=bool(row["redact"]),
        form_allow=tuple(row["form_allow"] or ()),
        form_deny=tuple(row["form_deny"] or ()),
        consent_required=bool(row["consent_required"]),
        workspace_id=row["workspace_id"],
    )


def tracking_number(row: RowMapping) -> TrackingNumber:
    return TrackingNumber(
        id=row["id"],
        site_id=row["site_id"],
        number=row["number"],
        kind=NumberKind(row["kind"]),
        channel=channel_of(row),
        forward_to=row["forward_to"],
        created_at=row["created_at"],
    )


def visit(row: RowMapping) -> Visit:
    channel = channel_of(row)
    assert channel is not None
    return Visit(
        id=row["id"],
        site_id=row["site_id"],
        started_at=row["started_at"],
        landing_url=row["landing_url"],
        referrer=row["referrer"],
        channel=channel,
        visitor_id=row["visitor_id"],
        user_agent=row["user_agent"],
        click_ids=dict(row["click_ids"]),
        ga_client_id=row["ga_client_id"],
        mode=VisitMode(row["mode"]),
        number_id=row["number_id"],
        ext=row["ext"],
        expires_at=row["expires_at"],
        last_seen_at=row["last_seen_at"],
        reason=row["reason"],
        client=row["client"],
        landing_title=row["landing_title"],
    )


def visit_columns(v: Visit) -> dict[str, Any]:
    return {
        "id": v.id,
        "site_id": v.site_id,
        "visitor_id": v.visitor_id,
        "started_at": v.started_at,
        "landing_url": v.landing_url,
        "referrer": v.referrer,
        **channel_columns(v.channel),
        "click_ids": v.click_ids,
        "ga_client_id": v.ga_client_id,
        "user_agent": v.user_agent,
        "mode": v.mode.value,
        "number_id": v.number_id,
        "ext": v.ext,
        "expires_at": v.expires_at,
        "last_seen_at": v.last_seen_at,
        "reason": v.reason,
        "client": v.client,
        "landing_title": v.landing_title,
    }


def lease(row: RowMapping) -> Lease:
    return Lease(
        number_id=row["number_id"],
        visit_id=row["visit_id"],
        started_at=row["started_at"],
        expires_at=row["expires_at"],
        ext=row["ext"],
    )


def call(row: RowMapping) -> Call:
    return Call(
        call_id=row["call_id"],
        site_id=row["site_id"],
        number_id=row["number_id"],
        dialed_number=row["dialed_number"],
        caller=row["caller"],
        started_at=row["started_at"],
        attribution=Attribution(
            AttributionMethod(row["method"]), row["confidence"], channel_of(row), row["visit_id"]
        ),
        first_time=row["first_time"],
        agent_number=row["agent_number"],
        ext=row["ext"],
        answered_at=row["answered_at"],
        ended_at=row["ended_at"],
        duration=row["duration"],
        record_url=row["record_url"],
        failure_code=row["failure_code"],
        failure_reason=row["failure_reason"],
        spam_reason=row["spam_reason"],
    )


def call_columns(c: Call) -> dict[str, Any]:
    return {
        "call_id": c.call_id,
        "site_id": c.site_id,
        "number_id": c.number_id,
        "dialed_number": c.dialed_number,
        "caller": c.caller,
        "agent_number": c.agent_number,
        "ext": c.ext,
        "started_at": c.started_at,
        "answered_at": c.answered_at,
        "ended_at": c.ended_at,
        "duration": c.duration,
        "record_url": c.record_url,
        "failure_code": c.failure_code,
        "failure_reason": c.failure_reason,
        "spam_reason": c.spam_reason,
        "status": c.status.value,
        "visit_id": c.attribution.visit_id,
        **channel_columns(c.attribution.channel),
        "method": c.attribution.method.value,
        "confidence": c.attribution.confidence,
        "first_time": c.first_time,
    }


def event_payload(event: CallEvent, lease_seconds: int) -> dict[str, Any]:
    """A pending event as stored (JSON), with the lease length it was accepted under."""
    return {**asdict(event), "at": event.at.isoformat(), "lease_seconds": lease_seconds}


def pending_event(payload: dict[str, Any]) -> tuple[CallEvent, int]:
    fields = dict(payload)
    lease_seconds = int(fields.pop("lease_seconds"))
    fields["event"] = EventKind(fields["event"])
    fields["at"] = datetime.fromisoformat(fields["at"])
    return CallEvent(**fields), lease_seconds
