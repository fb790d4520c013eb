"""Request and response bodies of the HTTP API (never table rows, never domain objects)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Response
from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from callscope.domain.calls import Call
from callscope.domain.channel import Channel
from callscope.domain.flows import MAX_RING_SECONDS, MAX_TARGETS, MIN_RING_SECONDS, PREFIX, TARGET

NO_NUL = r"^[^\x00]*$"  # PostgreSQL text holds no NUL character
FieldName = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f]+$")
]


def sent_as_is(body: BaseModel) -> Response:
    """A response body built from a model already validated. Returned as a Response, FastAPI
    does not validate it a second time (which for a `def` route costs a thread-pool hop): the
    hot public routes use this and keep `response_model` for the API docs."""
    return Response(body.model_dump_json(), media_type="application/json")


class Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class ChannelBody(Strict):
    source: str = Field(min_length=1, max_length=200)
    medium: str = Field("(none)", min_length=1, max_length=200)
    campaign: str | None = Field(None, max_length=200)
    term: str | None = Field(None, max_length=200)

    @classmethod
    def of(cls, channel: Channel | None) -> ChannelBody | None:
        if channel is None:
            return None
        return cls(
            source=channel.source,
            medium=channel.medium,
            campaign=channel.campaign,
            term=channel.term,
        )

    def to_domain(self) -> Channel:
        # A blank campaign or term is no campaign or term (reports would tell them apart).
        return Channel(
            self.source.lower(), self.medium.lower(), self.campaign or None, self.term or None
        )


class FirstTouch(Strict):
    landing_url: str = Field(min_length=1, max_length=4096)
    referrer: str | None = Field(None, max_length=4096)


class VisitIn(Strict):
    site_key: str = Field(min_length=1, max_length=40)
    landing_url: str = Field(min_length=1, max_length=4096)
    referrer: str | None = Field(None, max_length=4096)
    visitor_id: str | None = Field(None, max_length=64)
    first_touch: FirstTouch | None = None
    ga_client_id: str | None = Field(None, max_length=64)
    title: str | None = Field(
        None, max_length=1000, pattern=NO_NUL, description="the landing page's title"
    )


class PageIn(Strict):
    """A page view the snippet saw (an address change of a single-page app counts)."""

    url: str = Field(min_length=1, max_length=4096, pattern=NO_NUL)
    title: str | None = Field(None, max_length=1000, pattern=NO_NUL)
    at: datetime

    @field_validator("at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        try:
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        except OverflowError as exc:
            raise ValueError("a time out of range") from exc


class HeartbeatIn(Strict):
    pages: list[PageIn] = Field(
        default_factory=list,
        max_length=20,
        description="page views since the last heartbeat; a visit keeps at most 50",
    )


class VisitOut(BaseModel):
    visit_id: str | None
    number: str
    display_number: str
    ext: str | None
    expires_at: datetime | None
    channel: ChannelBody | None
    replace: list[str]
    mode: str
    reason: str | None = None
    consent_required: bool = Field(
        False, description="the snippet stores no ids until window.callscope.consent(true)"
    )


class HeartbeatOut(BaseModel):
    expires_at: datetime | None
    number: str
    display_number: str
    ext: str | None


class PageOut(BaseModel):
    url: str
    title: str | None
    at: datetime


class EarlierVisit(BaseModel):
    visit_id: str
    started_at: datetime
    channel: ChannelBody | None


class VisitDetail(BaseModel):
    visit_id: str
    site_id: int
    started_at: datetime
    landing_url: str
    referrer: str | None
    channel: ChannelBody | None
    click_ids: dict[str, str]
    visitor_id: str | None
    mode: str
    ext: str | None
    expires_at: datetime | None
    last_seen_at: datetime | None
    reason: str | None
    pages: list[PageOut] = Field(default_factory=list)
    earlier_visits: list[EarlierVisit] = Field(
        default_factory=list, description="the same visitor's visits in the window before this"
    )


class CallEventIn(Strict):
    call_id: str = Field(min_length=1, max_length=128)
    event: Literal["started", "answered", "completed", "failed"]
    at: datetime
    dialed_number: str = Field(min_length=1, max_length=40)
    caller: str | None = Field(None, max_length=80)
    agent_number: str | None = Field(None, max_length=40)
    ext: str | None = Field(None, pattern=r"^[0-9]{1,8}$")
    duration: int | None = Field(None, ge=0, le=7 * 24 * 3600)
    record_url: str | None = Field(None, max_length=2048)
    failure_code: str | None = Field(None, max_length=32)
    failure_reason: str | None = Field(None, max_length=200)

    @field_validator("failure_code", mode="before")
    @classmethod
    def _code_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value

    @field_validator("at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class TagOut(BaseModel):
    tag: str
    at: float | None = Field(None, description="seconds into the call where it was said")


class AttributionBody(BaseModel):
    method: str
    confidence: float


class CallOut(BaseModel):
    call_id: str
    site_id: int
    dialed_number: str
    caller: str | None
    agent_number: str | None
    ext: str | None
    status: str
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    duration: int | None
    record_url: str | None
    failure_code: str | None
    failure_reason: str | None
    spam_reason: str | None = None
    first_time: bool
    visit_id: str | None
    channel: ChannelBody | None
    attribution: AttributionBody
    tags: list[TagOut] = Field(default_factory=list)
    score: int | None = None
    qualified: bool = False

    @classmethod
    def of(cls, call: Call, **insight: Any) -> CallOut:
        return cls(
            **insight,
            call_id=call.call_id,
            site_id=call.site_id,
            dialed_number=call.dialed_number,
            caller=call.caller,
            agent_number=call.agent_number,
            ext=call.ext,
            status=call.status.value,
            started_at=call.started_at,
            answered_at=call.answered_at,
            ended_at=call.ended_at,
            duration=call.duration,
            record_url=call.record_url,
            failure_code=call.failure_code,
            failure_reason=call.failure_reason,
            spam_reason=call.spam_reason,
            first_time=call.first_time,
            visit_id=call.attribution.visit_id,
            channel=ChannelBody.of(call.attribution.channel),
            attribution=AttributionBody(
                method=call.attribution.method.value, confidence=call.attribution.confidence
            ),
        )


REDACT = (
    "mask card numbers, card security codes, US SSNs and e-mail addresses in transcripts made "
    "from now on, and play recordings silenced over them (default: on)"
)
FORM_ALLOW = "form fields a lead keeps (every field when empty); never secrets"
FORM_DENY = "form fields a lead never keeps"
CONSENT = "the snippet stores no ids until window.callscope.consent(true)"


def known_zone(name: str) -> str:
    """An IANA time zone name this server knows (reports read days in it)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("not a known time zone (an IANA name like America/New_York)") from None
    return name


