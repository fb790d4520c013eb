"""Real audio through the whole pipeline, on SQLite and PostgreSQL: sentences spoken by
espeak-ng, made 8 kHz mu-law telephone audio by sox, mixed into a two-channel call and served
by a loopback HTTP server; a `completed` event with its `record_url` ends as a redacted,
speaker-labelled transcript with tags, a lead score, search and webhooks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile
from bench.transcription.speech import (
    RATE,
    Line,
    conversation,
    missing_tools,
    telephone,
    write_call,
)
from fastapi.testclient import TestClient

from callscope.adapters.recording_store import RecordingFiles
from callscope.adapters.storage import Storage
from callscope.entrypoints.http.app import create_app
from tests.audio_server import audio_server
from tests.conftest import IN_CI
from tests.recording_calls import (
    completed_call,
    files_of,
    recorded_site,
    recording_settings,
    settle,
    worker_for,
)

pytestmark = pytest.mark.e2e

LINES = [
    Line("agent", "thank you for calling acme plumbing how can i help you"),
    Line("caller", "i would like to book an appointment for next tuesday"),
    Line("caller", "my card number is " + " ".join(["four"] + ["one"] * 15), speed=130),
]


@pytest.fixture(scope="module")
def call_audio(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, list[float]]:
    missing = missing_tools()
    if missing:
        if IN_CI:
            pytest.fail(f"CI needs {missing} (make e2e-deps installs them)")
        pytest.skip(f"needs {missing}")
    audio, timeline = conversation(LINES)  # noise levels: bench/transcription
    path = tmp_path_factory.mktemp("speech") / "call.wav"
    return write_call(path, audio), [at for _, at in timeline]


@pytest.fixture
def served(call_audio: tuple[bytes, list[float]]) -> Iterator[str]:
    with audio_server() as server:
        yield server.serve("/recordings/RE1.wav", call_audio[0])


def test_a_recorded_call_becomes_a_redacted_transcript_with_tags_and_a_score(
    storage: Storage, served: str, call_audio: tuple[bytes, list[float]], tmp_path: Path
) -> None:
    settings = recording_settings(tmp_path / "rec", qualified_score=60)
    site = recorded_site(storage)
    app = create_app(settings, storage=storage)
    app.state.recording_files = files_of(settings)
    with TestClient(app) as client:
        rules = f"/v1/sites/{site.site_id}/keywords"
        wanted = {"phrase": "appointments", "tag": "appointment", "weight": 30, "speaker": "caller"}
        assert client.post(rules, headers=site.admin, json=wanted).status_code == 201
        never = {"phrase": "warranty claim", "tag": "warranty", "weight": 25}
        assert client.post(rules, headers=site.admin, json=never).status_code == 201
        hook = {"url": "https://hooks.example/cs", "events": ["call.transcribed", "call.scored"]}
        webhooks = f"/v1/sites/{site.site_id}/webhooks"
        assert client.post(webhooks, headers=site.admin, json=hook).status_code == 201

        completed_call(storage, "CA-talk", served, duration=95)
        pending = client.get("/v1/calls/CA-talk", headers=site.admin).json()
        assert pending["transcript"]["status"] == "pending"
        jobs = settle(worker_for(storage, settings), storage, seconds=300)
        assert {j.kind: j.status.value for j in jobs.values()} == {
            "recording.fetch": "done",
            "call.transcribe": "done",
        }

        call = client.get("/v1/calls/CA-talk", headers=site.admin).json()
        transcript = call["transcript"]
        assert transcript["status"] == "done"
        segments = transcript["segments"]
        starts = call_audio[1]
        agent = [s for s in segments if s["speaker"] == "agent"]
        caller = [s for s in segments if s["speaker"] == "caller"]
        assert segments == agent + caller  # the agent greets, then the caller speaks
        assert abs(agent[0]["start"] - starts[0]) < 0.5
        assert abs(caller[0]["start"] - starts[1]) < 0.5
        text = transcript["text"]
        assert "appointment" in text
        # The spoken card number is masked, not a single run of its digits is left.
        assert "[card]" in text and "one one one" not in text
        # ...and silent in the copy that is played back; the rest of the call is as recorded.
        card_is_silenced(storage, files_of(settings), starts[2])
        played = client.get("/v1/calls/CA-talk/recording", headers=site.admin)
        with storage.read() as uow:
            stored = uow.recordings.get("CA-talk")
        assert stored is not None and stored.redacted_path is not None
        assert played.content == files_of(settings).path(stored.redacted_path).read_bytes()
        assert call["tags"] == [{"tag": "appointment", "at": pytest.approx(starts[1], abs=3)}]
        # answered +30, 60+ s +20, first-time caller +10, appointment +30
        assert call["score"] == 90 and call["qualified"] is True
        assert call["score_reasons"] == [
            "answered +30",
            "60+ s long +20",
            "first-time caller +10",
            "appointment +30",
        ]

        log = f"/v1/calls?site={site.site_id}&from=2026-11-30&to=2026-12-03"
        listed = client.get(log, headers=site.admin).json()["calls"]
        assert [(c["call_id"], c["score"], c["qualified"]) for c in listed] == [
            ("CA-talk", 90, True)
        ]
        found = client.get(log + "&q=appointment", headers=site.admin).json()["calls"]
        assert [c["call_id"] for c in found] == ["CA-talk"]
        assert client.get(log + "&q=warranty", headers=site.admin).json()["calls"] == []

        overridden = client.patch(
            "/v1/calls/CA-talk", headers=site.admin, json={"score": 20, "qualified": False}
        ).json()
        assert (overridden["score"], overridden["qualified"]) == (20, False)
        assert overridden["score_overridden"] is True

    with storage.read() as uow:
        sent = {d.event_type: json.loads(d.payload) for d in uow.webhooks.for_site(site.site_id)}
    assert sent["call.transcribed"]["data"]["transcript"]["text"] == text
    assert (sent["call.scored"]["data"]["score"], sent["call.scored"]["data"]["qualified"]) == (
        90,
        True,
    )


def card_is_silenced(storage: Storage, files: RecordingFiles, line_start: float) -> None:
    """The caller's card digits (the third line, after "my card number is") are near-silent in
    the redacted copy on both channels, and every sample the copy changed is inside that line
    (padded): the greeting and the appointment are as recorded."""
    with storage.read() as uow:
        recording = uow.recordings.get("CA-talk")
    assert recording is not None and recording.redacted_path not in (None, recording.path)
    before, _ = soundfile.read(str(files.path(recording.path)), dtype="float32")
    after, _ = soundfile.read(str(files.path(recording.redacted_path)), dtype="float32")
    assert before.shape == after.shape
    prefix = len(telephone("my card number is", speed=130)) / RATE
    line_end = line_start + len(telephone(LINES[2].text, speed=130)) / RATE
    digits = slice(int((line_start + prefix + 0.3) * RATE), int((line_end - 0.3) * RATE))

    def rms(samples: np.ndarray) -> float:
        return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))

    assert rms(before[digits, 0]) > 0.02  # the caller speaks the digits here
    assert rms(after[digits]) < 1e-3
    changed = np.flatnonzero(np.any(after != before, axis=1))
    assert len(changed) > 0
    assert changed[0] >= (line_start - 0.5) * RATE and changed[-1] <= (line_end + 0.5) * RATE
