"""Request and response bodies of the HTTP API (never table rows, never domain objects)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Response
from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from callscope.domain.calls import Call
from callscope.domain.channel import Channel


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


class HeartbeatOut(BaseModel):
    expires_at: datetime | None
    number: str
    display_number: str
    ext: str | None


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


class SiteIn(Strict):
    name: SiteName
    forward_to: PhoneText
    allowed_origins: Origins = Field(default_factory=list)
    replace_numbers: ReplaceNumbers = Field(default_factory=list)
    timezone: TimeZoneName = "UTC"


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
