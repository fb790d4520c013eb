"""A visit's journey: the pages the visitor read, and the visitor's earlier visits.

Page addresses keep only what attribution needs: the path, utm_* tags and click ids. Every other
query parameter (search terms typed into the site, e-mail addresses in links, session tokens)
and the fragment are dropped before anything is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from callscope.domain.channel import CLICK_IDS

MAX_PAGES = 50  # page views a visit keeps beyond its landing page
MAX_TITLE = 300
VISITOR_WINDOW_DAYS = 30  # a visitor's earlier visits count as touches this long (the snippet's)
_CLICK_NAMES = frozenset(name for name, _, _ in CLICK_IDS)


@dataclass(frozen=True)
class PageView:
    url: str
    title: str | None
    at: datetime


def kept_param(name: str) -> bool:
    return name.startswith("utm_") or name in _CLICK_NAMES


def clean_url(url: str) -> str:
    """`url` without its fragment and without query parameters other than utm_* and click ids."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if kept_param(k)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(query), ""))


def clean_title(title: str | None) -> str | None:
    if title is None:
        return None
    return " ".join(title.split())[:MAX_TITLE] or None


def page_view(
    url: str, title: str | None, at: datetime, since: datetime, now: datetime
) -> PageView:
    """A page view as stored: a clean address and title, its moment kept within the visit (a
    browser's clock may be off)."""
    return PageView(clean_url(url), clean_title(title), min(max(at, since), now))


def room_for(kept: int, offered: int) -> int:
    """How many of `offered` new page views a visit that keeps `kept` may still take."""
    return max(0, min(offered, MAX_PAGES - kept))


def journey_until(pages: list[PageView], until: datetime | None) -> list[PageView]:
    """The pages read up to a moment (a lead's): what the visitor saw before calling."""
    ordered = sorted(pages, key=lambda p: p.at)
    return ordered if until is None else [p for p in ordered if p.at <= until]
