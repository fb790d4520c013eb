"""Call flows: what happens when a tracking number rings. A site has one flow (a number may
override it): opening hours in the site's time zone and closed days, the targets that ring and
how (all at once, in order, or in order starting from a rotating first), what happens after
hours or when nobody answers (voicemail or another number), the recording notice and whether
the call is recorded. `Flow.plan_at` turns a flow into the plan for one moment.

Spam: an account's blocklist (numbers and prefixes, with reasons) and a flow's rules (a withheld
or invalid caller id, too many calls from one caller in a few minutes) judge a caller before
any plan is made."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from callscope.domain.errors import InvalidInput

# E.164: a +, a country code that does not start with 0, at most 15 digits in all.
E164 = r"^\+[1-9][0-9]{6,14}$"
# sip:user@host[:port][;params] (sips: too): what Kamailio, Twilio <Sip> and Voximplant dial.
SIP_URI = r"^sips?:[A-Za-z0-9_.!~*'()&=+$,;?/%-]+@[A-Za-z0-9.-]+(:[0-9]{1,5})?(;[^\s]*)?$"
TARGET = f"({E164})|({SIP_URI})"
_TARGET = re.compile(TARGET)
_E164 = re.compile(E164)
PREFIX = r"^\+[0-9]{1,14}$"
_PREFIX = re.compile(PREFIX)

DAY_MINUTES = 24 * 60
WEEK_MINUTES = 7 * DAY_MINUTES
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_TARGETS = 10
MIN_RING_SECONDS, MAX_RING_SECONDS = 5, 120
DEFAULT_RING_SECONDS = 20
DEFAULT_NOTICE = "This call may be recorded for quality and training purposes."


class Strategy(StrEnum):
    SIMULTANEOUS = "simultaneous"  # every target rings at once; the first to answer takes it
    IN_ORDER = "in_order"  # one after another, each for its ring seconds
    ROUND_ROBIN = "round_robin"  # in order, starting from the next target each call


class Fallback(StrEnum):
    VOICEMAIL = "voicemail"
    NUMBER = "number"


class Action(StrEnum):
    """What a spam rule does to a caller it matches."""

    ALLOW = "allow"
    GATE = "gate"  # "press 1 to be connected" first (where the platform can ask)
    BLOCK = "block"


class Reason(StrEnum):
    """Why a plan is what it is."""

    OPEN = "open"
    AFTER_HOURS = "after_hours"
    CLOSED_DAY = "closed_day"


def is_target(address: str) -> bool:
    """An E.164 number or a SIP URI."""
    return _TARGET.fullmatch(address) is not None


def is_sip(address: str) -> bool:
    return address.startswith(("sip:", "sips:"))


def zone_of(name: str) -> ZoneInfo:
    """The IANA time zone `name`; InvalidInput when there is none by that name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # "America" is a folder
        raise InvalidInput(f"time_zone: {name!r} is not an IANA time zone name") from exc


@dataclass(frozen=True)
class Hours:
    """Open on `day` (0 = Monday) from `opens` to `closes`, local wall-clock time. A `closes`
    at or before `opens` runs past midnight into the next day (22:00-02:00); 00:00-00:00 is
    the whole day."""

    day: int
    opens: time
    closes: time

    def span(self) -> tuple[int, int]:
        """[start, end) in minutes from Monday 00:00; `end` may pass the week's end."""
        start = self.day * DAY_MINUTES + self.opens.hour * 60 + self.opens.minute
        length = (self.closes.hour * 60 + self.closes.minute) - (
            self.opens.hour * 60 + self.opens.minute
        )
        if length <= 0:
            length += DAY_MINUTES
        return start, start + length

    def label(self) -> str:
        return f"{DAYS[self.day]} {self.opens:%H:%M}-{self.closes:%H:%M}"


@dataclass(frozen=True)
class Announcement:
    """The notice played to the caller before connecting: spoken text or an audio file."""

    text: str | None = None
    audio_url: str | None = None
    language: str = "en-US"


@dataclass(frozen=True)
class Voicemail:
    """Where a caller nobody answers (or who calls after hours) leaves a message: recorded by
    the platform after `greeting` (Twilio, Voximplant), or a voicemail box at `target` for
    platforms that cannot record (Kamailio forwards there)."""

    greeting: str = "Please leave a message after the tone."
    target: str | None = None
    max_seconds: int = 120


