"""Keyword rules, and what a call's transcript tells: tags with their time, a lead score with
its reasons, qualification (a person's override wins), and one call in full for the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from callscope.domain.calls import Call
from callscope.domain.errors import InvalidInput, NotFound
from callscope.domain.jobs import JobStatus
from callscope.domain.keywords import KeywordRule, Tag, spot, tokens
from callscope.domain.scoring import CallInsight, qualified, score_call
from callscope.domain.transcripts import Transcript, Word
from callscope.services import recording_fetch
from callscope.services.ports import Storage, UnitOfWork
from callscope.services.sites import owned_site

SPEAKERS = ("caller", "agent")
MAX_NOTES = 2000


@dataclass(frozen=True)
class Thresholds:
    score: int  # a scored call is qualified from this score on
    seconds: int  # an unscored call is qualified when answered and this long


@dataclass(frozen=True)
class TranscriptState:
    status: str  # "none" | "pending" | "done" | "failed"
    transcript: Transcript | None = None
    error: str | None = None


@dataclass(frozen=True)
class CallDetail:
    call: Call
    insight: CallInsight | None
    qualified: bool
    transcript: TranscriptState


def add_keyword(
    storage: Storage, account_id: int, site_id: int, rule: KeywordRule, now: datetime
) -> KeywordRule:
    if not tokens(rule.phrase):
        raise InvalidInput("phrase must hold at least one word")
    if rule.speaker not in (None, *SPEAKERS):
        raise InvalidInput("speaker must be caller or agent")
    with storage.write() as uow:
        owned_site(uow, account_id, site_id)
        added = uow.insights.add_rule(rule, now)
        uow.commit()
    return added


def list_keywords(storage: Storage, account_id: int, site_id: int) -> list[KeywordRule]:
    with storage.read() as uow:
        return uow.insights.rules(owned_site(uow, account_id, site_id).id)


def assess(
    uow: UnitOfWork, call: Call, spoken: list[tuple[str, list[Word]]], now: datetime
) -> CallInsight:
    """Tags from the site's rules and the score they give; stored in the caller's unit."""
    rules = uow.insights.rules(call.site_id)
    found: dict[str, Tag] = {}
    for speaker, words in spoken:
        for tag in spot(rules, speaker, words):
            earlier = found.get(tag.tag)
            if earlier is None or (tag.at or 0) < (earlier.at or 0):
                found[tag.tag] = tag
    tags = tuple(sorted(found.values(), key=lambda t: t.at or 0))
    weights = {r.id: r.weight for r in rules}
    score = score_call(call, [(t.tag, weights.get(t.rule_id or 0, 0)) for t in tags])
    insight = CallInsight(call.call_id, call.site_id, tags, score.value, score.reasons)
    uow.insights.save(insight, now)
    return uow.insights.get(call.call_id) or insight


def is_qualified(call: Call, insight: CallInsight | None, limits: Thresholds) -> bool:
    if insight is not None and insight.override_qualified is not None:
        return insight.override_qualified
    score = insight.final_score() if insight else None
    return qualified(call, score, limits.score, limits.seconds)


def score_body(call: Call, insight: CallInsight, qualified_score: int) -> dict[str, object]:
    limits = Thresholds(qualified_score, 60)
    return {
        "score": insight.final_score(),
        "qualified": is_qualified(call, insight, limits),
        "reasons": list(insight.reasons),
        "tags": [{"tag": t.tag, "at": t.at} for t in insight.tags],
    }


def call_detail(storage: Storage, account_id: int, call_id: str, limits: Thresholds) -> CallDetail:
    with storage.read() as uow:
        call = uow.calls.get(call_id)
        if call is None:
            raise NotFound("no call with that id")
        owned_site(uow, account_id, call.site_id)
        insight = uow.insights.get(call_id)
        state = _transcript_state(uow, call)
    return CallDetail(call, insight, is_qualified(call, insight, limits), state)


def override(
    storage: Storage,
    account_id: int,
    call_id: str,
    score: int | None,
    qualified_: bool | None,
    now: datetime,
    notes: str | None = None,
) -> None:
    """A person's score and qualification for the call (None: back to the computed one), and
    their notes (None: as they were; empty: none)."""
    if score is not None and not 0 <= score <= 100:
        raise InvalidInput("score must be 0-100")
    if notes is not None and len(notes) > MAX_NOTES:
        raise InvalidInput(f"notes must be at most {MAX_NOTES} characters")
    with storage.write() as uow:
        call = uow.calls.get(call_id, for_update=True)
        if call is None:
            raise NotFound("no call with that id")
        owned_site(uow, account_id, call.site_id)
        uow.insights.override(call_id, call.site_id, score, qualified_, now)
        if notes is not None:
            uow.insights.note(call_id, call.site_id, notes.strip() or None, now)
        uow.commit()


def insights_for(storage: Storage, calls: list[Call]) -> dict[str, CallInsight]:
    with storage.read() as uow:
        return uow.insights.for_calls([c.call_id for c in calls])


def _transcript_state(uow: UnitOfWork, call: Call) -> TranscriptState:
    from callscope.services.transcription import transcribe_key

    transcript = uow.transcripts.get(call.call_id)
    if transcript is not None:
        return TranscriptState("done", transcript)
    if not call.record_url:
        return TranscriptState("none")
    fetch = uow.jobs.by_key(recording_fetch.fetch_key(call))
    recording = uow.recordings.get(call.call_id)
    job = uow.jobs.by_key(transcribe_key(recording)) if recording else fetch
    if job is not None and job.status is JobStatus.FAILED:
        return TranscriptState("failed", error=job.last_error)
    return TranscriptState("pending")


def search(storage: Storage, account_id: int, site_id: int, query: str) -> set[str]:
    """Ids of the site's calls whose transcript holds every word of `query`."""
    with storage.read() as uow:
        return uow.transcripts.search(owned_site(uow, account_id, site_id).id, query)
