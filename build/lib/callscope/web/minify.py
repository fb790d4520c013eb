"""A small JavaScript minifier for the snippet: drops comments and needless whitespace.

It follows JSMin's rules (keep a newline only where automatic semicolon insertion could need it),
reads strings and regular expression literals whole, refuses template literals, and lets
`callscope.web.mangle` shorten local names.
"""

from __future__ import annotations

from dataclasses import dataclass

from callscope.web.mangle import rename_locals
from callscope.web.tokens import MinifyError, Token, is_word

__all__ = ["MinifyError", "minify", "tokenize"]

# After these characters or keywords a `/` starts a regular expression, elsewhere it divides.
_REGEX_AFTER_CHARS = frozenset("(,=:[!&|?{};+-*%<>~^")
_REGEX_AFTER_WORDS = frozenset(
    {"return", "typeof", "case", "do", "else", "in", "of", "new", "delete", "void", "throw"}
)
# A newline survives only between these (JSMin), where dropping it could join two statements.
_NEWLINE_BEFORE = frozenset("}])+-\"'/")
_NEWLINE_AFTER = frozenset("{[(+-!~\"'")


def minify(source: str, *, mangle: bool = True) -> str:
    """Return `source` without comments, with the least whitespace, and short local names."""
    tokens = tokenize(source)
    if mangle:
        tokens = rename_locals(tokens)
    return _emit(tokens)


def tokenize(source: str) -> list[Token]:
    """Split `source` into words, literals and single punctuation characters."""
    tokens: list[Token] = []
    gap = ""
    i = 0
    while i < len(source):
        char = source[i]
        end = i + 1
        if char in " \t\r\n":
            gap = "\n" if char == "\n" or gap == "\n" else " "
        elif source.startswith("//", i):
            end = _find(source, "\n", i)
        elif source.startswith("/*", i):
            end = _find(source, "*/", i) + 2
            gap = gap or " "
        elif char == "`":
            raise MinifyError(f"template literals are not supported (at {i})")
        else:
            kind, end = _token_at(source, i, _regex_allowed(tokens))
            tokens.append(Token(kind, source[i:end], gap))
            gap = ""
        i = end
    return tokens


def _find(source: str, marker: str, start: int) -> int:
    found = source.find(marker, start + 2)
    if found < 0 and marker == "\n":
        return len(source)
    if found < 0:
        raise MinifyError(f"unclosed comment at {start}")
    return found


def _token_at(source: str, i: int, regex_allowed: bool) -> tuple[str, int]:
    char = source[i]
    if char in "'\"" or (char == "/" and regex_allowed):
        return "literal", _literal_end(source, i)
    if is_word(char):
        end = i
        while end < len(source) and is_word(source[end]):
            end += 1
        return "word", end
    return "punct", i + 1


def _regex_allowed(tokens: list[Token]) -> bool:
    if not tokens:
        return True
    last = tokens[-1]
    if last.kind == "word":
        return last.text in _REGEX_AFTER_WORDS
    return last.kind == "punct" and last.text in _REGEX_AFTER_CHARS


def _literal_end(source: str, start: int) -> int:
    """Index just past the string or regular expression literal that starts at `start`."""
    quote = source[start]
    in_class = False
    i = start + 1
    while i < len(source) and source[i] != "\n":
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if quote == "/" and char in "[]":
            in_class = char == "["
        elif char == quote and not in_class:
            return i + 1
        i += 1
    raise MinifyError(f"unterminated literal at {start}")


@dataclass
class _Emitter:
    parts: list[str]
    last: str = ""

    def emit(self, token: Token) -> None:
        first = token.text[0]
        if token.text == "}" and self.parts and self.parts[-1] == ";":
            self.parts.pop()  # `;}` -> `}`: the block end already ends the statement
        elif token.gap and self.last:
            self.parts.append(_separator(token.gap, self.last, first))
        self.parts.append(token.text)
        self.last = token.text[-1]


def _separator(gap: str, last: str, first: str) -> str:
    newline_before = is_word(last) or last in _NEWLINE_BEFORE
    newline_after = is_word(first) or first in _NEWLINE_AFTER
    if gap == "\n" and newline_before and newline_after:
        return "\n"
    if is_word(last) and is_word(first):
        return " "
    if last in "+-" and first == last:
        return " "
    return ""


def _emit(tokens: list[Token]) -> str:
    emitter = _Emitter(parts=[])
    for token in tokens:
        emitter.emit(token)
    return "".join(emitter.parts)
