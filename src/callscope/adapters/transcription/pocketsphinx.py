"""Speech to text with PocketSphinx, whose US English model ships inside its wheel (works
offline on a fresh install). Each channel is one speaker; speech is cut into utterances at
pauses (an energy detector), each resampled to the model's 16 kHz and decoded with word times.

Telephone audio is 8 kHz: resampling it to 16 kHz beat configuring the front end for 8 kHz by
a wide margin (bench/transcription measures both; the model was trained on 16 kHz features)."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pocketsphinx import Decoder

from callscope.adapters.audio import read_channels
from callscope.domain.recordings import NoSpeech
from callscope.domain.transcripts import Word, speaker_of

RATE = 16000
FRAMES_PER_SECOND = 100  # PocketSphinx's default frame rate
Samples = npt.NDArray[np.float32]
Span = tuple[int, int]  # sample indices [start, end)


class PocketSphinxTranscriber:
    engine = "pocketsphinx-5 en-us"

    def __init__(self) -> None:
        self._local = threading.local()  # a decoder is not thread-safe: one per thread

    def transcribe(self, path: Path) -> list[tuple[str, list[Word]]]:
        """Each channel's speaker and words; RecordingUnavailable when nobody speaks."""
        channels, rate = read_channels(path)
        spoken = [
            (speaker_of(index, len(channels)), self.words(samples, rate))
            for index, samples in enumerate(channels)
        ]
        if not any(words for _, words in spoken):
            raise NoSpeech()
        return spoken

    def words(self, samples: Samples, rate: int) -> list[Word]:
        words: list[Word] = []
        for start, end in speech_spans(samples, rate):
            audio = resample(samples[start:end], rate, RATE)
            words += [_shifted(w, start / rate) for w in self._decode(audio)]
        return words

    def _decode(self, audio: Samples) -> list[Word]:
        decoder = self._decoder()
        pcm = (np.clip(audio, -1.0, 1.0) * 32767).astype("<i2").tobytes()
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        return [
            Word(
                _spelling(s.word),
                s.start_frame / FRAMES_PER_SECOND,
                s.end_frame / FRAMES_PER_SECOND,
            )
            for s in decoder.seg()
            if not s.word.startswith(("<", "[", "+"))
        ]

    def _decoder(self) -> Decoder:
        decoder: Decoder | None = getattr(self._local, "decoder", None)
        if decoder is None:
            decoder = self._local.decoder = Decoder(samprate=RATE, loglevel="FATAL")
        return decoder


def speech_spans(
    samples: Samples, rate: int, max_seconds: float = 20.0, pad: float = 0.1
) -> list[Span]:
    """Where someone speaks: 20 ms frames louder than the noise floor by 10 dB (and than
    -45 dBFS), runs joined across pauses under 0.4 s, padded, at most `max_seconds` each."""
    frame = rate // 50
    count = len(samples) // frame
    if count == 0:
        return []
    frames = samples[: count * frame].reshape(count, frame).astype(np.float64)
    level = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    threshold = max(-45.0, float(np.percentile(level, 10)) + 10.0)
    voiced = np.flatnonzero(level > threshold)
    if len(voiced) < 5:  # under 0.1 s of sound: nobody spoke
        return []
    return _split(_joined(voiced, gap=20), frame, len(samples), rate, max_seconds, pad)


def _joined(voiced: npt.NDArray[np.intp], gap: int) -> list[Span]:
    runs: list[Span] = []
    start = previous = int(voiced[0])
    for index in voiced[1:]:
        if index - previous > gap:
            runs.append((start, previous + 1))
            start = int(index)
        previous = int(index)
    runs.append((start, previous + 1))
    return runs


def _split(
    runs: list[Span], frame: int, total: int, rate: int, max_seconds: float, pad: float
) -> list[Span]:
    spans: list[Span] = []
    longest, margin = int(max_seconds * rate), int(pad * rate)
    for first, last in runs:
        start, end = max(0, first * frame - margin), min(total, last * frame + margin)
        spans += [(s, min(end, s + longest)) for s in range(start, end, longest)]
    return spans


def resample(samples: Samples, rate: int, target: int) -> Samples:
    """Band-limited resampling by the FFT (the signal's spectrum, zero-padded or cut)."""
    if rate == target or len(samples) == 0:
        return samples
    size = round(len(samples) * target / rate)
    spectrum = np.fft.rfft(samples)
    resized = np.zeros(size // 2 + 1, dtype=spectrum.dtype)
    keep = min(len(spectrum), len(resized))
    resized[:keep] = spectrum[:keep]
    return (np.fft.irfft(resized, size) * (size / len(samples))).astype(np.float32)


def _spelling(word: str) -> str:
    return re.sub(r"\(\d+\)$", "", word)  # "an(2)": the second pronunciation of "an"


def _shifted(word: Word, seconds: float) -> Word:
    return Word(word.text, round(word.start + seconds, 2), round(word.end + seconds, 2))