@dataclass(frozen=True)
class SpamRules:
    anonymous: Action = Action.GATE
    invalid: Action = Action.GATE
    # More than `max_calls` calls from one caller within `window_minutes`: `burst` (0: off).
    max_calls: int = 0
    window_minutes: int = 10
    burst: Action = Action.BLOCK


@dataclass(frozen=True)
class Flow:
    """A site's call flow (or a number's override of it)."""

    targets: tuple[str, ...]
    strategy: Strategy = Strategy.SIMULTANEOUS
    ring_seconds: tuple[int, ...] = ()  # per target; missing ones ring DEFAULT_RING_SECONDS
    time_zone: str = "UTC"
    hours: tuple[Hours, ...] = ()  # none: always open
    closed_days: tuple[date, ...] = ()
    after_hours: Fallback = Fallback.VOICEMAIL
    after_hours_number: str | None = None
    no_answer: Fallback = Fallback.VOICEMAIL
    no_answer_number: str | None = None
    voicemail: Voicemail = field(default_factory=Voicemail)
    announcement: Announcement | None = None
    record: bool = False
    spam: SpamRules = field(default_factory=SpamRules)

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise InvalidInput("; ".join(problems))

    def problems(self) -> list[str]:
        """Every rule the flow breaks, each as a message meant for the person who wrote it."""
        found: list[str] = []
        if not self.targets:
            found.append("targets: a flow needs at least one target to ring")
        if len(self.targets) > MAX_TARGETS:
            found.append(f"targets: at most {MAX_TARGETS}")
        for i, target in enumerate(self.targets):
            if not is_target(target):
                found.append(
                    f"targets[{i}]: {target[:60]!r} is neither an E.164 phone number "
                    "(+15550100123) nor a SIP URI (sip:agent@host)"
                )
        if len(set(self.targets)) != len(self.targets):
            found.append("targets: a target appears twice")
        if len(self.ring_seconds) > len(self.targets):
            found.append("ring_seconds: more values than targets")
        for seconds in self.ring_seconds:
            if not MIN_RING_SECONDS <= seconds <= MAX_RING_SECONDS:
                found.append(
                    f"ring_seconds: {seconds} is outside {MIN_RING_SECONDS}-{MAX_RING_SECONDS}"
                )
        try:
            zone_of(self.time_zone)
        except InvalidInput as exc:
            found.append(str(exc))
        found.extend(overlaps(self.hours))
        for name, kind, number in (
            ("after_hours", self.after_hours, self.after_hours_number),
            ("no_answer", self.no_answer, self.no_answer_number),
        ):
            if kind is Fallback.NUMBER and (number is None or not is_target(number)):
                found.append(f"{name}_number: a phone number or SIP URI is needed")
        if self.voicemail.target is not None and not is_target(self.voicemail.target):
            found.append("voicemail.target: neither an E.164 phone number nor a SIP URI")
        if self.announcement and not (self.announcement.text or self.announcement.audio_url):
            found.append("announcement: give a text or an audio_url")
        if self.spam.max_calls < 0 or self.spam.window_minutes < 1:
            found.append("spam: max_calls must be >= 0 and window_minutes >= 1")
        return found

    def ring_for(self, index: int) -> int:
        given = self.ring_seconds
        return given[index] if index < len(given) else DEFAULT_RING_SECONDS

    def reason_at(self, moment: datetime) -> Reason:
        """Open, after hours, or a closed day, at `moment` (an aware datetime)."""
        local = moment.astimezone(zone_of(self.time_zone))
        if not self.hours:
            return Reason.CLOSED_DAY if local.date() in self.closed_days else Reason.OPEN
        minute = local.weekday() * DAY_MINUTES + local.hour * 60 + local.minute
        closed_span = False
        for hours in self.hours:
            start, end = hours.span()
            # A span may run past Sunday midnight into Monday: look a week back too.
            for shift in (0, -WEEK_MINUTES):
                if start <= minute - shift < end:
                    # The span belongs to the day it opens on (yesterday for 22:00-02:00 at 01:00).
                    opened_on = local.date() - timedelta(
                        days=(minute - shift) // DAY_MINUTES - hours.day
                    )
                    if opened_on in self.closed_days:
                        closed_span = True
                        continue
                    return Reason.OPEN
        if closed_span or local.date() in self.closed_days:
            return Reason.CLOSED_DAY
        return Reason.AFTER_HOURS

    def plan_at(self, moment: datetime, turn: int = 0, gate: bool = False) -> Plan:
        """The plan for a call at `moment`; `turn` is the round-robin counter (which target
        rings first), `gate` whether the caller must press 1 first."""
        reason = self.reason_at(moment)
        voicemail = self.voicemail
        if reason is not Reason.OPEN:
            if self.after_hours is Fallback.NUMBER and self.after_hours_number:
                return Plan(
                    (self.after_hours_number,),
                    Strategy.IN_ORDER,
                    (DEFAULT_RING_SECONDS,),
                    self.announcement,
                    voicemail if self.no_answer is Fallback.VOICEMAIL else None,
                    None,
                    self.record,
                    reason,
                    gate,
                )
            return Plan(
                (), Strategy.IN_ORDER, (), self.announcement, voicemail, None, False, reason, gate
            )
        order = list(range(len(self.targets)))
        if self.strategy is Strategy.ROUND_ROBIN and order:
            first = turn % len(order)
            order = order[first:] + order[:first]
        return Plan(
            tuple(self.targets[i] for i in order),
            self.strategy,
            tuple(self.ring_for(i) for i in order),
            self.announcement,
            voicemail if self.no_answer is Fallback.VOICEMAIL else None,
            self.no_answer_number if self.no_answer is Fallback.NUMBER else None,
            self.record,
            reason,
            gate,
        )