# The rules of a site's fields, shared by POST and PATCH /v1/sites and the dashboard's forms.
SiteName = Annotated[str, Field(min_length=1, max_length=200)]
PhoneText = Annotated[str, Field(min_length=3, max_length=40, description="a phone number")]
Origin = Annotated[
    str,
    Field(
        max_length=200,
        pattern=r"^https?://[^/\s?#]+/?$",
        description="a page origin allowed to ask for numbers, e.g. https://shop.example",
    ),
]
TimeZoneName = Annotated[
    str,
    Field(min_length=1, max_length=64, description="IANA time zone, e.g. America/New_York"),
    AfterValidator(known_zone),
]
Origins = Annotated[list[Origin], Field(max_length=50)]
ReplaceNumbers = Annotated[list[PhoneText], Field(max_length=20)]
FormFields = Annotated[list[FieldName], Field(max_length=50)]


class SiteIn(Strict):
    name: SiteName
    forward_to: PhoneText
    allowed_origins: Origins = Field(default_factory=list)
    replace_numbers: ReplaceNumbers = Field(default_factory=list)
    timezone: TimeZoneName = "UTC"
    redact: bool = Field(True, description=REDACT)
    form_allow: FormFields = Field(default_factory=list, description=FORM_ALLOW)
    form_deny: FormFields = Field(default_factory=list, description=FORM_DENY)
    consent_required: bool = Field(False, description=CONSENT)


