"""Outgoing webhooks: endpoints per site, events queued in the database in the same unit of
work as the call that caused them, and a worker that delivers them signed (HMAC-SHA256),
retrying with backoff until the receiver answers 2xx; each event once per endpoint."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx

from callscope.domain.calls import AttributionMethod, Call, CallStatus
from callscope.domain.errors import InvalidInput, NotFound
from callscope.domain.leads import Lead
from callscope.domain.webhooks import Delivery, Endpoint
from callscope.logs import log_event
from callscope.services.ports import Storage, UnitOfWork
from callscope.services.sites import owned_site

EVENTS = ("call.completed", "call.attributed", "call.transcribed", "call.scored", "lead.updated")
FINAL = (CallStatus.COMPLETED, CallStatus.MISSED, CallStatus.FAILED)
CLAIM = timedelta(seconds=60)  # a sender that dies mid-request frees the delivery after this
MAX_DELAY = timedelta(hours=6)
TIMEOUT_SECONDS = 10.0
# Sends one request: (url, body, headers) -> HTTP status. Swappable for tests and the CLI.
Sender = Callable[[str, bytes, dict[str, str]], int]


@dataclass(frozen=True)
class DeliveryRun:
    delivered: int
    failed: int


def add_endpoint(
    storage: Storage,
    account_id: int,
    site_id: int,
    url: str,
    events: tuple[str, ...],
    now: datetime,
) -> Endpoint:
    """A new endpoint with a fresh signing secret (shown to the caller once, in the result)."""
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        raise InvalidInput("url must be an http(s) URL")
    unknown = set(events) - set(EVENTS)
    if not events or unknown:
        raise InvalidInput(f"events must be some of {', '.join(EVENTS)}")
    with storage.write() as uow:
        site = owned_site(uow, account_id, site_id)
        secret = "whsec_" + secrets.token_urlsafe(24)
        endpoint = uow.webhooks.add_endpoint(site.id, url, secret, events, now)
        uow.commit()
    return endpoint


def list_endpoints(storage: Storage, account_id: int, site_id: int) -> list[Endpoint]:
    with storage.read() as uow:
        return uow.webhooks.endpoints(owned_site(uow, account_id, site_id).id)


def remove_endpoint(
    storage: Storage, account_id: int, site_id: int, endpoint_id: int, now: datetime
) -> None:
    with storage.write() as uow:
        if not uow.webhooks.disable(owned_site(uow, account_id, site_id).id, endpoint_id, now):
            raise NotFound(f"no webhook endpoint {endpoint_id}")
        uow.commit()


TEST_EVENT = "webhook.test"


def send_test(
    storage: Storage, account_id: int, site_id: int, endpoint_id: int, now: datetime
) -> str:
    """Queue a `webhook.test` event for one endpoint (delivered, signed and retried like any
    other); returns its event id, which the recent deliveries show."""
    with storage.write() as uow:
        site = owned_site(uow, account_id, site_id)
        endpoint = next((e for e in uow.webhooks.endpoints(site.id) if e.id == endpoint_id), None)
        if endpoint is None:
            raise NotFound(f"no webhook endpoint {endpoint_id}")
        event_id = f"test:{endpoint.id}:{secrets.token_hex(6)}"
        body = {
            "id": event_id,
            "type": TEST_EVENT,
            "created_at": now.isoformat(),
            "data": {"site_id": site.id, "endpoint_id": endpoint.id},
        }
        payload = json.dumps(body, sort_keys=True)
        uow.webhooks.enqueue(endpoint.id, event_id, TEST_EVENT, payload, now)
        uow.commit()
    return event_id


def list_deliveries(storage: Storage, account_id: int, site_id: int) -> list[Delivery]:
    with storage.read() as uow:
        return uow.webhooks.for_site(owned_site(uow, account_id, site_id).id)


def enqueue_for_call(uow: UnitOfWork, call: Call, now: datetime) -> int:
    """Queue the events this state of the call gives rise to, inside the caller's unit of work;
    calling it again for the same call queues nothing twice. Returns how many were queued."""
    kinds = []
    if call.attribution.method is not AttributionMethod.NONE:
        kinds.append("call.attributed")
    if call.status in FINAL:
        kinds.append("call.completed")
    repo = uow.webhooks
    queued = 0
    for endpoint in repo.endpoints(call.site_id) if kinds else []:
        for kind in kinds:
            if kind in endpoint.events:
                event_id = f"{call.call_id}:{kind}"
                payload = json.dumps(event_body(event_id, kind, call, now), sort_keys=True)
                queued += repo.enqueue(endpoint.id, event_id, kind, payload, now)
    return queued


def enqueue_event(
    uow: UnitOfWork, call: Call, kind: str, data: dict[str, object], now: datetime
) -> int:
    """Queue a `kind` event about the call, its data added to the call's own, for every
    endpoint of the site that wants it (once per call and kind)."""
    queued = 0
    for endpoint in uow.webhooks.endpoints(call.site_id):
        if kind in endpoint.events:
            event_id = f"{call.call_id}:{kind}"
            body = event_body(event_id, kind, call, now)
            body["data"] = {**body["data"], **data}  # type: ignore[dict-item]
            payload = json.dumps(body, sort_keys=True, default=str)
            queued += uow.webhooks.enqueue(endpoint.id, event_id, kind, payload, now)
    return queued


def event_body(event_id: str, kind: str, call: Call, now: datetime) -> dict[str, object]:
    channel = call.attribution.channel
    return {
        "id": event_id,
        "type": kind,
        "created_at": now.isoformat(),
        "data": {
            "call_id": call.call_id,
            "site_id": call.site_id,
            "dialed_number": call.dialed_number,
            "caller": call.caller,
            "status": call.status.value,
            "started_at": call.started_at.isoformat(),
            "duration": call.duration,
            "record_url": call.record_url,
            "first_time": call.first_time,
            "visit_id": call.attribution.visit_id,
            "channel": channel.__dict__ if channel else None,
            "attribution": {
                "method": call.attribution.method.value,
                "confidence": call.attribution.confidence,
            },
        },
    }


def signature_header(secret: str, body: bytes, at: datetime) -> str:
    """`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the time is signed too, so a
    captured request cannot be replayed later."""
    stamp = str(int(at.timestamp()))
    digest = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


def verify_signature(
    secret: str, header: str, body: bytes, now: datetime, tolerance: int = 300
) -> bool:
    """What a receiver runs: the signature matches and is no older than `tolerance` seconds."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    stamp = parts.get("t", "")
    if not stamp.isdigit() or abs(now.timestamp() - int(stamp)) > tolerance:
        return False
    expected = signature_header(secret, body, datetime.fromtimestamp(int(stamp), UTC))
    return hmac.compare_digest(expected, header.strip())


def retry_delay(attempts: int) -> timedelta:
    """30 s after the first failure, doubling, at most 6 h apart: until the receiver is back."""
    return min(timedelta(seconds=30 * 2 ** min(attempts - 1, 20)), MAX_DELAY)


def deliver_due(
    storage: Storage, now: datetime, send: Sender | None = None, limit: int = 50
) -> DeliveryRun:
    """Send every due delivery once. Each is claimed first, so concurrent workers (several
    server processes) never send the same delivery at the same time."""
    with storage.read() as uow:
        due = uow.webhooks.due(now, limit)
    delivered = failed = 0
    for delivery in due:
        if not _claim(storage, delivery, now):
            continue
        ok, error = _send(delivery, now, send or http_send)
        _finish(storage, delivery, now, ok, error)
        delivered, failed = delivered + ok, failed + (not ok)
    return DeliveryRun(delivered, failed)


def http_send(url: str, body: bytes, headers: dict[str, str]) -> int:
    return httpx.post(url, content=body, headers=headers, timeout=TIMEOUT_SECONDS).status_code


def _claim(storage: Storage, delivery: Delivery, now: datetime) -> bool:
    with storage.write() as uow:
        taken = uow.webhooks.claim(delivery.id, now, now + CLAIM)
        uow.commit()
    return taken


def _send(delivery: Delivery, now: datetime, send: Sender) -> tuple[bool, str | None]:
    body = delivery.payload.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "callscope-webhooks",
        "X-Callscope-Event": delivery.event_type,
        "X-Callscope-Event-Id": delivery.event_id,
        "X-Callscope-Signature": signature_header(delivery.endpoint.secret, body, now),
    }
    try:
        status = send(delivery.endpoint.url, body, headers)
    except httpx.HTTPError as exc:
        return False, type(exc).__name__
    return 200 <= status < 300, None if 200 <= status < 300 else f"HTTP {status}"


def _finish(
    storage: Storage, delivery: Delivery, now: datetime, ok: bool, error: str | None
) -> None:
    attempts = delivery.attempts + 1
    retry_at = now if ok else now + retry_delay(attempts)
    with storage.write() as uow:
        uow.webhooks.finish(delivery.id, attempts, now if ok else None, retry_at, error)
        uow.commit()
    log_event("webhook", event_id=delivery.event_id, attempts=attempts, ok=ok, error=error)


def enqueue_lead_updated(uow: UnitOfWork, lead: Lead, now: datetime) -> int:
    """Queue `lead.updated` (a person changed its status, value or notes) for every endpoint of
    the site that wants it; each change is an event of its own."""
    queued = 0
    for endpoint in uow.webhooks.endpoints(lead.site_id):
        if "lead.updated" in endpoint.events:
            event_id = f"{lead.id}:lead.updated:{uuid.uuid4().hex[:12]}"
            body = lead_event_body(event_id, lead, now)
            payload = json.dumps(body, sort_keys=True)
            queued += uow.webhooks.enqueue(endpoint.id, event_id, "lead.updated", payload, now)
    return queued


def lead_event_body(event_id: str, lead: Lead, now: datetime) -> dict[str, object]:
    channel = lead.channel
    return {
        "id": event_id,
        "type": "lead.updated",
        "created_at": now.isoformat(),
        "data": {
            "lead_id": lead.id,
            "site_id": lead.site_id,
            "type": lead.type.value,
            "at": lead.at.isoformat(),
            "status": lead.status.value,
            "value": lead.value,
            "notes": lead.notes,
            "visit_id": lead.visit_id,
            "call_id": lead.call_id,
            "channel": channel.__dict__ if channel else None,
        },
    }
