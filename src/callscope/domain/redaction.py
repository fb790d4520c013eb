"""Masking card numbers, card security codes, US social security numbers and e-mail addresses
in transcripts, word by word (so the same spans can be found in the audio).

Speech engines spell numbers as words ("four one one one"): digit words count as digits. A run
of 13-19 digits is a card number when it passes the Luhn check; a spoken run of 13 or more is
masked even when it does not (an engine mishears digits, and masking too much is the safe side)."""

from __future__ import annotations

import re
from dataclasses import replace

from callscope.domain.transcripts import Word

DIGIT_WORDS = {
    "zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
CODE_CUES = (("security", "code"), ("cvv",), ("c", "v", "v"), ("verification", "code"))
EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")
SSN = re.compile(r"^\d{3}-\d{2}-\d{4}$")
DOMAINS = ("com", "net", "org", "edu", "gov", "io", "co", "us", "uk")
CARD, CODE, SSN_MASK, EMAIL_MASK = "[card]", "[code]", "[ssn]", "[email]"
PAD = 0.25  # seconds of audio silenced either side of a masked word


def redact(words: list[Word]) -> list[Word]:
    """The words with sensitive spans replaced by a mask (one mask word per masked word)."""
    texts = [w.text.lower() for w in words]
    masks: dict[int, str] = {}
    for start, end, digits in _digit_runs(texts):
        spoken = any(not texts[i].isdigit() for i in range(start, end))
        if 13 <= len(digits) <= 19 and (luhn(digits) or spoken):
            masks.update(dict.fromkeys(range(start, end), CARD))
        elif len(digits) == 9 and spoken:
            masks.update(dict.fromkeys(range(start, end), SSN_MASK))
    masks.update(_codes(texts, masks))
    masks.update(_written(texts))
    masks.update(_spoken_emails(texts))
    return [replace(w, text=masks[i]) if i in masks else w for i, w in enumerate(words)]


def masked_spans(
    heard: list[Word], redacted: list[Word], pad: float = PAD
) -> list[tuple[float, float]]:
    """The stretches of audio (seconds) where `redact` masked a word of `heard`, widened by
    `pad` each side (an engine's word times are not exact) and merged where they touch."""
    spans = sorted(
        (max(0.0, h.start - pad), h.end + pad)
        for h, r in zip(heard, redacted, strict=True)
        if r.text != h.text
    )
    return merged(spans)


def merged(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Overlapping or touching spans joined, in order."""
    joined: list[tuple[float, float]] = []
    for start, end in sorted(spans):
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], end))
        else:
            joined.append((start, end))
    return joined


def redact_text(text: str) -> str:
    words = [Word(t, 0.0, 0.0) for t in text.split()]
    return " ".join(w.text for w in redact(words))


def luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _digits(text: str) -> str | None:
    if text.isdigit():
        return text
    return DIGIT_WORDS.get(text)


def _digit_runs(texts: list[str]) -> list[tuple[int, int, str]]:
    runs, start, digits = [], 0, ""
    for index, text in enumerate([*texts, ""]):
        found = _digits(text.replace("-", "")) if text else None
        if found is None:
            if digits:
                runs.append((start, index, digits))
            digits = ""
            continue
        if not digits:
            start = index
        digits += found
    return runs


def _codes(texts: list[str], masks: dict[int, str]) -> dict[int, str]:
    """The 3-4 digits said within eight words after a cue such as "security code" or "CVV"."""
    found: dict[int, str] = {}
    for index in range(len(texts)):
        for cue in CODE_CUES:
            if tuple(texts[index : index + len(cue)]) != cue:
                continue
            after = index + len(cue)
            for start, end, digits in _digit_runs(texts[after : after + 8]):
                if 3 <= len(digits) <= 4:
                    found.update(dict.fromkeys(range(after + start, after + end), CODE))
    return {i: m for i, m in found.items() if i not in masks}


def _written(texts: list[str]) -> dict[int, str]:
    found = {}
    for index, text in enumerate(texts):
        if EMAIL.match(text):
            found[index] = EMAIL_MASK
        elif SSN.match(text):
            found[index] = SSN_MASK
    return found


def _spoken_emails(texts: list[str]) -> dict[int, str]:
    """ "john at example dot com": the name, the host and the domain are masked."""
    found = {}
    for index, text in enumerate(texts):
        spoken = text == "at" and index > 0 and index + 3 < len(texts)
        if spoken and texts[index + 2] == "dot" and texts[index + 3] in DOMAINS:
            found.update(dict.fromkeys(range(index - 1, index + 4), EMAIL_MASK))
    return found