class SitePatch(Strict):
    """Fields left out stay as they are; unknown fields are refused (a typo is not a no-op)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: SiteName | None = None
    forward_to: PhoneText | None = None
    allowed_origins: Origins | None = None
    replace_numbers: ReplaceNumbers | None = None
    timezone: TimeZoneName | None = Field(
        None, validation_alias=AliasChoices("timezone", "time_zone")
    )
    redact: bool | None = Field(None, description=REDACT)
    form_allow: FormFields | None = Field(None, description=FORM_ALLOW)
    form_deny: FormFields | None = Field(None, description=FORM_DENY)
    consent_required: bool | None = Field(None, description=CONSENT)

    @model_validator(mode="after")
    def _no_nulls(self) -> SitePatch:
        # Leaving a field out keeps it; null would erase something every site must have.
        nulls = sorted(f for f in self.model_fields_set if getattr(self, f) is None)
        if nulls:
            raise ValueError(f"{', '.join(nulls)} may be left out but not null")
        return self


class SiteOut(BaseModel):
    site_id: int
    site_key: str
    name: str
    forward_to: str
    allowed_origins: list[str]
    replace_numbers: list[str]
    timezone: str
    redact: bool = Field(description=REDACT)
    form_allow: list[str] = Field(default_factory=list)
    form_deny: list[str] = Field(default_factory=list)
    consent_required: bool = False


class NumberIn(Strict):
    number: str = Field(min_length=3, max_length=40)
    kind: Literal["static", "pool", "extension"]
    channel: ChannelBody | None = None
    forward_to: str | None = Field(None, max_length=40)


class NumberPatch(Strict):
    """Fields left out stay as they are; `forward_to: null` forwards to the site's number."""

    # A misspelt field would otherwise be a silent no-op that answers 200.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    channel: ChannelBody | None = None
    forward_to: str | None = Field(None, max_length=40)


class NumberOut(BaseModel):
    number_id: int
    site_id: int
    number: str
    display_number: str
    kind: str
    channel: ChannelBody | None
    forward_to: str | None


# --- call flows and spam ----------------------------------------------------------------------

Target = Annotated[
    str,
    Field(
        max_length=200,
        pattern=TARGET,
        description="an E.164 phone number (+15550100123) or a SIP URI (sip:agent@pbx.example)",
    ),
]
Clock = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")]
Choice = Literal["allow", "gate", "block"]


class HoursBody(Strict):
    """Open on `day` from `opens` to `closes` (local time); a `closes` at or before `opens`
    runs past midnight; 00:00-00:00 is the whole day."""

    day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    opens: Clock
    closes: Clock


class FallbackBody(Strict):
    action: Literal["voicemail", "number"] = "voicemail"
    number: Target | None = None


class VoicemailBody(Strict):
    greeting: str = Field("Please leave a message after the tone.", min_length=1, max_length=500)
    target: Target | None = Field(
        None, description="a voicemail box to forward to, for platforms that cannot record"
    )
    max_seconds: int = Field(120, ge=10, le=600)


class AnnouncementBody(Strict):
    text: str | None = Field(None, min_length=1, max_length=1000)
    audio_url: str | None = Field(None, max_length=2048, pattern=r"^https?://")
    language: str = Field("en-US", pattern=r"^[a-z]{2}(-[A-Z]{2})?$")


class SpamRulesBody(Strict):
    anonymous: Choice = "gate"
    invalid: Choice = "gate"
    max_calls: int = Field(0, ge=0, le=1000, description="0: no limit")
    window_minutes: int = Field(10, ge=1, le=1440)
    burst: Choice = "block"


