"""Known crawlers by user agent: they get the site's own number and hold no lease."""

from __future__ import annotations

import re

_BOT = re.compile(
    r"bot\b|crawler|spider|slurp|bingpreview|facebookexternalhit|lighthouse|"
    r"pagespeed|ahrefs|semrush|mj12|yandex(bot|images|metrika)|baiduspider|duckduckbot|"
    r"applebot|petalbot|bytespider|gptbot|ccbot|python-requests|curl/|wget/|go-http-client",
    re.IGNORECASE,
)


def is_bot(user_agent: str | None) -> bool:
    """True for a crawler's user agent; an empty one is not taken as proof of anything."""
    return bool(user_agent) and _BOT.search(user_agent or "") is not None
