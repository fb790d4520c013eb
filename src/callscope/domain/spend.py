"""Ad spend: what a channel cost on one local day, as imported from an ad platform's export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class SpendEntry:
    """What a channel cost on one local day; campaign and term may be left out."""

    day: date
    source: str
    medium: str
    amount_cents: int
    currency: str
    campaign: str | None = None
    term: str | None = None