def overlaps(hours: Iterable[Hours]) -> list[str]:
    """A message for each pair of opening hours that overlap (across midnight and across the
    week's end too), and for a day number outside 0-6."""
    found: list[str] = []
    spans: list[tuple[int, int, Hours]] = []
    for h in hours:
        if not 0 <= h.day <= 6:
            found.append(f"hours: day {h.day} is not 0 (Monday) to 6 (Sunday)")
            continue
        spans.append((*h.span(), h))
    for i, (a_start, a_end, a) in enumerate(spans):
        for b_start, b_end, b in spans[i + 1 :]:
            for shift in (-WEEK_MINUTES, 0, WEEK_MINUTES):
                if a_start < b_end + shift and b_start + shift < a_end:
                    found.append(f"hours: {a.label()} overlaps {b.label()}")
                    break
    return found


@dataclass(frozen=True)
class Plan:
    """What a platform does with one call: ring `targets` (`strategy`, each for its
    `ring_seconds`) after playing `announcement`; when nobody answers, `fallback_number`, then
    `voicemail`. No targets: straight to voicemail."""

    targets: tuple[str, ...]
    strategy: Strategy
    ring_seconds: tuple[int, ...]
    announcement: Announcement | None
    voicemail: Voicemail | None
    fallback_number: str | None
    record: bool
    reason: Reason
    gate: bool = False

    @property
    def first(self) -> str | None:
        """What a platform that forwards to one number dials (the seed's `/v1/route`)."""
        if self.targets:
            return self.targets[0]
        if self.fallback_number:
            return self.fallback_number
        return self.voicemail.target if self.voicemail else None


@lru_cache(maxsize=4096)  # one per agent number: the route path makes no new object
def single(agent_number: str) -> Plan:
    """The plan of a number without a flow: forward to its agent number and record, as the
    Twilio and Voximplant adapters did before flows."""
    return Plan(
        (agent_number,),
        Strategy.SIMULTANEOUS,
        (DEFAULT_RING_SECONDS * 3,),
        None,
        None,
        None,
        True,
        Reason.OPEN,
    )


def with_default_notice(flow: Flow) -> Flow:
    """The flow with the default recording notice when it records and says nothing."""
    if flow.record and flow.announcement is None:
        return replace(flow, announcement=Announcement(text=DEFAULT_NOTICE))
    return flow


