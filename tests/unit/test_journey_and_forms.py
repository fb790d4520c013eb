"""The pure rules of journeys and form leads: what a page address keeps, and which form fields
a lead may keep (never secrets, whatever a site allows)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from callscope.domain.channel import Channel
from callscope.domain.credit import Model, credit, weights
from callscope.domain.journey import MAX_PAGES, clean_title, clean_url, page_view, room_for
from callscope.domain.leads import is_secret_name, kept_fields, looks_like_card


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://a.test/p?q=1&utm_source=x#frag", "https://a.test/p?utm_source=x"),
        ("https://a.test/p?gclid=1&fbclid=2&token=3", "https://a.test/p?gclid=1&fbclid=2"),
        ("https://a.test", "https://a.test/"),
        ("https://a.test/a/b?email=me%40x.test", "https://a.test/a/b"),
        ("https://a.test/p?utm_campaign=spring+sale", "https://a.test/p?utm_campaign=spring+sale"),
    ],
)
def test_a_page_address_keeps_only_its_path_utm_tags_and_click_ids(url: str, kept: str) -> None:
    assert clean_url(url) == kept


def test_titles_are_trimmed_and_page_times_kept_within_the_visit() -> None:
    assert clean_title("  a \n  b ") == "a b"
    assert clean_title("   ") is None
    assert clean_title("x" * 1000) == "x" * 300
    start = datetime(2026, 1, 1, tzinfo=UTC)
    now = start + timedelta(hours=1)
    assert page_view("https://a.test/", None, start - timedelta(days=1), start, now).at == start
    assert page_view("https://a.test/", None, now + timedelta(days=1), start, now).at == now


def test_a_visit_takes_page_views_until_its_bound() -> None:
    assert room_for(0, 5) == 5
    assert room_for(MAX_PAGES - 2, 5) == 2
    assert room_for(MAX_PAGES, 5) == 0
    assert room_for(MAX_PAGES + 3, 5) == 0


@pytest.mark.parametrize(
    "name",
    [
        "password",
        "Password2",
        "user_pass",
        "newPassword",
        "pwd",
        "pin",
        "cc-number",
        "cardNumber",
        "card_cvc",
        "cvv",
        "credit_card",
        "security-code",
        "iban",
        "ssn",
        "csrf_token",
        "otp",
    ],
)
def test_secret_field_names_are_recognised(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name", ["name", "email", "phone", "shipping_address", "company", "message", "spinner", "topic"]
)
def test_ordinary_field_names_are_not_secrets(name: str) -> None:
    assert not is_secret_name(name)


def test_card_numbers_are_recognised_by_their_checksum() -> None:
    assert looks_like_card("4111 1111 1111 1111")
    assert looks_like_card("5500-0000-0000-0004")
    assert not looks_like_card("4111 1111 1111 1112")  # fails Luhn
    assert not looks_like_card("+1 555 010 0199")
    assert not looks_like_card("12345")


def test_kept_fields_follow_the_sites_lists_but_never_keep_secrets() -> None:
    fields = {"name": "Ann", "Email": "a@x.test", "password": "p", "note": "4111111111111111"}
    assert kept_fields(fields) == {"name": "Ann", "Email": "a@x.test"}
    assert kept_fields(fields, allow=("email", "password")) == {"Email": "a@x.test"}
    assert kept_fields(fields, deny=("NAME",)) == {"Email": "a@x.test"}


def test_model_weights_share_one_credit() -> None:
    fb, direct, google = Channel("fb", "social"), Channel(), Channel("google", "cpc")
    path = [fb, direct, direct, google]
    assert weights(Model.FIRST_TOUCH, path) == [1, 0, 0, 0]
    assert weights(Model.LAST_TOUCH, path) == [0, 0, 0, 1]
    assert weights(Model.LAST_NON_DIRECT, [fb, google, direct]) == [0, 1, 0]
    assert weights(Model.LAST_NON_DIRECT, [direct, direct]) == [0, 1]
    assert weights(Model.LINEAR, path) == [0.25] * 4
    assert weights(Model.POSITION_BASED, path) == pytest.approx([0.4, 0.1, 0.1, 0.4])
    assert weights(Model.POSITION_BASED, [fb, google]) == [0.5, 0.5]
    assert weights(Model.POSITION_BASED, [fb]) == [1.0]
    for model in Model:
        assert sum(weights(model, path)) == pytest.approx(1)
        assert credit(model, [], "source") == {None: 1.0}
    assert credit(Model.LINEAR, path, "source") == {"fb": 0.25, "(direct)": 0.5, "google": 0.25}
