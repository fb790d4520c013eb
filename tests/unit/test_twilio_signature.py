"""Twilio's signature check as pure translation: the URL signed, the header read, the subject."""

from __future__ import annotations

from twilio.request_validator import RequestValidator

from callscope.telephony.twilio.signature import is_valid, signature_of, signed_url, subject

URL = "https://calls.example.com/v1/twilio/voice"
FORM = {"CallSid": "CA1", "To": "+15550100201", "From": "+12125550123"}


def test_the_signed_url_is_the_public_base_with_the_path_and_raw_query() -> None:
    assert signed_url("https://calls.example.com/", "/v1/twilio/voice", "") == URL
    whisper = signed_url("https://calls.example.com", "/v1/twilio/whisper", "call=CA1")
    assert whisper == "https://calls.example.com/v1/twilio/whisper?call=CA1"


def test_the_twilio_header_is_read_first_then_the_signalwire_one() -> None:
    assert signature_of({"X-Twilio-Signature": "a", "X-SignalWire-Signature": "b"}) == "a"
    assert signature_of({"X-SignalWire-Signature": "b"}) == "b"
    assert signature_of({}) == ""


def test_a_signature_is_valid_only_with_the_token_that_made_it() -> None:
    signed = RequestValidator("token-one").compute_signature(URL, FORM)
    assert is_valid("token-one", URL, FORM, signed)
    assert not is_valid("token-two", URL, FORM, signed)
    assert not is_valid(None, URL, FORM, signed)
    assert not is_valid("token-one", URL, {**FORM, "To": "+15550100202"}, signed)


def test_the_subject_is_the_dialed_number_and_call_except_on_the_whisper() -> None:
    assert subject("/v1/twilio/voice", {}, FORM, "US") == ("+15550100201", "CA1")
    agent_leg = {"CallSid": "CA2", "To": "+15550100199"}
    assert subject("/v1/twilio/whisper", {"call": "CA1"}, agent_leg, "US") == (None, "CA1")


def test_only_trailing_slashes_of_the_base_go_and_the_raw_query_is_kept() -> None:
    assert signed_url("https://calls.example", "/v1/twilio/whisper", "call=CA1&x=%2B1") == (
        "https://calls.example/v1/twilio/whisper?call=CA1&x=%2B1"
    )
    assert signed_url("https://proxy.example/TX//", "/v1/twilio/voice", "") == (
        "https://proxy.example/TX/v1/twilio/voice"
    )
