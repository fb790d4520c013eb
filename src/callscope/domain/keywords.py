"""Keyword rules per site and spotting them in a transcript tolerantly: words are compared by
their stems, and a word of 6 letters or more may differ by one letter (engines mishear so)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from callscope.domain.transcripts import Word

SUFFIXES = ("ments", "ment", "ings", "ing", "ies", "ied", "ed", "es", "s", "ly")
WORD = re.compile(r"[a-z0-9']+")


@dataclass(frozen=True)
class KeywordRule:
    id: int
    site_id: int
    phrase: str
    tag: str
    weight: int  # points added to (or taken from) the lead score when the tag is found
    speaker: str | None = None  # "caller" or "agent"; None: anyone


@dataclass(frozen=True)
class Tag:
    tag: str
    at: float | None  # seconds into the call where it was said
    speaker: str | None = None
    rule_id: int | None = None


def tokens(text: str) -> list[str]:
    return WORD.findall(text.lower())


def stem(word: str) -> str:
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def similar(heard: str, wanted: str) -> bool:
    a, b = stem(heard), stem(wanted)
    if a == b:
        return True
    return min(len(a), len(b)) >= 6 and _within_one_edit(a, b)


def spot(rules: list[KeywordRule], speaker: str, words: list[Word]) -> list[Tag]:
    """Every rule's first match in one speaker's words, with the time it was said."""
    heard = [(t, w.start) for w in words for t in tokens(w.text)]
    found = []
    for rule in rules:
        if rule.speaker not in (None, speaker) and speaker != "call":
            continue
        at = _first_match(tokens(rule.phrase), heard)
        if at is not None:
            found.append(Tag(rule.tag, at, speaker, rule.id))
    return found


def marked(rules: list[KeywordRule], speaker: str, text: str) -> list[tuple[str, bool]]:
    """The words of one speaker's line, each with whether it is part of a rule's phrase (every
    match, not only the first): what a page highlights."""
    words = text.split()
    heard = ["".join(tokens(w)) for w in words]
    hit = [False] * len(words)
    for rule in rules:
        if rule.speaker not in (None, speaker) and speaker != "call":
            continue
        phrase = tokens(rule.phrase)
        for start in range(len(words) - len(phrase) + 1):
            window = heard[start : start + len(phrase)]
            if phrase and all(h and similar(h, p) for h, p in zip(window, phrase, strict=True)):
                hit[start : start + len(phrase)] = [True] * len(phrase)
    return list(zip(words, hit, strict=True))


def _first_match(phrase: list[str], heard: list[tuple[str, float]]) -> float | None:
    for start in range(len(heard) - len(phrase) + 1):
        window = heard[start : start + len(phrase)]
        if phrase and all(similar(h, p) for (h, _), p in zip(window, phrase, strict=True)):
            return window[0][1]
    return None


def _within_one_edit(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))
