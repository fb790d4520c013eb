"""Redacted audio, on SQLite and PostgreSQL: with the engine's word times, the spans masked in
the transcript are silenced in a copy of the recording kept beside it; playback serves the copy
while the site redacts (the default) and the recording as made when it does not. The engine
here is a stand-in that "hears" fixed, timed words, so the spans are known to the sample (the
real engine on real speech: tests/e2e/test_conversation_intelligence.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile
from fastapi.testclient import TestClient

from callscope.adapters.audio import silence
from callscope.adapters.recording_store import RecordingFiles
from callscope.adapters.storage import Storage
from callscope.domain.recordings import Recording
from callscope.domain.redaction import PAD
from callscope.domain.transcripts import Word
from callscope.entrypoints.http.app import create_app
from callscope.services import privacy
from callscope.services.transcription import transcribe_call
from tests.conftest import Api
from tests.recording_calls import (
    CALLER,
    T0,
    completed_call,
    encoded,
    files_of,
    recorded_site,
    recording_settings,
    tone_wav,
)

RATE = 8000
# "my card number is four one one ... one thanks": the card number from 1.3 s to 6.1 s.
CARD = [Word("four", 1.3, 1.6)] + [Word("one", 1.6 + 0.3 * i, 1.9 + 0.3 * i) for i in range(15)]
WORDS = [Word("my", 0.2, 0.4), Word("card", 0.4, 0.7), Word("number", 0.7, 1.0)]
WORDS += [Word("is", 1.0, 1.2), *CARD, Word("thanks", 6.5, 7.0)]
SPAN = (1.3 - PAD, 6.1 + PAD)


class Hears:
    """A speech engine that hears the same timed words in any recording, on one channel."""

    engine = "stand-in"

    def transcribe(self, path: Path) -> list[tuple[str, list[Word]]]:
        return [("call", WORDS)]


def stored(storage: Storage, files: RecordingFiles, call_id: str, body: bytes, suffix: str) -> str:
    """A completed call whose recording is already in the store; returns its stored path."""
    call = completed_call(storage, call_id, None)
    incoming = files.incoming()
    incoming.write_bytes(body)
    path = files.keep(incoming, call_id, suffix)
    recording = Recording(call_id, call.site_id, path, "audio/wav", len(body), T0)
    with storage.write() as uow:
        uow.recordings.save(recording)
        uow.commit()
    return path


def samples(path: Path) -> np.ndarray:
    data, rate = soundfile.read(str(path), dtype="int16", always_2d=True)
    assert rate == RATE
    return np.asarray(data)


def test_the_redacted_span_is_silent_in_the_copy_and_every_other_sample_unchanged(
    storage: Storage, tmp_path: Path
) -> None:
    settings = recording_settings(tmp_path / "rec")
    files = files_of(settings)
    site = recorded_site(storage)
    original = tone_wav(8.0, channels=2)
    path = stored(storage, files, "CA-card", original, ".wav")

    transcript = transcribe_call(storage, Hears(), files, "CA-card", T0, 50, silence)

    assert transcript is not None
    assert transcript.text == "call: my card number is " + " ".join(["[card]"] * 16) + " thanks"
    with storage.read() as uow:
        recording = uow.recordings.get("CA-card")
    assert recording is not None and recording.path == path
    assert recording.redacted_path == path.removesuffix(".wav") + ".redacted.wav"
    before, after = samples(files.path(path)), samples(files.path(recording.redacted_path))
    assert before.shape == after.shape == (8 * RATE, 2)
    first, last = int(SPAN[0] * RATE), int(np.ceil(SPAN[1] * RATE))
    assert np.sqrt(np.mean(before[first:last].astype(float) ** 2)) > 5000  # a loud tone
    assert not after[first:last].any()  # silent on both channels
    outside = np.ones(len(before), dtype=bool)
    outside[first:last] = False
    assert np.array_equal(after[outside], before[outside])
    assert soundfile.info(str(files.path(recording.redacted_path))).subtype == "PCM_16"

    app = create_app(settings, storage=storage)
    app.state.recording_files = files
    with TestClient(app) as client:
        redacted_bytes = files.path(recording.redacted_path).read_bytes()
        played = client.get("/v1/calls/CA-card/recording", headers=site.admin)
        assert (played.status_code, played.content) == (200, redacted_bytes)
        sites = f"/v1/sites/{site.site_id}"
        assert client.get(sites, headers=site.admin).json()["redact"] is True
        for bad in ({"redact": "maybe"}, {"redact": True, "colour": "red"}):
            assert client.patch(sites, headers=site.admin, json=bad).status_code == 422
        assert client.get(sites, headers=site.admin).json()["redact"] is True
        off = client.patch(sites, headers=site.admin, json={"redact": False})
        assert (off.status_code, off.json()["redact"]) == (200, False)
        assert client.patch(sites, headers=site.admin, json={}).json()["redact"] is False
        played = client.get("/v1/calls/CA-card/recording", headers=site.admin)
        assert played.content == original  # redaction off: the recording as made
        assert client.patch(sites, headers=site.admin, json={"redact": True}).status_code == 200
        played = client.get("/v1/calls/CA-card/recording", headers=site.admin)
        assert played.content == redacted_bytes
        schema = client.get("/openapi.json").json()["components"]["schemas"]
        assert "SitePatch" in schema and "redact" in schema["SiteOut"]["properties"]

    # Erasing the caller deletes the recording and its redacted copy.
    assert privacy.erase_caller(storage, site.account_id, CALLER, files) == 1
    assert not files.path(path).exists()
    assert not files.path(recording.redacted_path).exists()


def test_a_site_that_does_not_redact_keeps_the_words_and_an_mp3_gets_a_flac_copy(
    storage: Storage, tmp_path: Path
) -> None:
    settings = recording_settings(tmp_path / "rec")
    files = files_of(settings)
    site = recorded_site(storage)
    app = create_app(settings, storage=storage)
    app.state.recording_files = files
    with TestClient(app) as client:
        sites = f"/v1/sites/{site.site_id}"
        assert client.patch(sites, headers=site.admin, json={"redact": False}).status_code == 200
        stored(storage, files, "CA-open", encoded(tone_wav(8.0), "MP3"), ".mp3")

        transcript = transcribe_call(storage, Hears(), files, "CA-open", T0, 50, silence)
        assert transcript is not None
        assert "four one one one" in transcript.text and "[card]" not in transcript.text
        with storage.read() as uow:
            recording = uow.recordings.get("CA-open")
        assert recording is not None and recording.redacted_path is not None
        # The silenced copy is made all the same, should the site turn redaction on.
        assert recording.redacted_path.endswith(".redacted.flac")
        copy = samples(files.path(recording.redacted_path))
        first, last = int(SPAN[0] * RATE), int(np.ceil(SPAN[1] * RATE))
        assert not copy[first:last].any() and np.abs(copy[:first]).max() > 5000
        assert client.patch(sites, headers=site.admin, json={"redact": True}).status_code == 200
        played = client.get("/v1/calls/CA-open/recording", headers=site.admin)
        assert played.headers["content-type"] == "audio/flac"
        assert played.content == files.path(recording.redacted_path).read_bytes()


@pytest.mark.parametrize("redact", [True, False])
def test_a_new_site_states_its_redaction_setting(api: Api, redact: bool) -> None:
    body = {"name": "Shop", "forward_to": "+15550100199", "redact": redact}
    made = api.client.post("/v1/sites", headers=api.admin, json=body)
    assert (made.status_code, made.json()["redact"]) == (201, redact)
    fetched = api.client.get(f"/v1/sites/{made.json()['site_id']}", headers=api.admin)
    assert fetched.json()["redact"] is redact
