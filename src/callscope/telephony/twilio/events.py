"""Twilio's webhook parameters translated into callscope call events (no I/O here)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from callscope.domain.calls import CallEvent, EventKind
from callscope.domain.errors import InvalidInput
from callscope.phone import maybe_e164

# What each unsuccessful `DialCallStatus` means for the marketer reading the call log.
FAILURE_REASONS = {
    "busy": "the agent's line was busy",
    "no-answer": "the agent did not answer",
    "failed": "the call to the agent could not be placed",
    "canceled": "the caller hung up before the agent answered",
}
CONNECTED = frozenset({"completed", "answered"})


@dataclass(frozen=True)
class TwilioCall:
    """The parent call a webhook is about: Twilio's CallSid, the tracking number, the caller."""

    call_sid: str
    dialed: str | None
    caller: str | None
    raw_caller: str | None = None  # as Twilio sent it ("anonymous", "+266696687", ...)

    @classmethod
    def of(cls, form: Mapping[str, str], region: str) -> TwilioCall:
        call_sid = form.get("CallSid", "").strip()
        if not call_sid or len(call_sid) > 128:
            raise InvalidInput("CallSid is missing")
        dialed = maybe_e164(form.get("To") or form.get("Called"), region)
        raw = (form.get("From") or form.get("Caller") or "")[:80] or None
        return cls(call_sid, dialed, maybe_e164(raw, region), raw)

    def event(self, kind: EventKind, at: datetime) -> CallEvent:
        if self.dialed is None:
            raise InvalidInput("To is not a phone number")
        return CallEvent(self.call_sid, kind, at, self.dialed, self.caller)


def typed_ext(digits: str | None) -> str | None:
    """The extension code the caller typed: digits only ('#' ends input), None when none."""
    code = "".join(c for c in (digits or "") if c.isdigit())[:8]
    return code or None


def dial_outcome(call: TwilioCall, form: Mapping[str, str], now: datetime) -> list[CallEvent]:
    """The events a `<Dial action>` callback stands for: answered + completed, or failed."""
    status = form.get("DialCallStatus", "failed").strip().lower() or "failed"
    record_url = form.get("RecordingUrl") or None
    if status in CONNECTED:
        duration = _seconds(form.get("DialCallDuration"))
        return [
            call.event(EventKind.ANSWERED, now - timedelta(seconds=duration)),
            replace(call.event(EventKind.COMPLETED, now), duration=duration, record_url=record_url),
        ]
    reason = FAILURE_REASONS.get(status, f"Twilio reported {status}")
    failed = call.event(EventKind.FAILED, now)
    return [replace(failed, failure_code=status[:32], failure_reason=reason)]


def _seconds(raw: str | None) -> int:
    try:
        return max(0, int(raw or 0))
    except ValueError:
        return 0


MAX_TEXT = 1600  # Twilio's own limit on a message body


@dataclass(frozen=True)
class TwilioText:
    """An inbound message to a tracking number: Twilio's MessageSid, the number, the sender."""

    message_sid: str
    dialed: str
    sender: str | None
    body: str

    @classmethod
    def of(cls, form: Mapping[str, str], region: str) -> TwilioText:
        sid = (form.get("MessageSid") or form.get("SmsSid") or "").strip()
        if not sid or len(sid) > 128:
            raise InvalidInput("MessageSid is missing")
        dialed = maybe_e164(form.get("To"), region)
        if dialed is None:
            raise InvalidInput("To is not a phone number")
        body = (form.get("Body") or "")[:MAX_TEXT]
        return cls(sid, dialed, maybe_e164(form.get("From"), region), body)
