"""Accounts, their sites, and the tracking numbers each site owns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from callscope.domain.channel import Channel
from callscope.domain.flows import Flow


class NumberKind(StrEnum):
    """Static numbers stand for one channel; pool numbers are leased per visit; extension
    numbers are shared and tell visits apart by a short code the caller types."""

    STATIC = "static"
    POOL = "pool"
    EXTENSION = "extension"


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    created_at: datetime


@dataclass(frozen=True)
class ApiKey:
    """An API key as it may be shown after creation: never the key itself, only its prefix."""

    id: int
    prefix: str
    scope: str
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class Workspace:
    """A client workspace of an account (an agency's client): some of the account's sites,
    and the people granted them, who see nothing else."""

    id: int
    account_id: int
    name: str


@dataclass(frozen=True)
class Site:
    id: int
    account_id: int
    name: str
    site_key: str
    forward_to: str
    allowed_origins: tuple[str, ...] = ()
    replace_numbers: tuple[str, ...] = ()
    timezone: str = "UTC"
    redact: bool = True  # mask sensitive spans in transcripts and silence them in playback
    # Form capture: field names a lead keeps (all when empty) and never keeps; secrets never.
    form_allow: tuple[str, ...] = ()
    form_deny: tuple[str, ...] = ()
    # The snippet stores no ids until the visitor consents (window.callscope.consent(true)).
    consent_required: bool = False
    workspace_id: int | None = None  # an agency's client workspace, if the site is in one

    def numbers_to_replace(self) -> list[str]:
        """The site's own numbers the snippet swaps: its main number first, then any others."""
        return list(dict.fromkeys((self.forward_to, *self.replace_numbers)))

    def allows_origin(self, origin: str | None) -> bool:
        """No list means any origin may ask for numbers (the snippet is public by nature)."""
        if not self.allowed_origins:
            return True
        return origin is not None and origin.rstrip("/") in self.allowed_origins


@dataclass(frozen=True)
class TrackingNumber:
    id: int
    site_id: int
    number: str
    kind: NumberKind
    channel: Channel | None = None
    forward_to: str | None = None
    created_at: datetime | None = field(default=None, compare=False)

    def agent_number(self, site: Site) -> str:
        """Where calls to this number are forwarded: its own target, else the site's."""
        return self.forward_to or site.forward_to


@dataclass(frozen=True)
class RouteEntry:
    """What routing needs to know of a tracking number: whose it is and where calls go."""

    number_id: int
    site_id: int
    kind: NumberKind
    agent_number: str
    account_id: int = 0
    flow: Flow | None = None  # the number's own flow, else its site's; None: no flow
    flow_number_id: int = 0  # whose flow it is (0: the site's), for its round-robin counter
