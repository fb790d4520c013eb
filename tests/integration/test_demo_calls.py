"""The recordings shipped for demos on machines without espeak-ng: each is a two-channel 8 kHz
call the bundled engine transcribes, hearing the keyword its conversation was written for."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest
import soundfile

from callscope.adapters.transcription.pocketsphinx import PocketSphinxTranscriber
from callscope.domain.keywords import KeywordRule, spot
from callscope.entrypoints import demo_calls

pytestmark = pytest.mark.e2e  # transcribes audio: seconds of CPU

WRITTEN_FOR = ["appointment", "urgent-repair", "price-shopper", "wrong-number"]


def test_the_shipped_recordings_are_calls_whose_keywords_are_heard(tmp_path: Path) -> None:
    rules = [
        KeywordRule(i, 1, r.phrase, r.tag, r.weight, r.speaker)
        for i, r in enumerate(demo_calls.KEYWORDS, 1)
    ]
    engine = PocketSphinxTranscriber()
    heard = []
    with mock.patch.object(demo_calls, "missing_tools", return_value=["espeak-ng"]):
        for index in range(len(demo_calls.CONVERSATIONS)):
            name = demo_calls._recording(tmp_path, index)
            assert name == f"call-{index}.ogg"
            info = soundfile.info(str(tmp_path / name))
            assert (info.channels, info.samplerate) == (2, 8000) and info.duration > 5
            spoken = engine.transcribe(tmp_path / name)
            tags = {t.tag for speaker, words in spoken for t in spot(rules, speaker, words)}
            heard.append(WRITTEN_FOR[index] in tags)
    assert sum(heard) >= 3, heard
