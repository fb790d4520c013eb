"""Transcribing a fetched recording, as a background job: the engine's words per speaker are
redacted, grouped into segments, stored, and read for keywords and the lead score; the
`call.transcribed` and `call.scored` webhooks are queued with them."""

from __future__ import annotations

from datetime import datetime

from callscope.domain.jobs import JobFailed
from callscope.domain.recordings import NoSpeech, Recording, RecordingUnavailable
from callscope.domain.redaction import masked_spans, merged, redact
from callscope.domain.transcripts import Transcript, Word, interleave, segments_of
from callscope.logs import log_event
from callscope.services import insights, jobs, webhooks
from callscope.services.ports import (
    AudioSilencer,
    RecordingFiles,
    Storage,
    Transcriber,
    UnitOfWork,
)

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
    silence: AudioSilencer,
) -> Transcript | None:
    """Transcribe the call's stored recording; None when it is gone (erased or purged). The
    sensitive spans are masked in the stored text when the site redacts, and silenced in a copy
    of the audio kept beside the recording either way (the site may turn redaction on later)."""
    with storage.read() as uow:
        recording = uow.recordings.get(call_id)
        site = uow.sites.get(recording.site_id) if recording else None
    if recording is None or site is None:
        return None
    try:
        spoken = transcriber.transcribe(files.path(recording.path))
    except NoSpeech as exc:
        _playable_as_is(storage, recording)
        raise JobFailed(exc.reason, exc.permanent) from exc
    except RecordingUnavailable as exc:
        raise JobFailed(exc.reason, exc.permanent) from exc
    redacted = [(speaker, redact(words)) for speaker, words in spoken]
    spans = merged(
        [
            span
            for (_, heard), (_, masked) in zip(spoken, redacted, strict=True)
            for span in masked_spans(heard, masked)
        ]
    )
    copy = _silenced_copy(files, silence, recording, spans)
    kept = redacted if site.redact else spoken
    segments = interleave([segments_of(speaker, words) for speaker, words in kept])
    transcript = Transcript(call_id, recording.site_id, segments, transcriber.engine, now)
    with storage.write() as uow:
        if not _store(uow, transcript, kept, now, qualified_score):
            files.delete([copy] if copy != recording.path else [])
            return None
        uow.recordings.set_redacted(call_id, copy)
        uow.commit()
    log_event("call_transcribed", call_id=call_id, segments=len(segments), silenced=len(spans))
    return transcript


def _playable_as_is(storage: Storage, recording: Recording) -> None:
    """Nobody speaks in it: the recording is its own redacted copy."""
    with storage.write() as uow:
        if uow.recordings.get(recording.call_id) is not None:
            uow.recordings.set_redacted(recording.call_id, recording.path)
            uow.commit()


def _silenced_copy(
    files: RecordingFiles,
    silence: AudioSilencer,
    recording: Recording,
    spans: list[tuple[float, float]],
) -> str:
    """The stored path of the recording silenced over `spans` (the recording's own when there
    is nothing to silence)."""
    if not spans:
        return recording.path
    temporary = files.incoming()
    try:
        suffix = silence(files.path(recording.path), spans, temporary)
        return files.keep_beside(temporary, recording.path, "redacted", suffix)
    finally:
        files.discard(temporary)


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
