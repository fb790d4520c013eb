"""Shorter local names for the snippet: each name it declares becomes one or two letters.

The snippet is one closure, so a name means the same thing wherever it appears; property names
(`a.name`), object keys (`{name: ...}`) and strings keep their spelling.
"""

from __future__ import annotations

import itertools
import string
from collections import Counter
from collections.abc import Iterator

from callscope.web.tokens import MinifyError, Token

_RESERVED = frozenset(
    [
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "debugger",
        "default",
        "delete",
        "do",
        "else",
        "export",
        "extends",
        "false",
        "finally",
        "for",
        "function",
        "if",
        "import",
        "in",
        "instanceof",
        "let",
        "new",
        "null",
        "of",
        "return",
        "super",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typeof",
        "undefined",
        "var",
        "void",
        "while",
        "with",
        "yield",
        "async",
        "await",
        "arguments",
        "eval",
    ]
)
_DECLARES = frozenset({"var", "let", "const", "function"})


def rename_locals(tokens: list[Token]) -> list[Token]:
    """The same tokens with every declared name longer than one letter replaced by a short one."""
    counts = Counter(token.text for token in tokens if token.kind == "word")
    fresh = _short_names(taken=set(counts))
    declared = sorted(_declared_names(tokens), key=lambda name: (-counts[name], name))
    mapping = {name: next(fresh) for name in declared if len(name) > 1}
    return [_rename(tokens, i, mapping) for i in range(len(tokens))]


def _short_names(taken: set[str]) -> Iterator[str]:
    letters = string.ascii_letters
    for size in itertools.count(1):
        for chars in itertools.product(letters, repeat=size):
            name = "".join(chars)
            if name not in taken and name not in _RESERVED:
                yield name


def _declared_names(tokens: list[Token]) -> set[str]:
    names: set[str] = set()
    for i, token in enumerate(tokens[:-1]):
        after = tokens[i + 1]
        if token.text in _DECLARES and after.kind == "word":
            names.add(after.text)
        if token.text in {"function", "catch"}:
            names |= _parameters(tokens, i + 1)
        if token.text == "=" and after.text == ">" and not after.gap:
            names |= _arrow_parameters(tokens, i)
    return names


def _parameters(tokens: list[Token], start: int) -> set[str]:
    """Names between the parenthesis at or after `start` and its match, when plain names."""
    while start < len(tokens) and tokens[start].text != "(":
        start += 1
    names: set[str] = set()
    for token in tokens[start + 1 :]:
        if token.text == ")":
            return names
        if token.kind == "word":
            names.add(token.text)
        elif token.text != ",":
            raise MinifyError(f"parameter list with {token.text!r} is not supported")
    return names


def _arrow_parameters(tokens: list[Token], arrow: int) -> set[str]:
    before = tokens[arrow - 1]
    if before.kind == "word":
        return {before.text}
    start = arrow - 1
    while start > 0 and tokens[start].text != "(":
        start -= 1
    return _parameters(tokens, start)


def _rename(tokens: list[Token], i: int, mapping: dict[str, str]) -> Token:
    token = tokens[i]
    if token.kind != "word" or token.text not in mapping:
        return token
    before = tokens[i - 1].text if i else ""
    after = tokens[i + 1].text if i + 1 < len(tokens) else ""
    if before == "." and (i < 2 or tokens[i - 2].text != "."):
        return token  # a property of some object, not the local (`...name` is a spread)
    if before in {"{", ","} and after == ":":
        return token  # an object key
    if (before in {"{", ","} and after == "}") or (before == "{" and after == ","):
        raise MinifyError(f"shorthand property {token.text!r} would change its key")
    return token._replace(text=mapping[token.text])
