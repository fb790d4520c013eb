"""Recordings fetched into callscope's store by a background job, on SQLite and PostgreSQL:
played back only to the owning account, and every bad answer of a recording host ends as a
failed job with its reason while the call stays as it was and the worker goes on."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile
from fastapi.testclient import TestClient

from callscope.adapters.audio import probe
from callscope.adapters.recording_fetch import HttpRecordingFetcher
from callscope.adapters.recording_store import RecordingFiles
from callscope.adapters.storage import Storage
from callscope.domain.jobs import JobStatus
from callscope.domain.recordings import FetchPolicy
from callscope.entrypoints.http.app import create_app
from callscope.services import privacy
from callscope.services.accounts import create_account
from callscope.services.insights import Thresholds, TranscriptState, call_detail
from callscope.services.recording_fetch import FETCH, FetchTools, fetch_recording
from callscope.services.recordings import get_call
from callscope.services.transcription import TRANSCRIBE
from tests.audio_server import AudioServer, audio_server
from tests.recording_calls import (
    CALLER,
    T0,
    completed_call,
    encoded,
    files_of,
    job_of,
    recorded_site,
    recording_settings,
    settle,
    tone_wav,
    worker_for,
)


@pytest.fixture
def server() -> Iterator[AudioServer]:
    with audio_server() as running:
        yield running


def test_a_completed_call_with_a_record_url_gets_its_recording_fetched_and_played(
    storage: Storage, server: AudioServer, tmp_path: Path
) -> None:
    settings = recording_settings(tmp_path / "rec")
    site = recorded_site(storage)
    body = tone_wav(2.0)
    completed_call(storage, "CA-ok", server.serve("/ok.wav", body))

    jobs = settle(worker_for(storage, settings), storage)

    fetched = job_of(jobs, FETCH, "CA-ok")
    assert (fetched.status, fetched.attempts, fetched.last_error) == (JobStatus.DONE, 1, None)
    with storage.read() as uow:
        recording = uow.recordings.get("CA-ok")
    assert recording is not None and recording.size == len(body)
    assert files_of(settings).path(recording.path).read_bytes() == body
    assert recording.path.endswith(".wav") and "CA-ok" not in recording.path
    app = create_app(settings, storage=storage)
    app.state.recording_files = files_of(settings)
    _, key = create_account(storage, "Someone else", T0)
    with TestClient(app) as client:
        owner = site.admin
        played = client.get("/v1/calls/CA-ok/recording", headers=owner)
        assert played.status_code == 200
        assert played.content == body
        assert played.headers["content-type"] == "audio/wav"
        other = {"Authorization": f"Bearer {key}"}
        assert client.get("/v1/calls/CA-ok/recording", headers=other).status_code == 404
        assert client.get("/v1/calls/CA-ok/recording").status_code == 401
        assert client.get("/v1/calls/nope/recording", headers=owner).status_code == 404


BAD = {
    "CA-404": ("/missing.wav", "HTTP 404 from the recording host"),
    "CA-html": ("/page.html", "not audio: content type text/html"),
    "CA-cut": ("/cut-short.wav", "download from 127.0.0.1 was cut short"),
    "CA-2gb": ("/declared-2gb.mp3", "recording too large: 2147483648 bytes declared"),
    "CA-endless": ("/endless.wav", "recording too large: more sent"),
    "CA-trunc": ("/truncated.mp3", "truncated audio: its header says 3.0 s"),
    "CA-noise": ("/not-audio.wav", "not readable audio"),
}


def test_bad_recordings_end_as_failed_jobs_with_reasons_and_the_calls_are_unaffected(
    storage: Storage, server: AudioServer, tmp_path: Path
) -> None:
    settings = recording_settings(tmp_path / "rec")
    recorded_site(storage)
    mp3 = encoded(tone_wav(3.0), "MP3")
    server.serve("/truncated.mp3", mp3[: len(mp3) // 3], "audio/mpeg")
    server.serve("/not-audio.wav", b"RIFF-but-not-really" * 50)
    for call_id, (path, _) in BAD.items():
        completed_call(storage, call_id, server.url + path)
    completed_call(storage, "CA-down", "http://127.0.0.1:9/gone.wav")  # nothing listens there
    completed_call(storage, "CA-fine", server.serve("/fine.wav", tone_wav(1.0)))

    jobs = settle(worker_for(storage, settings), storage)

    for call_id, (_, reason) in BAD.items():
        job = job_of(jobs, FETCH, call_id)
        assert job.status is JobStatus.FAILED, call_id
        assert job.last_error is not None and job.last_error.startswith(reason), job.last_error
        assert get_call(storage, call_id).status.value == "completed"
    down = job_of(jobs, FETCH, "CA-down")
    assert (down.status, down.attempts) == (JobStatus.FAILED, 3)  # retried: it may come back
    assert down.last_error == "cannot connect to 127.0.0.1"
    assert job_of(jobs, FETCH, "CA-404").attempts == 1  # a 404 stays a 404
    assert job_of(jobs, FETCH, "CA-fine").status is JobStatus.DONE
    with storage.read() as uow:
        assert uow.recordings.get("CA-fine") is not None
        assert all(uow.recordings.get(c) is None for c in BAD)
    leftovers = [p.name for p in (tmp_path / "rec").rglob("*") if p.is_file()]
    assert len(leftovers) == 1 and leftovers[0].endswith(".wav")  # no half-downloaded files


def test_twilio_recordings_are_fetched_with_the_accounts_credentials(
    storage: Storage, tmp_path: Path
) -> None:
    site = recorded_site(storage)
    with storage.write() as uow:
        uow.twilio.save(site.account_id, "AC123", "token-456", T0)
        uow.commit()
    seen: list[httpx.Request] = []

    def twilio(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, headers={"content-type": "audio/x-wav"}, content=WAV)

    fetcher = HttpRecordingFetcher(
        FetchPolicy(),
        1_000_000,
        5,
        resolver=lambda host: ["54.172.60.1"],
        transport=httpx.MockTransport(twilio),
    )
    files = RecordingFiles(tmp_path / "rec")
    url = "https://api.twilio.com/2010-04-01/Accounts/AC123/Recordings/RE1"
    completed_call(storage, "CA-tw", None)

    recording = fetch_recording(storage, FetchTools(fetcher, files, probe), "CA-tw", url, T0)

    assert recording is not None and recording.content_type == "audio/x-wav"
    (request,) = seen
    expected = "Basic " + base64.b64encode(b"AC123:token-456").decode()
    assert (str(request.url), request.headers["authorization"]) == (url, expected)
    assert files.path(recording.path).read_bytes() == WAV


WAV = tone_wav(0.5)


def test_purge_and_erasure_delete_the_audio(
    storage: Storage, server: AudioServer, tmp_path: Path
) -> None:
    settings = recording_settings(tmp_path / "rec")
    account_id = recorded_site(storage).account_id
    completed_call(storage, "CA-1", server.serve("/1.wav", tone_wav(1.0)))
    settle(worker_for(storage, settings), storage)
    files = files_of(settings)
    with storage.read() as uow:
        recording = uow.recordings.get("CA-1")
    assert recording is not None and files.path(recording.path).exists()

    assert privacy.erase_caller(storage, account_id, CALLER, files) == 1

    assert not files.path(recording.path).exists()
    with storage.read() as uow:
        assert uow.recordings.get("CA-1") is None
    completed_call(storage, "CA-2", server.serve("/2.wav", tone_wav(1.0)))
    settle(worker_for(storage, settings), storage)
    deleted = privacy.purge(storage, T0 + timedelta(days=1), files)
    assert (deleted["recordings"], deleted["audio files"]) == (1, 1)
    assert [p for p in (tmp_path / "rec").rglob("*") if p.is_file()] == []


def test_a_silent_recording_is_kept_but_its_transcription_fails_with_a_reason(
    storage: Storage, server: AudioServer, tmp_path: Path
) -> None:
    settings = recording_settings(tmp_path / "rec")
    site = recorded_site(storage)
    silence = encoded_silence(seconds=3.0)
    completed_call(storage, "CA-quiet", server.serve("/quiet.wav", silence))

    jobs = settle(worker_for(storage, settings), storage)

    assert job_of(jobs, FETCH, "CA-quiet").status is JobStatus.DONE
    transcribe = job_of(jobs, TRANSCRIBE, "CA-quiet")
    assert (transcribe.status, transcribe.attempts) == (JobStatus.FAILED, 1)
    assert transcribe.last_error == "no speech found: the recording is silent"
    limits = Thresholds(50, 60)
    detail = call_detail(storage, site.account_id, "CA-quiet", limits)
    assert detail.transcript == TranscriptState("failed", error=transcribe.last_error)
    # No transcript, no score: the 60 s rule decides (95 s, answered).
    assert (detail.insight, detail.qualified, detail.call.status.value) == (
        None,
        True,
        "completed",
    )


def encoded_silence(seconds: float) -> bytes:
    out = io.BytesIO()
    soundfile.write(out, np.zeros(int(8000 * seconds), dtype=np.float32), 8000, format="WAV")
    return out.getvalue()
