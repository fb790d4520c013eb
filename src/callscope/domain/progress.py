"""How long work says how far it got: a callable taking (done, total), total 0 when unknown."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int], None]


def unreported(done: int, total: int) -> None:
    """The progress of work nobody watches."""
