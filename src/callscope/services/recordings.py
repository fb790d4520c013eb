"""Attaching a recording to a call, and reading a call back for the agent's whisper.

A recording usually arrives after the call's `completed` event, which the (call id, event)
ledger would ignore if sent again: so a recording is its own, naturally idempotent, update."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from callscope.domain.calls import Call
from callscope.domain.errors import InvalidInput, NotFound
from callscope.domain.recordings import Recording
from callscope.services.ports import Storage
from callscope.services.recording_fetch import enqueue_fetch
from callscope.services.sites import owned_site

AUDIO_TYPES = {"wav": "audio/wav", "flac": "audio/flac"}  # the redacted copies' formats


def attach_recording(
    storage: Storage, call_id: str, record_url: str, now: datetime | None = None
) -> Call:
    """Set the call's recording URL and queue its fetch; the same URL twice changes nothing."""
    now = now or datetime.now(UTC)
    if not record_url.startswith(("https://", "http://")):
        raise InvalidInput("record_url must be an http(s) URL")
    with storage.write() as uow:
        call = uow.calls.get(call_id, for_update=True)
        if call is None:
            raise NotFound("no call with that id")
        if call.record_url == record_url:
            return call
        call = replace(call, record_url=record_url)
        uow.calls.save(call)
        enqueue_fetch(uow, call, now)
        uow.commit()
    return call


def get_call(storage: Storage, call_id: str) -> Call:
    with storage.read() as uow:
        call = uow.calls.get(call_id)
    if call is None:
        raise NotFound("no call with that id")
    return call


def recording_of(storage: Storage, account_id: int, call_id: str) -> Recording:
    """The stored recording of one of the account's calls."""
    with storage.read() as uow:
        call = uow.calls.get(call_id)
        if call is None:
            raise NotFound("no call with that id")
        owned_site(uow, account_id, call.site_id)
        recording = uow.recordings.get(call_id)
    if recording is None:
        raise NotFound("no recording stored for this call")
    return recording


def playable(storage: Storage, account_id: int, call_id: str) -> Recording:
    """The audio of one of the account's calls that may be played back: when its site redacts,
    the copy silenced over the redacted spans, which is made with the transcript (NotFound
    until then: callscope cannot tell what the recording holds before it is transcribed)."""
    with storage.read() as uow:
        call = uow.calls.get(call_id)
        if call is None:
            raise NotFound("no call with that id")
        site = owned_site(uow, account_id, call.site_id)
        recording = uow.recordings.get(call_id)
    if recording is None:
        raise NotFound("no recording stored for this call")
    if not site.redact:
        return recording
    if recording.redacted_path is None:
        raise NotFound("the redacted copy of this recording is made with its transcript: not yet")
    if recording.redacted_path == recording.path:
        return recording
    kind = AUDIO_TYPES.get(recording.redacted_path.rsplit(".", 1)[-1], "application/octet-stream")
    return replace(recording, path=recording.redacted_path, content_type=kind)