# --- spam -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BlockEntry:
    """A blocked caller number or number prefix of an account, and why."""

    id: int
    account_id: int
    number: str | None
    prefix: str | None
    reason: str
    created_at: datetime | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if (self.number is None) == (self.prefix is None):
            raise InvalidInput("give either a number or a prefix")
        if self.number is not None and not _E164.fullmatch(self.number):
            raise InvalidInput("number: not an E.164 phone number (+15550100123)")
        if self.prefix is not None and not _PREFIX.fullmatch(self.prefix):
            raise InvalidInput("prefix: a + and 1 to 14 digits (+1900)")
        if not self.reason.strip():
            raise InvalidInput("reason: say why the caller is blocked")

    def matches(self, caller: str) -> bool:
        if self.number is not None:
            return caller == self.number
        return self.prefix is not None and caller.startswith(self.prefix)


@dataclass(frozen=True)
class Blocklist:
    """One account's blocked numbers (a set, for the route path) and prefixes."""

    numbers: dict[str, str] = field(default_factory=dict)
    prefixes: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, entries: Iterable[BlockEntry]) -> Blocklist:
        numbers: dict[str, str] = {}
        prefixes: list[tuple[str, str]] = []
        for e in entries:
            if e.number is not None:
                numbers[e.number] = e.reason
            elif e.prefix is not None:
                prefixes.append((e.prefix, e.reason))
        prefixes.sort(key=lambda p: -len(p[0]))  # the longest prefix's reason wins
        return cls(numbers, tuple(prefixes))

    def reason_for(self, caller: str) -> str | None:
        found = self.numbers.get(caller)
        if found is not None:
            return found
        return next((reason for prefix, reason in self.prefixes if caller.startswith(prefix)), None)


EMPTY_BLOCKLIST = Blocklist()


@dataclass(frozen=True)
class Verdict:
    action: Action
    reason: str | None = None

    @property
    def blocked(self) -> bool:
        return self.action is Action.BLOCK


ALLOWED = Verdict(Action.ALLOW)


def judge(
    caller: str | None,
    raw_caller: str | None,
    blocklist: Blocklist,
    rules: SpamRules,
    recent_calls: int = 0,
) -> Verdict:
    """The verdict on a caller: `caller` is the caller id read as E.164 (None when withheld or
    unreadable), `raw_caller` what the platform sent, `recent_calls` how many calls the caller
    made within the rules' window before this one. The blocklist comes first, then the rules;
    the strictest action wins."""
    if caller is not None:
        listed = blocklist.reason_for(caller)
        if listed is not None:
            return Verdict(Action.BLOCK, f"blocklist: {listed}")
    found: list[Verdict] = []
    if caller is None:
        anonymous = raw_caller is None or raw_caller.strip().lower() in ANONYMOUS
        if anonymous:
            found.append(Verdict(rules.anonymous, "anonymous caller id"))
        else:
            found.append(Verdict(rules.invalid, "invalid caller id"))
    elif rules.max_calls and recent_calls >= rules.max_calls:
        found.append(
            Verdict(
                rules.burst,
                f"more than {rules.max_calls} calls in {rules.window_minutes} minutes",
            )
        )
    found = [v for v in found if v.action is not Action.ALLOW]
    if not found:
        return ALLOWED
    return max(found, key=lambda v: _SEVERITY[v.action])


ANONYMOUS = frozenset(
    {"", "anonymous", "restricted", "private", "unknown", "unavailable", "withheld", "0"}
)
_SEVERITY = {Action.ALLOW: 0, Action.GATE: 1, Action.BLOCK: 2}


# --- the stored and sent form ---------------------------------------------------------------


def flow_from_dict(data: dict[str, Any]) -> Flow:
    """A flow from its JSON form (what `PUT .../flow` takes and storage keeps); InvalidInput
    with every problem found."""
    try:
        after = data.get("after_hours") or {}
        no_answer = data.get("no_answer") or {}
        notice = data.get("announcement")
        mail = data.get("voicemail") or {}
        spam = data.get("spam") or {}
        return Flow(
            targets=tuple(data.get("targets") or ()),
            strategy=Strategy(data.get("strategy", Strategy.SIMULTANEOUS)),
            ring_seconds=tuple(int(s) for s in data.get("ring_seconds") or ()),
            time_zone=str(data.get("time_zone") or "UTC"),
            hours=tuple(
                Hours(DAYS.index(h["day"]), _clock(h["opens"]), _clock(h["closes"]))
                for h in data.get("hours") or ()
            ),
            closed_days=tuple(date.fromisoformat(str(d)) for d in data.get("closed_days") or ()),
            after_hours=Fallback(after.get("action", Fallback.VOICEMAIL)),
            after_hours_number=after.get("number"),
            no_answer=Fallback(no_answer.get("action", Fallback.VOICEMAIL)),
            no_answer_number=no_answer.get("number"),
            voicemail=Voicemail(**mail),
            announcement=Announcement(**notice) if notice else None,
            record=bool(data.get("record", False)),
            spam=SpamRules(
                anonymous=Action(spam.get("anonymous", Action.GATE)),
                invalid=Action(spam.get("invalid", Action.GATE)),
                max_calls=int(spam.get("max_calls", 0)),
                window_minutes=int(spam.get("window_minutes", 10)),
                burst=Action(spam.get("burst", Action.BLOCK)),
            ),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"flow: {exc}") from exc


