"""Structured log events (one JSON object per line) with phone numbers masked on the way out."""

from __future__ import annotations

import json
import logging
from typing import Any

from callscope.phone import mask

logger = logging.getLogger("callscope")

# Any field with one of these names is a phone number and is masked before it is written.
PHONE_FIELDS = frozenset(
    {"dialed", "dialed_number", "caller", "agent", "agent_number", "number", "forward_to"}
)


def log_event(name: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log `name` with `fields`; phone-number fields are masked, keys are never passed here."""
    if not logger.isEnabledFor(level):
        return
    safe = {
        k: mask(v) if k in PHONE_FIELDS and isinstance(v, str) else v for k, v in fields.items()
    }
    logger.log(level, json.dumps({"event": name, **safe}, default=str, sort_keys=True))


def configure(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(message)s")
