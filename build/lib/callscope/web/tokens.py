"""JavaScript tokens as the snippet minifier sees them: words, literals, punctuation characters."""

from __future__ import annotations

from typing import NamedTuple


class MinifyError(ValueError):
    """The source uses something the minifier does not read (a template literal, an open string)."""


class Token(NamedTuple):
    kind: str  # "word" (identifier, keyword or number), "literal" (string, regex) or "punct"
    text: str
    gap: str  # whitespace before the token in the source: "", " " or "\n"


def is_word(char: str) -> bool:
    """Whether `char` can be part of an identifier, keyword or number."""
    return char.isalnum() or char in "_$\\" or ord(char) > 126
