"""Transcripts: timed words from a speech engine grouped into segments per speaker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

SPEAKERS = ("caller", "agent", "call")  # two channels: caller, agent; one channel: call
PAUSE = 0.8  # seconds of silence that end a segment
MAX_WORDS = 30


@dataclass(frozen=True)
class Word:
    text: str
    start: float  # seconds from the start of the recording
    end: float


@dataclass(frozen=True)
class Segment:
    speaker: str
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Transcript:
    call_id: str
    site_id: int
    segments: tuple[Segment, ...]
    engine: str
    created_at: datetime

    @property
    def text(self) -> str:
        return "\n".join(f"{s.speaker}: {s.text}" for s in self.segments)


def speaker_of(channel: int, channels: int) -> str:
    """Twilio's dual-channel recordings put the caller (parent leg) first, the agent second."""
    if channels == 1:
        return "call"
    return "caller" if channel == 0 else "agent"


def segments_of(speaker: str, words: list[Word]) -> list[Segment]:
    """Group one speaker's words into segments at pauses (or every MAX_WORDS words)."""
    segments: list[Segment] = []
    current: list[Word] = []
    for word in words:
        if current and (word.start - current[-1].end > PAUSE or len(current) >= MAX_WORDS):
            segments.append(_segment(speaker, current))
            current = []
        current.append(word)
    if current:
        segments.append(_segment(speaker, current))
    return segments


def interleave(per_speaker: list[list[Segment]]) -> tuple[Segment, ...]:
    """All speakers' segments in the order they were spoken."""
    return tuple(sorted((s for group in per_speaker for s in group), key=lambda s: s.start))


def _segment(speaker: str, words: list[Word]) -> Segment:
    text = " ".join(w.text for w in words)
    return Segment(speaker, round(words[0].start, 2), round(words[-1].end, 2), text)
