"""Phone numbers: E.164 in, national display out, masked in logs."""

from __future__ import annotations

import logging

import pytest

from callscope.domain.errors import InvalidInput
from callscope.logs import log_event
from callscope.phone import display, mask, maybe_e164, to_e164


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("(555) 010-0199", "US", "+15550100199"),
        ("555.010.0199", "US", "+15550100199"),
        ("1 555 010 0199", "US", "+15550100199"),
        ("+44 20 7946 0958", "US", "+442079460958"),
        ("0044 20 7946 0958", "US", "+442079460958"),
        ("8 (495) 123-45-67", "RU", "+74951234567"),
        ("442079460958", "US", "+442079460958"),
    ],
)
def test_to_e164(raw: str, region: str, e164: str) -> None:
    assert to_e164(raw, region) == e164


@pytest.mark.parametrize("raw", ["", "abc", "12", "+1 555"])
def test_not_a_number_is_invalid_input(raw: str) -> None:
    with pytest.raises(InvalidInput):
        to_e164(raw)
    assert maybe_e164(raw) is None


def test_display_and_mask() -> None:
    assert display("+15550100199") == "(555) 010-0199"
    assert mask("+15550104567") == "+1555***4567"
    assert mask(None) == "-"


def test_log_events_mask_phone_numbers(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="callscope"):
        log_event("route", dialed="+15550100201", caller="+12125550123", agent="+15550100199")
    text = caplog.text
    assert "+15550100201" not in text and "+12125550123" not in text
    assert "+1555***0201" in text and "+1212***0123" in text
