"""The Twilio adapter over HTTP, on SQLite and PostgreSQL: real signatures, TwiML parsed and
checked, the call as the call log shows it afterwards."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from callscope.adapters.storage import Storage
from callscope.domain.errors import StorageUnavailable
from callscope.entrypoints.http import call_intake
from callscope.entrypoints.http.app import create_app
from callscope.services.accounts import create_account
from callscope.settings import Settings
from callscope.telephony.twilio.events import TwilioCall, dial_outcome, typed_ext
from tests.conftest import SECRET

PUBLIC = "https://calls.example.com"
TOKEN = "0123456789abcdef0123456789abcdef"
FORWARD = "+15550100199"
POOL_NUMBER = "+15550100201"
EXT_NUMBER = "+15550100300"
CALLER = "+12125550123"
LANDING = "https://northside.example/?utm_source=google&utm_medium=cpc&utm_term=boiler+repair"
EVER = {"from": "2000-01-01", "to": "2100-01-01"}


@dataclass(frozen=True)
class Twilio:
    """An app behind a proxy at PUBLIC, and a way to post as Twilio does: signed forms."""

    client: TestClient
    api_key: str

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def post(
        self, path: str, params: dict[str, str], token: str = TOKEN, query: str = ""
    ) -> httpx.Response:
        target = f"{path}?{query}" if query else path
        signature = RequestValidator(token).compute_signature(PUBLIC + target, params)
        headers = {"X-Twilio-Signature": signature}
        return self.client.post(target, data=params, headers=headers)

    def calls(self, site_id: int) -> list[dict[str, Any]]:
        log = self.client.get("/v1/calls", headers=self.admin, params={"site": site_id, **EVER})
        assert log.status_code == 200, log.text
        found: list[dict[str, Any]] = log.json()["calls"]
        return found

    def site(self, *numbers: tuple[str, str], forward_to: str = FORWARD) -> tuple[int, str]:
        made = self.client.post(
            "/v1/sites", headers=self.admin, json={"name": "Northside", "forward_to": forward_to}
        )
        assert made.status_code == 201, made.text
        site_id, key = made.json()["site_id"], made.json()["site_key"]
        for number, kind in numbers:
            body: dict[str, Any] = {"number": number, "kind": kind}
            if kind == "static":
                body["channel"] = {"source": "radio", "medium": "offline"}
            added = self.client.post(f"/v1/sites/{site_id}/numbers", headers=self.admin, json=body)
            assert added.status_code == 201, added.text
        return site_id, key

    def visit(self, site_key: str) -> dict[str, Any]:
        shown = self.client.post("/v1/visits", json={"site_key": site_key, "landing_url": LANDING})
        assert shown.status_code == 200, shown.text
        body: dict[str, Any] = shown.json()
        return body


@pytest.fixture
def twilio(storage: Storage) -> Iterator[Twilio]:
    settings = Settings(  # type: ignore[call-arg]
        database_url="sqlite://",
        telephony_secret=SECRET,
        public_url=PUBLIC + "/",
        twilio_auth_token=TOKEN,
        _env_file=None,
    )
    _, key = create_account(storage, "Twilio account", datetime.now(UTC))
    with TestClient(create_app(settings, storage=storage)) as client:
        yield Twilio(client, key)


def incoming(call_sid: str = "CA100", to: str = POOL_NUMBER, **extra: str) -> dict[str, str]:
    return {
        "CallSid": call_sid,
        "AccountSid": "AC" + "0" * 32,
        "From": CALLER,
        "To": to,
        "CallStatus": "ringing",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
        **extra,
    }


def twiml(response: httpx.Response) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    return ET.fromstring(response.text)


def test_a_pool_call_is_forwarded_recorded_and_attributed_to_the_visit_holding_it(
    twilio: Twilio,
) -> None:
    site_id, key = twilio.site((POOL_NUMBER, "pool"))
    shown = twilio.visit(key)
    assert shown["number"] == POOL_NUMBER

    answer = twiml(twilio.post("/v1/twilio/voice", incoming()))
    (dial,) = answer.findall("Dial")
    assert dial.attrib == {
        "record": "record-from-answer-dual",
        "action": f"{PUBLIC}/v1/twilio/dial-status",
        "method": "POST",
        "recordingStatusCallback": f"{PUBLIC}/v1/twilio/recording",
        "answerOnBridge": "true",
    }
    (number,) = dial.findall("Number")
    assert number.text == FORWARD
    assert number.attrib["url"] == f"{PUBLIC}/v1/twilio/whisper?call=CA100"
    (ringing,) = twilio.calls(site_id)
    assert (ringing["status"], ringing["agent_number"]) == ("ringing", FORWARD)

    done = twilio.post(
        "/v1/twilio/dial-status",
        incoming(DialCallStatus="completed", DialCallDuration="95", DialCallSid="CA200"),
    )
    assert [child.tag for child in twiml(done)] == ["Hangup"]
    recording = {
        "CallSid": "CA100",
        "AccountSid": "AC" + "0" * 32,
        "RecordingSid": "RE1",
        "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE1",
        "RecordingStatus": "completed",
        "RecordingDuration": "94",
    }
    assert twilio.post("/v1/twilio/recording", recording).status_code == 204

    (call,) = twilio.calls(site_id)
    assert call["call_id"] == "CA100"
    assert (call["status"], call["duration"], call["caller"]) == ("completed", 95, CALLER)
    assert call["record_url"] == recording["RecordingUrl"]
    assert call["visit_id"] == shown["visit_id"]
    assert call["attribution"]["method"] == "pool"
    assert call["channel"]["term"] == "boiler repair"


def test_every_twilio_webhook_delivered_twice_changes_nothing_the_second_time(
    twilio: Twilio,
) -> None:
    site_id, key = twilio.site((POOL_NUMBER, "pool"))
    twilio.visit(key)
    recording = {
        "CallSid": "CA100",
        "RecordingUrl": "https://rec.example/RE1",
        "RecordingStatus": "completed",
    }
    outcome = incoming(DialCallStatus="completed", DialCallDuration="40")
    for path, params in [
        ("/v1/twilio/voice", incoming()),
        ("/v1/twilio/dial-status", outcome),
        ("/v1/twilio/recording", recording),
    ]:
        first = twilio.post(path, params)
        after_first = twilio.calls(site_id)
        second = twilio.post(path, params)
        assert (second.status_code, second.text) == (first.status_code, first.text)
        assert twilio.calls(site_id) == after_first
    (call,) = twilio.calls(site_id)
    assert (call["status"], call["duration"]) == ("completed", 40)
    assert call["record_url"] == "https://rec.example/RE1"


def test_a_wrong_or_missing_signature_is_refused_with_403_and_nothing_is_stored(
    twilio: Twilio,
) -> None:
    site_id, _ = twilio.site((POOL_NUMBER, "pool"))
    params = incoming()
    wrong_token = twilio.post("/v1/twilio/voice", params, token="f" * 32)
    missing = twilio.client.post("/v1/twilio/voice", data=params)
    # Signed for the URL the app sees behind the proxy, not the one Twilio called.
    signature = RequestValidator(TOKEN).compute_signature(
        "http://testserver/v1/twilio/voice", params
    )
    inner_url = twilio.client.post(
        "/v1/twilio/voice", data=params, headers={"X-Twilio-Signature": signature}
    )
    good = RequestValidator(TOKEN).compute_signature(PUBLIC + "/v1/twilio/voice", params)
    tampered = twilio.client.post(
        "/v1/twilio/voice",
        data={**params, "From": "+12125550999"},
        headers={"X-Twilio-Signature": good},
    )
    for refused in (wrong_token, missing, inner_url, tampered):
        assert refused.status_code == 403
        assert refused.json() == {"error": "missing or wrong X-Twilio-Signature"}
    assert twilio.calls(site_id) == []


def test_a_database_failure_while_noting_the_call_still_forwards_the_caller(
    twilio: Twilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    site_id, _ = twilio.site((POOL_NUMBER, "pool"))

    def locked(*_args: object) -> None:
        raise StorageUnavailable("storage: OperationalError")

    # Whether the process applies the event at once or stores it for after the answer.
    monkeypatch.setattr(call_intake, "record_call_event", locked)
    monkeypatch.setattr(call_intake, "accept_call_event", locked)
    answer = twiml(twilio.post("/v1/twilio/voice", incoming()))
    assert answer.findtext("Dial/Number") == FORWARD
    monkeypatch.undo()
    outcome = incoming(DialCallStatus="completed", DialCallDuration="12")
    twilio.post("/v1/twilio/dial-status", outcome)
    (call,) = twilio.calls(site_id)
    assert (call["call_id"], call["status"], call["duration"]) == ("CA100", "completed", 12)


def test_an_unknown_number_gets_a_reject_in_twiml_not_an_http_error(twilio: Twilio) -> None:
    site_id, _ = twilio.site((POOL_NUMBER, "pool"))
    answer = twiml(twilio.post("/v1/twilio/voice", incoming(to="+15550109999")))
    assert [child.tag for child in answer] == ["Reject"]
    assert twilio.calls(site_id) == []


def test_a_busy_agent_makes_a_failed_call_with_failure_code_busy(twilio: Twilio) -> None:
    site_id, key = twilio.site((POOL_NUMBER, "pool"))
    twilio.visit(key)
    twilio.post("/v1/twilio/voice", incoming())
    busy = twilio.post("/v1/twilio/dial-status", incoming(DialCallStatus="busy"))
    assert [child.tag for child in twiml(busy)] == ["Hangup"]
    (call,) = twilio.calls(site_id)
    assert (call["status"], call["failure_code"]) == ("failed", "busy")
    assert call["failure_reason"] == "the agent's line was busy"
    assert (call["duration"], call["answered_at"], call["record_url"]) == (None, None, None)


def test_an_extension_number_asks_for_the_code_and_the_typed_code_finds_the_visit(
    twilio: Twilio,
) -> None:
    site_id, key = twilio.site((POOL_NUMBER, "pool"), (EXT_NUMBER, "extension"))
    twilio.visit(key)  # takes the only pool number
    shown = twilio.visit(key)
    assert (shown["number"], len(shown["ext"])) == (EXT_NUMBER, 4)

    asked = twiml(twilio.post("/v1/twilio/voice", incoming(to=EXT_NUMBER)))
    gather, redirect = list(asked)
    assert (gather.tag, redirect.tag) == ("Gather", "Redirect")
    assert gather.attrib == {
        "action": f"{PUBLIC}/v1/twilio/gather",
        "method": "POST",
        "numDigits": "4",
        "timeout": "6",
    }
    assert "four digit code" in (gather.findtext("Say") or "")
    assert redirect.text == f"{PUBLIC}/v1/twilio/gather"
    assert twilio.calls(site_id) == []  # the call is recorded once the code is known

    typed = incoming(to=EXT_NUMBER, Digits=shown["ext"])
    connected = twiml(twilio.post("/v1/twilio/gather", typed))
    assert connected.findtext("Dial/Number") == FORWARD
    twilio.post(
        "/v1/twilio/dial-status",
        incoming(to=EXT_NUMBER, DialCallStatus="completed", DialCallDuration="30"),
    )
    (call,) = twilio.calls(site_id)
    assert (call["visit_id"], call["ext"]) == (shown["visit_id"], shown["ext"])
    assert call["attribution"]["method"] == "extension"
    assert (call["status"], call["duration"]) == ("completed", 30)


def test_a_caller_who_types_no_code_is_still_forwarded_unattributed(twilio: Twilio) -> None:
    site_id, _ = twilio.site((EXT_NUMBER, "extension"))
    connected = twiml(twilio.post("/v1/twilio/gather", incoming(to=EXT_NUMBER)))
    assert connected.findtext("Dial/Number") == FORWARD
    (call,) = twilio.calls(site_id)
    assert (call["ext"], call["visit_id"], call["attribution"]["method"]) == (None, None, "none")


def test_an_accounts_own_auth_token_replaces_the_global_one_for_its_numbers(
    twilio: Twilio,
) -> None:
    site_id, _ = twilio.site((POOL_NUMBER, "pool"))
    own = {"account_sid": "AC" + "1" * 32, "auth_token": "a" * 32}
    assert twilio.client.put("/v1/twilio/credentials", json=own).status_code == 401
    stored = twilio.client.put("/v1/twilio/credentials", headers=twilio.admin, json=own)
    assert stored.status_code == 200
    assert stored.json() == {"account_sid": own["account_sid"], "auth_token": "stored"}

    assert twilio.post("/v1/twilio/voice", incoming()).status_code == 403
    assert twilio.calls(site_id) == []
    answer = twiml(twilio.post("/v1/twilio/voice", incoming(), token="a" * 32))
    assert answer.findtext("Dial/Number") == FORWARD
    assert len(twilio.calls(site_id)) == 1


def test_another_accounts_token_cannot_sign_callbacks_about_this_accounts_call(
    twilio: Twilio, storage: Storage
) -> None:
    site_id, _ = twilio.site((POOL_NUMBER, "pool"))
    twilio.post("/v1/twilio/voice", incoming())
    _, other_key = create_account(storage, "Other", datetime.now(UTC))
    other = Twilio(twilio.client, other_key)
    other_site, _ = other.site(("+15550100777", "static"), forward_to="+15550100700")
    theirs = {"account_sid": "AC" + "2" * 32, "auth_token": "b" * 32}
    assert other.client.put("/v1/twilio/credentials", headers=other.admin, json=theirs).is_success

    # Their number in To with our call's sid, or our number: their token signs neither.
    forged = incoming(to="+15550100777", DialCallStatus="busy")
    assert twilio.post("/v1/twilio/dial-status", forged, token="b" * 32).status_code == 403
    ours = incoming(call_sid="CA300")
    assert twilio.post("/v1/twilio/voice", ours, token="b" * 32).status_code == 403
    (call,) = twilio.calls(site_id)
    assert (call["call_id"], call["status"], call["failure_code"]) == ("CA100", "ringing", None)
    # Their own calls, signed with their token, go through.
    own = twiml(twilio.post("/v1/twilio/voice", incoming("CA400", "+15550100777"), "b" * 32))
    assert own.findtext("Dial/Number") == "+15550100700"
    assert [c["call_id"] for c in other.calls(other_site)] == ["CA400"]


def test_the_whisper_tells_the_agent_whether_the_caller_is_new_and_the_channel(
    twilio: Twilio,
) -> None:
    _, key = twilio.site((POOL_NUMBER, "pool"))
    twilio.visit(key)
    twilio.post("/v1/twilio/voice", incoming())
    agent_leg = {"CallSid": "CA200", "ParentCallSid": "CA100", "To": FORWARD, "From": CALLER}
    said = twiml(twilio.post("/v1/twilio/whisper", agent_leg, query="call=CA100"))
    assert said.findtext("Say") == "New caller. From google, cpc. Keyword boiler repair."
    unknown = twiml(twilio.post("/v1/twilio/whisper", agent_leg, query="call=CA999"))
    assert list(unknown) == []


def test_a_dial_outcome_becomes_answered_and_completed_or_one_failure() -> None:
    now = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    call = TwilioCall.of(incoming(), "US")
    answered, completed = dial_outcome(
        call, {"DialCallStatus": "completed", "DialCallDuration": "95"}, now
    )
    assert answered.at == datetime(2026, 3, 1, 11, 58, 25, tzinfo=UTC)
    assert (completed.at, completed.duration) == (now, 95)
    (failed,) = dial_outcome(call, {"DialCallStatus": "no-answer"}, now)
    assert (failed.failure_code, failed.failure_reason) == ("no-answer", "the agent did not answer")
    assert (typed_ext("4821#"), typed_ext(""), typed_ext(None)) == ("4821", None, None)


def test_signalwire_signs_in_its_own_header_and_is_checked_the_same_way(twilio: Twilio) -> None:
    site_id, _ = twilio.site((POOL_NUMBER, "pool"))
    params = incoming()
    wrong = RequestValidator("f" * 32).compute_signature(PUBLIC + "/v1/twilio/voice", params)
    refused = twilio.client.post(
        "/v1/twilio/voice", data=params, headers={"X-SignalWire-Signature": wrong}
    )
    assert refused.status_code == 403
    assert twilio.calls(site_id) == []
    good = RequestValidator(TOKEN).compute_signature(PUBLIC + "/v1/twilio/voice", params)
    answered = twilio.client.post(
        "/v1/twilio/voice", data=params, headers={"X-SignalWire-Signature": good}
    )
    assert twiml(answered).find("Dial") is not None
    assert [c["call_id"] for c in twilio.calls(site_id)] == ["CA100"]


def test_the_whisper_is_checked_with_the_token_of_the_account_owning_the_parent_call(
    twilio: Twilio,
) -> None:
    _, key = twilio.site((POOL_NUMBER, "pool"))
    own = {"account_sid": "AC" + "1" * 32, "auth_token": "a" * 32}
    assert twilio.client.put("/v1/twilio/credentials", headers=twilio.admin, json=own).is_success
    twilio.visit(key)
    twilio.post("/v1/twilio/voice", incoming(), token="a" * 32)
    # The agent's leg: To is the agent (no tracking number), the parent call is in the query.
    agent_leg = {"CallSid": "CA200", "ParentCallSid": "CA100", "To": FORWARD, "From": CALLER}
    said = twiml(twilio.post("/v1/twilio/whisper", agent_leg, token="a" * 32, query="call=CA100"))
    assert said.findtext("Say") == "New caller. From google, cpc. Keyword boiler repair."
    refused = twilio.post("/v1/twilio/whisper", agent_leg, query="call=CA100")
    assert refused.status_code == 403  # the global token does not sign this account's calls
