"""Request and response bodies of the HTTP API (never table rows, never domain objects)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from callscope.domain.calls import Call
from callscope.domain.channel import Channel

Text = Field(min_length=1, max_length=200)
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
            first_time=call.first_time,
            visit_id=call.attribution.visit_id,
            channel=ChannelBody.of(call.attribution.channel),
            attribution=AttributionBody(
                method=call.attribution.method.value, confidence=call.attribution.confidence
            ),
        )


class SiteIn(Strict):
    name: str = Text
    forward_to: str = Field(min_length=3, max_length=40)
    allowed_origins: list[str] = Field(default_factory=list, max_length=50)
    replace_numbers: list[str] = Field(default_factory=list, max_length=20)
    timezone: str = Field("UTC", max_length=64)
    form_allow: list[FieldName] = Field(
        default_factory=list,
        max_length=50,
        description="form fields a lead keeps (every field when empty); never secrets",
    )
    form_deny: list[FieldName] = Field(
        default_factory=list, max_length=50, description="form fields a lead never keeps"
    )
    consent_required: bool = Field(
        False, description="the snippet stores no ids until window.callscope.consent(true)"
    )


class SiteOut(BaseModel):
    site_id: int
    site_key: str
    name: str
    forward_to: str
    allowed_origins: list[str]
    replace_numbers: list[str]
    timezone: str
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
