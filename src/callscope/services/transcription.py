"""Transcribing a fetched recording, as a background job: the engine's words per speaker are
redacted, grouped into segments, stored, and read for keywords and the lead score; the
`call.transcribed` and `call.scored` webhooks are queued with them."""

from __future__ import annotations

from datetime import datetime

from callscope.domain.jobs import JobFailed
from callscope.domain.recordings import Recording, RecordingUnavailable
from callscope.domain.redaction import redact
from callscope.domain.transcripts import Transcript, Word, interleave, segments_of
from callscope.logs import log_event
from callscope.services import insights, jobs, webhooks
from callscope.services.ports import RecordingFiles, Storage, Transcriber, UnitOfWork

TRANSCRIBE = "call.transcribe"


def transcribe_key(recording: Recording) -> str:
    return f"{TRANSCRIBE}:{recording.call_id}:{recording.fetched_at.isoformat()}"


def enqueue_transcription(uow: UnitOfWork, recording: Recording, now: datetime) -> bool:
    payload = {"call_id": recording.call_id}
    return jobs.enqueue(uow, TRANSCRIBE, transcribe_key(recording), payload, now)


def transcribe_call(
    storage: Storage,
    transcriber: Transcriber,
    files: RecordingFiles,
    call_id: str,
    now: datetime,
    qualified_score: int,
) -> Transcript | None:
    """Transcribe the call's stored recording; None when it is gone (erased or purged)."""
    with storage.read() as uow:
        recording = uow.recordings.get(call_id)
    if recording is None:
        return None
    try:
        spoken = transcriber.transcribe(files.path(recording.path))
    except RecordingUnavailable as exc:
        raise JobFailed(exc.reason, exc.permanent) from exc
    redacted = [(speaker, redact(words)) for speaker, words in spoken]
    segments = interleave([segments_of(speaker, words) for speaker, words in redacted])
    transcript = Transcript(call_id, recording.site_id, segments, transcriber.engine, now)
    with storage.write() as uow:
        if not _store(uow, transcript, redacted, now, qualified_score):
            return None
        uow.commit()
    log_event("call_transcribed", call_id=call_id, segments=len(segments))
    return transcript


def _store(
    uow: UnitOfWork,
    transcript: Transcript,
    spoken: list[tuple[str, list[Word]]],
    now: datetime,
    qualified_score: int,
) -> bool:
    call = uow.calls.get(transcript.call_id, for_update=True)
    if call is None:
        return False
    uow.transcripts.save(transcript)
    insight = insights.assess(uow, call, spoken, now)
    text: dict[str, object] = {"transcript": {"text": transcript.text, "engine": transcript.engine}}
    webhooks.enqueue_event(uow, call, "call.transcribed", text, now)
    scored = insights.score_body(call, insight, qualified_score)
    webhooks.enqueue_event(uow, call, "call.scored", scored, now)
    return True
