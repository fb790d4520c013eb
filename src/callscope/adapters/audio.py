"""Reading audio files (wav, mp3, ogg/vorbis, mu-law...) with soundfile (libsndfile)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile

from callscope.domain.recordings import AudioInfo, RecordingUnavailable

TRUNCATED = 0.95  # less than this share of the frames the header announces can be read
SUFFIXES = {"WAV": ".wav", "WAVEX": ".wav", "MP3": ".mp3", "OGG": ".ogg", "FLAC": ".flac"}


def probe(path: Path) -> AudioInfo:
    """What the file holds; RecordingUnavailable (permanent) when it is not readable audio."""
    try:
        info = soundfile.info(str(path))
        # Reading to the end finds a truncated or corrupt body that the header hid.
        with soundfile.SoundFile(str(path)) as audio:
            frames = _readable_frames(audio)
    except (soundfile.LibsndfileError, RuntimeError, EOFError) as exc:
        raise RecordingUnavailable(f"not readable audio: {exc}"[:300], permanent=True) from exc
    if frames == 0:
        raise RecordingUnavailable("the recording holds no audio", permanent=True)
    if info.frames > 0 and frames < TRUNCATED * info.frames:
        declared, found = info.frames / info.samplerate, frames / info.samplerate
        raise RecordingUnavailable(
            f"truncated audio: its header says {declared:.1f} s, {found:.1f} s could be read",
            permanent=True,
        )
    suffix = SUFFIXES.get(info.format, ".audio")
    return AudioInfo(info.channels, int(info.samplerate), frames / info.samplerate, suffix)


def read_channels(path: Path) -> tuple[list[npt.NDArray[np.float32]], int]:
    """Each channel as float32 samples in [-1, 1], and the sample rate."""
    data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    return [np.ascontiguousarray(data[:, c]) for c in range(data.shape[1])], int(rate)


def silence(source: Path, spans: list[tuple[float, float]], into: Path) -> str:
    """Write a copy of `source` into `into` with every channel silent over `spans` (seconds);
    returns the copy's file-name ending. A WAV stays a WAV of the same encoding, so every
    sample outside the spans is as it was; other formats (mp3, ogg) become lossless FLAC."""
    info = soundfile.info(str(source))
    floating = info.subtype in ("FLOAT", "DOUBLE")
    data, rate = soundfile.read(
        str(source), dtype="float64" if floating else "int32", always_2d=True
    )
    for start, end in spans:
        first = max(0, int(start * rate))
        last = min(len(data), int(np.ceil(end * rate)))
        data[first:last, :] = 0
    if info.format in ("WAV", "WAVEX"):
        soundfile.write(str(into), data, rate, format=info.format, subtype=info.subtype)
        return ".wav"
    soundfile.write(str(into), data, rate, format="FLAC", subtype="PCM_16")
    return ".flac"


def _readable_frames(audio: soundfile.SoundFile) -> int:
    # Not `blocks()`: it counts by the header's length even where the data has run out.
    frames = 0
    while len(block := audio.read(65536, dtype="int16")):
        frames += len(block)
    return frames
