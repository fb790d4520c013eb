"""Numbers to buy from a telephony platform: what a search asks and what it finds."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NumberSearch:
    country: str = "US"
    area_code: str | None = None
    contains: str | None = None
    limit: int = 20


@dataclass(frozen=True)
class AvailableNumber:
    number: str
    friendly_name: str
    locality: str | None = None
    region: str | None = None
    country: str | None = None
