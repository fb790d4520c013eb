"""Fetching a call's recording into the local store, as a background job: queued with the call
event (or Twilio's recording callback) that names it, so playback and transcription never
depend on the platform keeping the file."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from callscope.domain.calls import Call
from callscope.domain.jobs import JobFailed
from callscope.domain.recordings import Recording, RecordingUnavailable, host_matches
from callscope.logs import log_event
from callscope.services import jobs
from callscope.services.ports import (
    AudioProbe,
    RecordingFetcher,
    RecordingFiles,
    Storage,
    UnitOfWork,
)

FETCH = "recording.fetch"


@dataclass(frozen=True)
class FetchTools:
    fetcher: RecordingFetcher
    files: RecordingFiles
    probe: AudioProbe


def fetch_key(call: Call) -> str:
    digest = hashlib.sha256((call.record_url or "").encode()).hexdigest()[:16]
    return f"{FETCH}:{call.call_id}:{digest}"


def enqueue_fetch(uow: UnitOfWork, call: Call, now: datetime) -> bool:
    """Queue the fetch of the call's recording URL (once per call and URL)."""
    if not call.record_url:
        return False
    payload = {"call_id": call.call_id, "url": call.record_url}
    return jobs.enqueue(uow, FETCH, fetch_key(call), payload, now)


def fetch_recording(
    storage: Storage, tools: FetchTools, call_id: str, url: str, now: datetime
) -> Recording | None:
    """Download, check and keep the recording; None when the call is gone (purged, say).
    Raises JobFailed with the reason when the recording cannot be had (now or ever)."""
    with storage.read() as uow:
        call = uow.calls.get(call_id)
        site = uow.sites.get(call.site_id) if call else None
        auth = _credentials(uow, site.account_id, url) if site else None
    if call is None or site is None:
        return None
    incoming = tools.files.incoming()
    try:
        content_type = tools.fetcher.fetch(url, auth, incoming)
        audio = tools.probe(incoming)
        path = tools.files.keep(incoming, call_id, audio.suffix)
    except RecordingUnavailable as exc:
        raise JobFailed(exc.reason, exc.permanent) from exc
    finally:
        tools.files.discard(incoming)
    recording = Recording(call_id, call.site_id, path, content_type, _size(tools, path), now)
    with storage.write() as uow:
        uow.recordings.save(recording)
        # Imported here: transcription depends on insights, which reads this module's keys.
        from callscope.services.transcription import enqueue_transcription

        enqueue_transcription(uow, recording, now)
        uow.commit()
    log_event("recording_fetched", call_id=call_id, bytes=recording.size, seconds=audio.seconds)
    return recording


def _credentials(uow: UnitOfWork, account_id: int, url: str) -> tuple[str, str] | None:
    """Twilio serves recordings to the account's own SID and auth token (HTTP basic)."""
    host = (urlsplit(url).hostname or "").lower()
    return uow.twilio.credentials(account_id) if host_matches(host, ("twilio.com",)) else None


def _size(tools: FetchTools, path: str) -> int:
    return tools.files.path(path).stat().st_size