class FlowBody(Strict):
    """A call flow. Every rule is checked; a flow that breaks one is refused whole (4xx)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    targets: list[Target] = Field(min_length=1, max_length=MAX_TARGETS)
    strategy: Literal["simultaneous", "in_order", "round_robin"] = "simultaneous"
    ring_seconds: list[Annotated[int, Field(ge=MIN_RING_SECONDS, le=MAX_RING_SECONDS)]] = Field(
        default_factory=list, max_length=MAX_TARGETS, description="per target, in order"
    )
    time_zone: str | None = Field(
        None, max_length=64, description="IANA name; the site's time zone when left out"
    )
    hours: list[HoursBody] = Field(
        default_factory=list, max_length=50, description="none: always open"
    )
    closed_days: list[date] = Field(default_factory=list, max_length=400)
    after_hours: FallbackBody = Field(default_factory=FallbackBody)
    no_answer: FallbackBody = Field(default_factory=FallbackBody)
    voicemail: VoicemailBody = Field(default_factory=VoicemailBody)
    announcement: AnnouncementBody | None = None
    record: bool = False
    spam: SpamRulesBody = Field(default_factory=SpamRulesBody)


class AnnouncementOut(BaseModel):
    text: str | None
    audio_url: str | None
    language: str


class VoicemailOut(BaseModel):
    greeting: str
    target: str | None
    max_seconds: int


class StepOut(BaseModel):
    targets: list[str]
    ring_seconds: int


class PlanOut(BaseModel):
    """What to do with a call now (`GET /v1/route/plan`)."""

    targets: list[str] = Field(description="ring these (empty: straight to voicemail)")
    strategy: Literal["simultaneous", "in_order", "round_robin"]
    ring_seconds: int = Field(description="how long the first target rings")
    target_ring_seconds: list[int] = Field(description="how long each target rings, in order")
    announcement: AnnouncementOut | None
    voicemail: VoicemailOut | None = Field(description="when nobody answers")
    fallback_number: str | None = Field(description="rung when nobody answers, before voicemail")
    record: bool
    reason: Literal["open", "after_hours", "closed_day"]
    gate: bool = Field(description="ask the caller to press 1 before connecting")
    sequence: list[StepOut] = Field(
        description="the plan as steps rung one after another (fallback and voicemail box "
        "included), for platforms that forward and cannot record"
    )


class BlockIn(Strict):
    """Give `number` or `prefix`, and why."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    number: str | None = Field(None, min_length=3, max_length=40)
    prefix: str | None = Field(None, pattern=PREFIX, description="+ and 1-14 digits")
    reason: str = Field(min_length=1, max_length=200)


class BlockOut(BaseModel):
    id: int
    number: str | None
    prefix: str | None
    reason: str
    created_at: datetime | None


class SpamIn(Strict):
    reason: str = Field("marked as spam", min_length=1, max_length=150)


FormValue = Annotated[str, StringConstraints(max_length=2000, pattern=NO_NUL)]
LeadStatusName = Literal["new", "contacted", "won", "lost"]


class FormIn(Strict):
    """A form submission: from the snippet (data-forms) or posted by the site's server."""

    site_key: str = Field(min_length=1, max_length=40)
    visit_id: str | None = Field(None, pattern=r"^[0-9a-f]{32}$", description="from the snippet")
    form_id: str | None = Field(None, max_length=100, pattern=NO_NUL)
    submission_id: str = Field(
        min_length=8,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="made by the client; the same id again stores nothing new",
    )
    fields: dict[FieldName, FormValue] = Field(
        default_factory=dict,
        max_length=50,
        description="name -> value; passwords, card numbers and other secrets are never kept",
    )
    honeypot: str | None = Field(
        None,
        max_length=200,
        pattern=NO_NUL,
        description="the value of a field people never see; a bot fills it, and nothing is stored",
    )


class FormOut(BaseModel):
    lead_id: str | None = Field(description="null when the submission was taken for spam")


class LeadOut(BaseModel):
    lead_id: str
    site_id: int
    type: Literal["call", "form", "text"]
    at: datetime
    visit_id: str | None
    channel: ChannelBody | None
    status: LeadStatusName
    value: float | None
    notes: str | None
    journey_length: int = Field(description="pages read up to the lead, its landing page included")
    call_id: str | None = None
    form_id: str | None = None
    fields: dict[str, str] = Field(default_factory=dict)
    contact: str | None = None


class LeadPatch(Strict):
    """Fields left out stay as they are; `value: null` clears the value, `notes: null` the notes."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    # No null: a lead always has a status (the default is never read, only a sent value is).
    status: LeadStatusName = Field(None)  # type: ignore[arg-type]
    value: float | None = Field(None, ge=0, le=1_000_000_000)
    notes: str | None = Field(None, max_length=4000, pattern=NO_NUL)


class TouchOut(BaseModel):
    visit_id: str
    started_at: datetime
    channel: ChannelBody | None = Field(description="the visit's own channel")


class LeadDetail(LeadOut):
    pages: list[PageOut] = Field(description="the pages its visit read up to the lead")
    touches: list[TouchOut] = Field(
        description="the visitor's visits in the 30 days before the lead, its own visit last"
    )
