"""The benchmark's telephone speech is made by callscope's own speech adapter (the demo speaks
its calls with it too): see `callscope.adapters.speech`."""

from __future__ import annotations

from callscope.adapters.speech import (
    RATE,
    Line,
    conversation,
    missing_tools,
    telephone,
    with_noise,
    write_call,
)

__all__ = ["RATE", "Line", "conversation", "missing_tools", "telephone", "with_noise", "write_call"]
