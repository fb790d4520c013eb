"""Leads: every call, form submission and text a site receives, in one inbox a person triages.

Form fields are filtered before anything is stored: passwords, card numbers and other secrets
never reach the database, whatever a site's allow list says."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from callscope.domain.channel import Channel


class LeadType(StrEnum):
    CALL = "call"
    FORM = "form"
    TEXT = "text"


class LeadStatus(StrEnum):
    NEW = "new"
    CONTACTED = "contacted"
    WON = "won"
    LOST = "lost"


@dataclass(frozen=True)
class Lead:
    id: str
    site_id: int
    type: LeadType
    at: datetime
    visit_id: str | None = None
    channel: Channel | None = None
    status: LeadStatus = LeadStatus.NEW
    value: float | None = None
    notes: str | None = None
    call_id: str | None = None  # the call (type call) or message (type text) it stands for
    submission_id: str | None = None
    form_id: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    contact: str | None = None  # the caller's or texter's number
    journey_length: int = 0  # pages read up to the lead (filled in when listed)


@dataclass(frozen=True)
class LeadChange:
    """What a person changes on a lead; fields not in `fields` stay as they are."""

    fields: frozenset[str]
    status: LeadStatus | None = None
    value: float | None = None
    notes: str | None = None


def changed(lead: Lead, change: LeadChange) -> Lead:
    return replace(
        lead,
        status=change.status if "status" in change.fields and change.status else lead.status,
        value=change.value if "value" in change.fields else lead.value,
        notes=change.notes if "notes" in change.fields else lead.notes,
    )


# Field names that always hold secrets or payment data: whole words of the name...
_SECRET_WORDS = frozenset(
    [
        "password",
        "passwd",
        "pass",
        "pwd",
        "pin",
        "passcode",
        "passphrase",
        "secret",
        "token",
        "otp",
        "csrf",
        "captcha",
        "card",
        "cc",
        "ccnum",
        "cvv",
        "cvc",
        "cv2",
        "csc",
        "expiry",
        "exp",
        "iban",
        "ssn",
    ]
)
# ...or these anywhere in it (separators removed).
_SECRET_PARTS = (
    "password",
    "passwd",
    "creditcard",
    "cardnumber",
    "cardnum",
    "ccnumber",
    "cvv",
    "cvc",
    "securitycode",
    "accountnumber",
    "routingnumber",
    "sortcode",
    "socialsecurity",
)
_CARD_DIGITS = re.compile(r"^[\d\s-]{12,23}$")
MAX_FIELDS = 30
MAX_NAME = 64
MAX_VALUE = 2000


def is_secret_name(name: str) -> bool:
    words = re.sub(r"([a-z])([A-Z])", r"\1 \2", name).lower()
    if any(w in _SECRET_WORDS for w in re.split(r"[^a-z0-9]+", words)):
        return True
    flat = re.sub(r"[^a-z0-9]", "", name.lower())
    return any(part in flat for part in _SECRET_PARTS)


def looks_like_card(value: str) -> bool:
    """A card number: 13-19 digits (spaces or dashes allowed) passing the Luhn check."""
    if not _CARD_DIGITS.match(value):
        return False
    digits = [int(c) for c in value if c.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, digit in enumerate(reversed(digits)):
        if i % 2:
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return total % 10 == 0


def kept_fields(
    fields: dict[str, str], allow: tuple[str, ...] = (), deny: tuple[str, ...] = ()
) -> dict[str, str]:
    """The fields a lead keeps: named in `allow` when it is not empty, not in `deny`, never a
    secret by name or a card number by value."""
    allowed = {a.lower() for a in allow}
    denied = {d.lower() for d in deny}
    kept: dict[str, str] = {}
    for name, value in fields.items():
        key = name.lower()
        if (allowed and key not in allowed) or key in denied:
            continue
        if is_secret_name(name) or looks_like_card(value):
            continue
        kept[name[:MAX_NAME]] = value[:MAX_VALUE]
        if len(kept) >= MAX_FIELDS:
            break
    return kept
