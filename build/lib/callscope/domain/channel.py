"""Marketing channels and how a visit's channel is read from its landing URL and referrer."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Channel:
    """Where a call or visit came from, in the words marketers use (utm_* names)."""

    source: str = "(direct)"
    medium: str = "(none)"
    campaign: str | None = None
    term: str | None = None


DIRECT = Channel()

# Click ids mark a paid click even without utm tags; the order is the precedence.
CLICK_IDS: tuple[tuple[str, str, str], ...] = (
    ("gclid", "google", "cpc"),
    ("gbraid", "google", "cpc"),
    ("wbraid", "google", "cpc"),
    ("yclid", "yandex", "cpc"),
    ("msclkid", "bing", "cpc"),
    ("fbclid", "facebook", "paid-social"),
)

# Search engines: (host fragment, source name, query parameters that carry the search terms).
SEARCH_ENGINES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("google.", "google", ("q",)),
    ("bing.com", "bing", ("q",)),
    ("yandex.", "yandex", ("text",)),
    ("ya.ru", "yandex", ("text",)),
    ("duckduckgo.com", "duckduckgo", ("q",)),
    ("baidu.com", "baidu", ("wd", "word")),
    ("search.yahoo.", "yahoo", ("p",)),
    ("yahoo.", "yahoo", ("p",)),
)

SOCIAL_NETWORKS: tuple[tuple[str, str], ...] = (
    ("facebook.com", "facebook"),
    ("fb.com", "facebook"),
    ("instagram.com", "instagram"),
    ("t.co", "twitter"),
    ("twitter.com", "twitter"),
    ("x.com", "twitter"),
    ("linkedin.com", "linkedin"),
    ("lnkd.in", "linkedin"),
    ("vk.com", "vk"),
    ("ok.ru", "odnoklassniki"),
    ("youtube.com", "youtube"),
    ("tiktok.com", "tiktok"),
    ("pinterest.", "pinterest"),
    ("reddit.com", "reddit"),
)


@dataclass(frozen=True)
class Detection:
    """The channel of a visit and the click ids found on its landing URL."""

    channel: Channel
    click_ids: dict[str, str] = field(default_factory=dict)


def detect_channel(landing_url: str, referrer: str | None) -> Detection:
    """utm_* tags first, then click ids, then the referrer (search, social, referral),
    else direct."""
    params = _query(landing_url)
    click_ids = {name: params[name] for name, _, _ in CLICK_IDS if params.get(name)}
    tagged = _from_utm(params, click_ids)
    if tagged is not None:
        return Detection(tagged, click_ids)
    for name, source, medium in CLICK_IDS:
        if name in click_ids:
            return Detection(Channel(source, medium), click_ids)
    return Detection(_from_referrer(referrer, landing_url), click_ids)


def is_paid_click(landing_url: str) -> bool:
    """A landing URL that starts a new paid touch (it overrides a stored first touch)."""
    params = _query(landing_url)
    return any(params.get(name) for name, _, _ in CLICK_IDS) or any(
        key.startswith("utm_") and value for key, value in params.items()
    )


def _from_utm(params: dict[str, str], click_ids: dict[str, str]) -> Channel | None:
    source = params.get("utm_source")
    if not source:
        return None
    medium = params.get("utm_medium") or _implied_medium(click_ids)
    return Channel(
        source=source.lower(),
        medium=medium.lower(),
        campaign=params.get("utm_campaign") or None,
        term=params.get("utm_term") or None,
    )


def _implied_medium(click_ids: dict[str, str]) -> str:
    for name, _, medium in CLICK_IDS:
        if name in click_ids:
            return medium
    return "(not set)"


def _from_referrer(referrer: str | None, landing_url: str) -> Channel:
    host = _host(referrer)
    if not host or host == _host(landing_url):
        return DIRECT
    for fragment, source, query_keys in SEARCH_ENGINES:
        if _host_matches(host, fragment):
            params = _query(referrer or "")
            term = next((params[k] for k in query_keys if params.get(k)), None)
            return Channel(source, "organic", term=term)
    for fragment, source in SOCIAL_NETWORKS:
        if _host_matches(host, fragment):
            return Channel(source, "social")
    return Channel(host.removeprefix("www."), "referral")


def _host_matches(host: str, fragment: str) -> bool:
    if fragment.endswith("."):
        labels = host.split(".")
        return fragment[:-1] in labels[:-1]
    return host == fragment or host.endswith("." + fragment)


def _host(url: str | None) -> str:
    if not url:
        return ""
    try:
        return (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""


def _query(url: str) -> dict[str, str]:
    try:
        parsed = parse_qs(urlsplit(url.strip()).query, keep_blank_values=False)
    except ValueError:
        return {}
    return {key.lower(): values[0].strip() for key, values in parsed.items() if values}
