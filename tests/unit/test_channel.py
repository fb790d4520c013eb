"""Channel detection, table-driven: utm first, click ids, search, social, referral, direct."""

from __future__ import annotations

import pytest

from callscope.domain.channel import Channel, detect_channel, is_paid_click

SITE = "https://northside.example/boilers"

CASES = [
    (
        f"{SITE}?utm_source=Google&utm_medium=CPC&utm_campaign=winter&utm_term=boiler+repair",
        "",
        Channel("google", "cpc", "winter", "boiler repair"),
    ),
    (f"{SITE}?utm_source=newsletter", "", Channel("newsletter", "(not set)")),
    (f"{SITE}?utm_source=google&gclid=abc", "", Channel("google", "cpc")),
    (f"{SITE}?gclid=EAIaIQ", "https://www.google.com/", Channel("google", "cpc")),
    (f"{SITE}?yclid=123", "", Channel("yandex", "cpc")),
    (f"{SITE}?msclkid=9f", "https://www.bing.com/", Channel("bing", "cpc")),
    (f"{SITE}?fbclid=IwAR", "https://l.facebook.com/", Channel("facebook", "paid-social")),
    (
        SITE,
        "https://www.google.co.uk/search?q=boiler+repair+leeds",
        Channel("google", "organic", term="boiler repair leeds"),
    ),
    (SITE, "https://www.google.com/", Channel("google", "organic")),
    (SITE, "https://www.bing.com/search?q=plumber", Channel("bing", "organic", term="plumber")),
    (SITE, "https://yandex.ru/search/?text=котёл", Channel("yandex", "organic", term="котёл")),
    (SITE, "https://duckduckgo.com/?q=heating", Channel("duckduckgo", "organic", term="heating")),
    (SITE, "https://www.baidu.com/s?wd=boiler", Channel("baidu", "organic", term="boiler")),
    (SITE, "https://search.yahoo.com/search?p=boiler", Channel("yahoo", "organic", term="boiler")),
    (SITE, "https://t.co/abc", Channel("twitter", "social")),
    (SITE, "https://www.linkedin.com/feed/", Channel("linkedin", "social")),
    (SITE, "https://m.facebook.com/", Channel("facebook", "social")),
    (SITE, "https://www.nextdoor.com/recs", Channel("nextdoor.com", "referral")),
    (SITE, "https://northside.example/other-page", Channel()),
    (SITE, "", Channel()),
    (SITE, None, Channel()),
    ("not a url at all", "::::", Channel()),
]


@pytest.mark.parametrize(("landing", "referrer", "expected"), CASES)
def test_detect_channel(landing: str, referrer: str | None, expected: Channel) -> None:
    assert detect_channel(landing, referrer).channel == expected


def test_click_ids_are_kept_alongside_utm_tags() -> None:
    found = detect_channel(f"{SITE}?utm_source=google&utm_medium=cpc&gclid=G1&msclkid=M1", "")
    assert found.click_ids == {"gclid": "G1", "msclkid": "M1"}


def test_a_host_that_merely_contains_a_search_engine_name_is_a_referral() -> None:
    assert detect_channel(SITE, "https://notgoogle.example.com/").channel == Channel(
        "notgoogle.example.com", "referral"
    )


@pytest.mark.parametrize(
    ("url", "paid"),
    [
        (f"{SITE}?gclid=1", True),
        (f"{SITE}?utm_medium=email", True),
        (SITE, False),
        (f"{SITE}?page=2", False),
    ],
)
def test_is_paid_click(url: str, paid: bool) -> None:
    assert is_paid_click(url) is paid
