"""One call in detail (admin): transcript by speaker, tags, lead score and its override, the
recording (played from callscope, never from the platform's URL); and keyword rules per site."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from callscope.domain.calls import Call
from callscope.domain.keywords import KeywordRule
from callscope.domain.scoring import DEFAULT_WEIGHT, CallInsight
from callscope.entrypoints.http.deps import (
    AdminDep,
    FilesDep,
    NowDep,
    PrincipalDep,
    SettingsDep,
    SettledStorageDep,
    SiteId,
    StorageDep,
)
from callscope.entrypoints.http.schemas import CallOut, Strict, TagOut
from callscope.services import insights, recordings
from callscope.settings import Settings

router = APIRouter(tags=["admin"])
CallId = Annotated[str, Path(min_length=1, max_length=128)]


class KeywordIn(Strict):
    phrase: str = Field(min_length=1, max_length=100, description="words to listen for")
    tag: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9 _-]*$")
    weight: int = Field(DEFAULT_WEIGHT, ge=-100, le=100, description="lead score points")
    speaker: Literal["caller", "agent"] | None = Field(
        None, description="only when this side says it; default: either"
    )


class KeywordOut(BaseModel):
    keyword_id: int
    site_id: int
    phrase: str
    tag: str
    weight: int
    speaker: str | None


class SegmentOut(BaseModel):
    speaker: Literal["caller", "agent", "call"]
    start: float
    end: float
    text: str


class TranscriptOut(BaseModel):
    status: Literal["pending", "done", "failed", "none"]
    text: str | None = None
    segments: list[SegmentOut] = Field(default_factory=list)
    engine: str | None = None
    error: str | None = None


class CallDetailOut(CallOut):
    transcript: TranscriptOut
    score_reasons: list[str] = Field(default_factory=list)
    score_overridden: bool = False
    notes: str | None = None


class OverrideIn(Strict):
    score: int | None = Field(None, ge=0, le=100, description="null: the computed score")
    qualified: bool | None = Field(None, description="null: from the score")
    notes: str | None = Field(
        None, max_length=insights.MAX_NOTES, description="left out or null: unchanged; '': none"
    )


def limits(settings: Settings) -> insights.Thresholds:
    return insights.Thresholds(settings.qualified_score, settings.qualified_seconds)


def insight_fields(
    call: Call, insight: CallInsight | None, limits: insights.Thresholds
) -> dict[str, Any]:
    tags = [TagOut(tag=t.tag, at=t.at) for t in insight.tags] if insight else []
    return {
        "tags": tags,
        "score": insight.final_score() if insight else None,
        "qualified": insights.is_qualified(call, insight, limits),
    }


@router.post("/v1/sites/{site_id}/keywords", response_model=KeywordOut, status_code=201)
def add_keyword(
    site_id: SiteId, body: KeywordIn, storage: StorageDep, principal: AdminDep, now: NowDep
) -> KeywordOut:
    rule = KeywordRule(0, site_id, body.phrase, body.tag, body.weight, body.speaker)
    return _keyword_out(insights.add_keyword(storage, principal.account_id, site_id, rule, now))


@router.get("/v1/sites/{site_id}/keywords")
def list_keywords(
    site_id: SiteId, storage: StorageDep, principal: PrincipalDep
) -> dict[str, list[KeywordOut]]:
    found = insights.list_keywords(storage, principal.account_id, site_id)
    return {"keywords": [_keyword_out(r) for r in found]}


@router.get("/v1/calls/{call_id}", response_model=CallDetailOut)
def get_call(
    call_id: CallId, storage: SettledStorageDep, principal: PrincipalDep, settings: SettingsDep
) -> CallDetailOut:
    detail = insights.call_detail(storage, principal.account_id, call_id, limits(settings))
    fields = insight_fields(detail.call, detail.insight, limits(settings))
    fields["qualified"] = detail.qualified
    base = CallOut.of(detail.call, **fields).model_dump()
    return CallDetailOut(
        **base,
        transcript=_transcript_out(detail.transcript),
        score_reasons=list(detail.insight.reasons) if detail.insight else [],
        score_overridden=bool(detail.insight and detail.insight.override_score is not None),
        notes=detail.insight.notes if detail.insight else None,
    )


@router.patch("/v1/calls/{call_id}", response_model=CallDetailOut)
def override_call(
    call_id: CallId,
    body: OverrideIn,
    storage: SettledStorageDep,
    principal: AdminDep,
    settings: SettingsDep,
    now: NowDep,
) -> CallDetailOut:
    """A person's lead score and qualification for the call; they win over the computed ones."""
    insights.override(
        storage, principal.account_id, call_id, body.score, body.qualified, now, body.notes
    )
    return get_call(call_id, storage, principal, settings)


@router.get(
    "/v1/calls/{call_id}/recording",
    response_class=FileResponse,
    responses={200: {"content": {"audio/*": {}}, "description": "the call's audio"}},
)
def call_recording(
    call_id: CallId, storage: SettledStorageDep, principal: PrincipalDep, files: FilesDep
) -> FileResponse:
    """The call's recording as fetched into callscope's store (404 until it is fetched)."""
    found = recordings.playable(storage, principal.account_id, call_id)
    return FileResponse(files.path(found.path), media_type=found.content_type)


def _keyword_out(rule: KeywordRule) -> KeywordOut:
    return KeywordOut(
        keyword_id=rule.id,
        site_id=rule.site_id,
        phrase=rule.phrase,
        tag=rule.tag,
        weight=rule.weight,
        speaker=rule.speaker,
    )


def _transcript_out(state: insights.TranscriptState) -> TranscriptOut:
    transcript = state.transcript
    if transcript is None:
        return TranscriptOut(status=state.status, error=state.error)
    segments = [SegmentOut(**s.__dict__) for s in transcript.segments]
    return TranscriptOut(
        status="done", text=transcript.text, segments=segments, engine=transcript.engine
    )
