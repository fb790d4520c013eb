"""Synthetic telephone speech for the demo's calls, the transcription benchmark and tests:
sentences spoken by espeak-ng (Debian) in a given voice and speed, turned into 8 kHz mu-law
band-limited (300-3400 Hz) audio by sox, noise added at a chosen signal-to-noise ratio, and
mixed into one- or two-channel "calls". Every file is made again from text."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile

RATE = 8000
TOOLS = ("espeak-ng", "sox")
Samples = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Line:
    speaker: str  # "caller" or "agent"
    text: str
    voice: str = "en-us"
    speed: int = 150  # words a minute


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def telephone(text: str, voice: str = "en-us", speed: int = 150) -> Samples:
    """`text` spoken, as 8 kHz mu-law band-limited telephone audio (float samples). sox runs
    with `-R` (repeatable dither): with random dither the engine's words changed run to run."""
    with tempfile.TemporaryDirectory() as tmp:
        wide, narrow = Path(tmp) / "wide.wav", Path(tmp) / "narrow.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(wide), text],
            check=True,
            timeout=60,
        )
        subprocess.run(
            [
                "sox",
                "-R",
                str(wide),
                "-r",
                str(RATE),
                "-c",
                "1",
                "-e",
                "u-law",
                str(narrow),
                "sinc",
                "300-3400",
            ],
            check=True,
            timeout=60,
        )
        samples, _ = soundfile.read(str(narrow), dtype="float32")
    return np.asarray(samples, dtype=np.float32)


def with_noise(samples: Samples, snr_db: float | None, seed: int = 1) -> Samples:
    """White noise at `snr_db` below the speech's power (None: as it was)."""
    if snr_db is None:
        return samples
    power = float(np.mean(samples.astype(np.float64) ** 2))
    noise = np.random.default_rng(seed).normal(
        0, np.sqrt(power / 10 ** (snr_db / 10)), len(samples)
    )
    return np.clip(samples + noise, -1, 1).astype(np.float32)


def conversation(
    lines: list[Line], snr_db: float | None = None, gap: float = 0.6
) -> tuple[Samples, list[tuple[Line, float]]]:
    """Two channels (caller left, agent right, as Twilio records them) with the lines spoken
    one after another; also each line with the second it starts at."""
    parts, timeline, at = [], [], 0.5
    for line in lines:
        spoken = telephone(line.text, line.voice, line.speed)
        parts.append((line, int(at * RATE), spoken))
        timeline.append((line, at))
        at += len(spoken) / RATE + gap
    audio = np.zeros((int(at * RATE) + RATE // 2, 2), dtype=np.float32)
    for line, start, spoken in parts:
        audio[start : start + len(spoken), 0 if line.speaker == "caller" else 1] = spoken
    for channel in (0, 1):
        audio[:, channel] = with_noise(audio[:, channel], snr_db, seed=channel + 1)
    return audio, timeline


def write_call(path: Path, audio: Samples) -> bytes:
    """Write telephone audio as an 8 kHz mu-law WAV (what platforms record); its bytes."""
    soundfile.write(str(path), audio, RATE, format="WAV", subtype="ULAW")
    return path.read_bytes()
