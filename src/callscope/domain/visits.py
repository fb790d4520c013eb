"""Visits to a site and the leases that bind a tracking number (or an extension code) to them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from callscope.domain.channel import Channel


class VisitMode(StrEnum):
    """What the visitor was shown: a leased pool number, a shared number with a code, a
    static channel number, or the site's own number (nothing to attribute by)."""

    POOL = "pool"
    EXTENSION = "extension"
    STATIC = "static"
    NONE = "none"


@dataclass(frozen=True)
class Visit:
    id: str
    site_id: int
    started_at: datetime
    landing_url: str
    referrer: str | None
    channel: Channel
    visitor_id: str | None = None
    user_agent: str | None = None
    click_ids: dict[str, str] = field(default_factory=dict)
    ga_client_id: str | None = None
    mode: VisitMode = VisitMode.NONE
    number_id: int | None = None
    ext: str | None = None
    expires_at: datetime | None = None
    last_seen_at: datetime | None = None
    reason: str | None = None
    client: str | None = None  # a salted hash of the visitor's address, for abuse limits
    landing_title: str | None = None


@dataclass(frozen=True)
class Lease:
    """A number (and, for extension numbers, a code) bound to a visit from `started_at`
    until `expires_at`; heartbeats move `expires_at` forward."""

    number_id: int
    visit_id: str
    started_at: datetime
    expires_at: datetime
    ext: str | None = None

    def is_live(self, now: datetime) -> bool:
        return self.started_at <= now < self.expires_at


def lease_end(now: datetime, lease_seconds: int) -> datetime:
    """A lease lasts `lease_seconds` after the latest sign of the visitor."""
    return now + timedelta(seconds=lease_seconds)
