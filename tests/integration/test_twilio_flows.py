"""Call flows on Twilio, on SQLite and PostgreSQL: signed webhooks, TwiML built by the official
library and parsed here, for simultaneous ring, in order with fallbacks to voicemail, after
hours, the "press 1" gate, and a blocked caller."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from callscope.entrypoints.http.deps import get_now
from tests.integration.test_twilio import (  # the fixture and helpers of the Twilio tests
    CALLER,
    PUBLIC,
    Twilio,
    incoming,
    twilio,
    twiml,
)

__all__ = ["twilio"]  # the fixture, used by name
NUMBER = "+15550100201"
A, B = "+15550100301", "+15550100302"
SIP = "sip:carol@pbx.example.com"
OPEN = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)  # Friday 10:00 in New York
NIGHT = datetime(2026, 3, 7, 3, 0, tzinfo=UTC)  # Friday 22:00 in New York
WEEKDAYS = [{"day": d, "opens": "09:00", "closes": "17:00"} for d in ("mon", "tue", "wed", "thu")]
WEEKDAYS.append({"day": "fri", "opens": "09:00", "closes": "17:00"})


def with_flow(twilio: Twilio, flow: dict[str, Any], moment: datetime = OPEN) -> int:
    site_id, _ = twilio.site((NUMBER, "static"))
    put = twilio.client.put(
        f"/v1/sites/{site_id}/flow",
        headers=twilio.admin,
        json={"time_zone": "America/New_York", **flow},
    )
    assert put.status_code == 200, put.text
    twilio.client.app.dependency_overrides[get_now] = lambda: moment  # type: ignore[attr-defined]
    return site_id


def query(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == PUBLIC
    return {k: v[0] for k, v in parse_qs(parts.query).items()}


def dial_status(twilio: Twilio, dial: ET.Element, status: str, **extra: str) -> ET.Element:
    """Post the `<Dial action>` callback as Twilio would, to the very URL the TwiML gave."""
    action = urlsplit(dial.attrib["action"])
    params = incoming(DialCallStatus=status, **extra)
    return twiml(twilio.post(action.path, params, query=action.query))


def test_simultaneous_ring_dials_every_target_after_the_notice(twilio: Twilio) -> None:
    with_flow(
        twilio,
        {
            "targets": [A, SIP],
            "strategy": "simultaneous",
            "ring_seconds": [15, 25],
            "announcement": {"text": "This call is recorded.", "language": "en-GB"},
            "record": True,
        },
    )
    answer = twiml(twilio.post("/v1/twilio/voice", incoming(To=NUMBER)))
    assert [child.tag for child in answer] == ["Say", "Dial"]
    say, dial = answer
    assert (say.text, say.attrib["language"]) == ("This call is recorded.", "en-GB")
    assert dial.attrib["timeout"] == "25"
    assert dial.attrib["record"] == "record-from-answer-dual"
    assert query(dial.attrib["action"]) == {"step": "1", "turn": "0"}
    assert [(c.tag, c.text) for c in dial] == [("Number", A), ("Sip", SIP)]
    assert all(c.attrib["url"] == f"{PUBLIC}/v1/twilio/whisper?call=CA100" for c in dial)


def test_in_order_rings_each_target_then_the_fallback_number_then_voicemail(
    twilio: Twilio,
) -> None:
    site_id = with_flow(
        twilio,
        {
            "targets": [A, B],
            "strategy": "in_order",
            "ring_seconds": [10, 12],
            "no_answer": {"action": "number", "number": "+15550100399"},
            "announcement": {"audio_url": "https://cdn.example/notice.mp3"},
        },
    )
    answer = twiml(twilio.post("/v1/twilio/voice", incoming(To=NUMBER)))
    assert [child.tag for child in answer] == ["Play", "Dial"]
    assert answer[0].text == "https://cdn.example/notice.mp3"
    first = answer[1]
    assert [(c.tag, c.text) for c in first] == [("Number", A)]
    assert (first.attrib["timeout"], first.attrib["record"]) == ("10", "do-not-record")

    second = dial_status(twilio, first, "busy", To=NUMBER)
    (dial,) = second
    assert [(c.tag, c.text) for c in dial] == [("Number", B)]
    assert dial.attrib["timeout"] == "12"
    assert twilio.calls(site_id)[0]["status"] == "ringing"  # busy A was not the end

    third = dial_status(twilio, dial, "no-answer", To=NUMBER)
    (fallback,) = third
    assert [(c.tag, c.text) for c in fallback] == [("Number", "+15550100399")]

    answered = dial_status(twilio, fallback, "completed", To=NUMBER, DialCallDuration="30")
    assert [child.tag for child in answered] == ["Hangup"]
    (call,) = twilio.calls(site_id)
    assert (call["status"], call["duration"]) == ("completed", 30)


def test_nobody_answers_so_the_caller_leaves_a_voicemail(twilio: Twilio) -> None:
    site_id = with_flow(
        twilio,
        {"targets": [A], "strategy": "in_order", "voicemail": {"greeting": "Leave a message."}},
    )
    (dial,) = twiml(twilio.post("/v1/twilio/voice", incoming(To=NUMBER)))
    mailbox = dial_status(twilio, dial, "no-answer", To=NUMBER)
    assert [child.tag for child in mailbox] == ["Say", "Record"]
    assert mailbox[0].text == "Leave a message."
    record = mailbox[1]
    assert record.attrib["maxLength"] == "120"
    assert record.attrib["action"] == f"{PUBLIC}/v1/twilio/voicemail"
    assert record.attrib["recordingStatusCallback"] == f"{PUBLIC}/v1/twilio/recording"
    (call,) = twilio.calls(site_id)
    assert call["status"] == "missed"

    done = twilio.post("/v1/twilio/voicemail", incoming(To=NUMBER, RecordingUrl="https://r/1"))
    assert [child.tag for child in twiml(done)] == ["Hangup"]
    message = {"CallSid": "CA100", "RecordingUrl": "https://r/1", "RecordingStatus": "completed"}
    assert twilio.post("/v1/twilio/recording", message).status_code == 204
    (call,) = twilio.calls(site_id)
    assert (call["status"], call["record_url"]) == ("missed", "https://r/1")


def test_after_hours_goes_straight_to_voicemail(twilio: Twilio) -> None:
    site_id = with_flow(
        twilio,
        {"targets": [A], "hours": WEEKDAYS, "voicemail": {"greeting": "We are closed."}},
        moment=NIGHT,
    )
    answer = twiml(twilio.post("/v1/twilio/voice", incoming(To=NUMBER)))
    assert [child.tag for child in answer] == ["Say", "Record"]
    assert answer[0].text == "We are closed."
    assert twilio.calls(site_id)[0]["status"] == "ringing"
    left = twilio.post("/v1/twilio/voicemail", incoming(To=NUMBER, RecordingUrl="https://r/2"))
    assert [child.tag for child in twiml(left)] == ["Hangup"]
    (call,) = twilio.calls(site_id)
    assert (call["status"], call["failure_reason"]) == ("missed", "voicemail")


def test_a_withheld_caller_must_press_1(twilio: Twilio) -> None:
    with_flow(twilio, {"targets": [A], "spam": {"anonymous": "gate"}})
    answer = twiml(twilio.post("/v1/twilio/voice", incoming(To=NUMBER, From="anonymous")))
    assert [child.tag for child in answer] == ["Gather", "Hangup"]
    gather = answer[0]
    assert gather.attrib["numDigits"] == "1"
    assert urlsplit(gather.attrib["action"]).path == "/v1/twilio/gate"
    action = urlsplit(gather.attrib["action"])
    pressed = twilio.post(
        action.path, incoming(To=NUMBER, From="anonymous", Digits="1"), query=action.query
    )
    assert [child.tag for child in twiml(pressed)] == ["Dial"]
    other = twilio.post(
        action.path, incoming(To=NUMBER, From="anonymous", Digits="7"), query=action.query
    )
    assert [child.tag for child in twiml(other)] == ["Hangup"]
    # A caller with a number is not asked.
    plain = twiml(twilio.post("/v1/twilio/voice", incoming("CA101", To=NUMBER)))
    assert [child.tag for child in plain] == ["Dial"]


def test_a_blocked_caller_is_rejected_and_stored_as_spam(twilio: Twilio) -> None:
    site_id = with_flow(twilio, {"targets": [A]})
    listed = twilio.client.post(
        "/v1/blocklist", headers=twilio.admin, json={"number": CALLER, "reason": "robocaller"}
    )
    assert listed.status_code == 201, listed.text
    answer = twiml(twilio.post("/v1/twilio/voice", incoming(To=NUMBER)))
    assert [child.tag for child in answer] == ["Reject"]
    (call,) = twilio.calls(site_id)
    assert (call["call_id"], call["status"]) == ("CA100", "spam")
    assert call["spam_reason"] == "blocklist: robocaller"