def flow_to_dict(flow: Flow) -> dict[str, Any]:
    return {
        "targets": list(flow.targets),
        "strategy": flow.strategy.value,
        "ring_seconds": [flow.ring_for(i) for i in range(len(flow.targets))],
        "time_zone": flow.time_zone,
        "hours": [
            {"day": DAYS[h.day], "opens": f"{h.opens:%H:%M}", "closes": f"{h.closes:%H:%M}"}
            for h in flow.hours
        ],
        "closed_days": [d.isoformat() for d in flow.closed_days],
        "after_hours": {"action": flow.after_hours.value, "number": flow.after_hours_number},
        "no_answer": {"action": flow.no_answer.value, "number": flow.no_answer_number},
        "voicemail": {
            "greeting": flow.voicemail.greeting,
            "target": flow.voicemail.target,
            "max_seconds": flow.voicemail.max_seconds,
        },
        "announcement": None
        if flow.announcement is None
        else {
            "text": flow.announcement.text,
            "audio_url": flow.announcement.audio_url,
            "language": flow.announcement.language,
        },
        "record": flow.record,
        "spam": {
            "anonymous": flow.spam.anonymous.value,
            "invalid": flow.spam.invalid.value,
            "max_calls": flow.spam.max_calls,
            "window_minutes": flow.spam.window_minutes,
            "burst": flow.spam.burst.value,
        },
    }


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The plan as `GET /v1/route/plan` answers it (CONTRACT: targets, strategy, ring_seconds,
    announcement, voicemail, record, reason; the rest are additions)."""
    notice = plan.announcement
    mail = plan.voicemail
    return {
        "targets": list(plan.targets),
        "strategy": plan.strategy.value,
        "ring_seconds": plan.ring_seconds[0] if plan.ring_seconds else DEFAULT_RING_SECONDS,
        "target_ring_seconds": list(plan.ring_seconds),
        "announcement": None
        if notice is None
        else {"text": notice.text, "audio_url": notice.audio_url, "language": notice.language},
        "voicemail": None
        if mail is None
        else {"greeting": mail.greeting, "target": mail.target, "max_seconds": mail.max_seconds},
        "fallback_number": plan.fallback_number,
        "record": plan.record,
        "reason": plan.reason.value,
        "gate": plan.gate,
        "sequence": sequence(plan),
    }


VOICEMAIL_RING_SECONDS = 60


def sequence(plan: Plan) -> list[dict[str, Any]]:
    """The plan as steps rung one after another, for platforms that forward and cannot
    record (Kamailio): each step's targets ring at once for its ring seconds; the fallback
    number and the voicemail box are steps too. No nulls, for simple JSON readers."""
    steps: list[dict[str, Any]] = []
    if plan.strategy is Strategy.SIMULTANEOUS and plan.targets:
        steps.append({"targets": list(plan.targets), "ring_seconds": max(plan.ring_seconds)})
    else:
        steps.extend(
            {"targets": [t], "ring_seconds": s}
            for t, s in zip(plan.targets, plan.ring_seconds, strict=True)
        )
    if plan.fallback_number:
        steps.append({"targets": [plan.fallback_number], "ring_seconds": DEFAULT_RING_SECONDS})
    if plan.voicemail is not None and plan.voicemail.target:
        steps.append({"targets": [plan.voicemail.target], "ring_seconds": VOICEMAIL_RING_SECONDS})
    return steps


def _clock(text: str) -> time:
    if text == "24:00":
        return time(0)
    return time.fromisoformat(text)
