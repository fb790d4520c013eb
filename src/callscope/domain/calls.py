"""Calls and the events telephony platforms report about them; the call's state follows from
the facts gathered, so events may arrive in any order and any number of times."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from callscope.domain.channel import Channel


class EventKind(StrEnum):
    STARTED = "started"
    ANSWERED = "answered"
    COMPLETED = "completed"
    FAILED = "failed"


class CallStatus(StrEnum):
    RINGING = "ringing"
    ANSWERED = "answered"
    COMPLETED = "completed"
    MISSED = "missed"
    FAILED = "failed"
    SPAM = "spam"  # blocked or marked as spam: kept out of reports, exports and first-time counts


class AttributionMethod(StrEnum):
    STATIC = "static"
    POOL = "pool"
    EXTENSION = "extension"
    CALLER_HISTORY = "caller_history"
    NONE = "none"


@dataclass(frozen=True)
class Attribution:
    """How a call was tied to a channel (and maybe a visit), and how sure we are."""

    method: AttributionMethod
    confidence: float
    channel: Channel | None = None
    visit_id: str | None = None


UNATTRIBUTED = Attribution(AttributionMethod.NONE, 0.0)

# Failure codes that mean nobody picked up (rather than a line or routing fault): the caller
# hung up while ringing (SIP 487, Twilio "canceled") or the agent did not answer in time
# (SIP 408 / 480, Twilio "no-answer"). Busy (486, "busy") stays a failure.
UNANSWERED_CODES = frozenset({"487", "408", "480", "no-answer", "canceled"})


@dataclass(frozen=True)
class CallEvent:
    call_id: str
    event: EventKind
    at: datetime
    dialed_number: str
    caller: str | None
    agent_number: str | None = None
    ext: str | None = None
    duration: int | None = None
    record_url: str | None = None
    failure_code: str | None = None
    failure_reason: str | None = None


@dataclass(frozen=True)
class Call:
    call_id: str
    site_id: int
    number_id: int
    dialed_number: str
    caller: str | None
    started_at: datetime
    attribution: Attribution
    first_time: bool
    agent_number: str | None = None
    ext: str | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    duration: int | None = None
    record_url: str | None = None
    failure_code: str | None = None
    failure_reason: str | None = None
    spam_reason: str | None = None

    @property
    def spam(self) -> bool:
        return self.spam_reason is not None

    @property
    def status(self) -> CallStatus:
        if self.spam_reason is not None:
            return CallStatus.SPAM
        if self.failure_code is not None and self.answered_at is None:
            missed = self.failure_code.lower() in UNANSWERED_CODES
            return CallStatus.MISSED if missed else CallStatus.FAILED
        if self.ended_at is not None:
            answered = self.answered_at is not None or (self.duration or 0) > 0
            return CallStatus.COMPLETED if answered else CallStatus.MISSED
        if self.answered_at is not None:
            return CallStatus.ANSWERED
        return CallStatus.RINGING

    def with_event(self, event: CallEvent) -> Call:
        """The call once `event` is known; applying an event twice changes nothing."""
        call = replace(
            self,
            started_at=min(self.started_at, event.at),
            agent_number=self.agent_number or event.agent_number,
            ext=self.ext or event.ext,
            record_url=event.record_url or self.record_url,
        )
        if event.event is EventKind.ANSWERED:
            return replace(call, answered_at=_earliest(call.answered_at, event.at))
        if event.event is EventKind.COMPLETED:
            return replace(
                call,
                ended_at=_latest(call.ended_at, event.at),
                duration=event.duration if event.duration is not None else call.duration,
            )
        if event.event is EventKind.FAILED:
            return replace(
                call,
                ended_at=_latest(call.ended_at, event.at),
                failure_code=event.failure_code or call.failure_code or "failed",
                failure_reason=event.failure_reason or call.failure_reason,
            )
        return call


def _earliest(current: datetime | None, candidate: datetime) -> datetime:
    return candidate if current is None else min(current, candidate)


def _latest(current: datetime | None, candidate: datetime) -> datetime:
    return candidate if current is None else max(current, candidate)
