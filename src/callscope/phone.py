"""Phone numbers: reading any written form into E.164, display formats, and masking for logs."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers

from callscope.domain.errors import InvalidInput


def to_e164(raw: str, region: str = "US") -> str:
    """Read a number as a person or a telephony platform writes it; InvalidInput if none."""
    return _e164(raw or "", region)


# Telephony asks about the same tracking numbers (and often the same callers) over and over,
# and parsing costs more than the rest of a route answer; a refused text is not kept.
@lru_cache(maxsize=4096)
def _e164(raw: str, region: str) -> str:
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    elif text.isdigit() and len(text) > 10 and region.upper() == "US" and not text.startswith("1"):
        # SIP user parts carry international numbers without the +.
        text = "+" + text
    try:
        parsed = phonenumbers.parse(text, region.upper())
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(f"not a phone number: {mask(text)}") from exc
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidInput(f"not a possible phone number: {mask(text)}")
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


def maybe_e164(raw: str | None, region: str = "US") -> str | None:
    """E.164 when the text is a number, else None (withheld caller ids, 'anonymous', SIP names)."""
    if not raw:
        return None
    try:
        return to_e164(raw, region)
    except InvalidInput:
        return None


@lru_cache(maxsize=4096)  # the numbers shown repeat; parsing costs more than a visit query
def display(e164: str) -> str:
    """The number as its own country writes it, e.g. (555) 010-0142 or 020 7946 0958."""
    parsed = phonenumbers.parse(e164, None)
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL))


def mask(number: str | None) -> str:
    """Keep the country and area prefix and the last four digits: +1555***4567."""
    if not number:
        return "-"
    digits = number.lstrip("+")
    if len(digits) <= 6:
        return "***"
    prefix = "+" if number.startswith("+") else ""
    return f"{prefix}{digits[:4]}***{digits[-4:]}"
