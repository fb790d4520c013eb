"""Attribution models: how one lead's credit is shared among the touches before it.

A touch is a visit's own channel (its landing URL and referrer, not the first touch the snippet
carried into it). Every model gives each lead exactly one credit in all, so a report's credits
add up to its number of leads."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from callscope.domain.channel import DIRECT, Channel


class Model(StrEnum):
    FIRST_TOUCH = "first_touch"
    LAST_TOUCH = "last_touch"
    LAST_NON_DIRECT = "last_non_direct"
    LINEAR = "linear"
    POSITION_BASED = "position_based"


# Position based (U-shaped): the first and last touch 40% each, the touches between share 20%.
ENDS_SHARE = 0.4


def weights(model: Model, touches: Sequence[Channel]) -> list[float]:
    """Each touch's share of one lead's credit, in the order given (oldest first); they add up
    to 1. A lead with no touch has no weights (its credit goes to "unattributed")."""
    n = len(touches)
    if n == 0:
        return []
    shares = [0.0] * n
    if model is Model.FIRST_TOUCH:
        shares[0] = 1.0
    elif model is Model.LAST_TOUCH:
        shares[-1] = 1.0
    elif model is Model.LAST_NON_DIRECT:
        chosen = [i for i, t in enumerate(touches) if t.source != DIRECT.source]
        shares[chosen[-1] if chosen else n - 1] = 1.0
    elif model is Model.LINEAR or n <= 2:
        shares = [1.0 / n] * n
    else:
        middle = (1.0 - 2 * ENDS_SHARE) / (n - 2)
        shares = [ENDS_SHARE, *([middle] * (n - 2)), ENDS_SHARE]
    return shares


def credit(model: Model, touches: Sequence[Channel], field: str) -> dict[str | None, float]:
    """One lead's credit per value of a channel field ("source", "medium", ...); a lead without
    touches credits None (unattributed)."""
    if not touches:
        return {None: 1.0}
    out: dict[str | None, float] = {}
    for touch, share in zip(touches, weights(model, touches), strict=True):
        key = getattr(touch, field) or None
        out[key] = out.get(key, 0.0) + share
    return out
