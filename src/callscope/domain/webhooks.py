"""Webhook endpoints a site registered and the deliveries queued for them (the outbox)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Endpoint:
    id: int
    site_id: int
    url: str
    secret: str
    events: tuple[str, ...]


@dataclass(frozen=True)
class Delivery:
    id: int
    endpoint: Endpoint
    event_id: str
    event_type: str
    payload: str
    attempts: int
    delivered_at: datetime | None = None
    last_error: str | None = None
