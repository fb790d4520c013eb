"""The URL a Twilio signature covers: the configured public base, the path and raw query."""

from __future__ import annotations

from callscope.telephony.twilio_signature import signed_url


def test_the_signed_url_joins_base_path_and_query_as_twilio_saw_them() -> None:
    assert signed_url("https://calls.example/", "/v1/twilio/voice", "") == (
        "https://calls.example/v1/twilio/voice"
    )
    assert signed_url("https://calls.example", "/v1/twilio/whisper", "call=CA1&x=%2B1") == (
        "https://calls.example/v1/twilio/whisper?call=CA1&x=%2B1"
    )
    # Only trailing slashes go: a base ending in other characters is kept whole.
    assert signed_url("https://proxy.example/TX//", "/v1/twilio/voice", "") == (
        "https://proxy.example/TX/v1/twilio/voice"
    )
