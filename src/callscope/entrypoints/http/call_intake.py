"""How a server process takes a telephony webhook's call event: applied before the answer while
few are being applied at once, else stored as it comes and applied just after the answer (by
the server's background loop, or by whatever reads calls first). Either way the event is in the
database before the platform hears back, and a repeat changes nothing."""

from __future__ import annotations

import threading
from datetime import datetime

from callscope.domain.calls import Call, CallEvent
from callscope.services.calls import accept_call_event, record_call_event
from callscope.services.ports import Storage


class InlineSlots:
    """How many call events this process applies before answering, at once."""

    def __init__(self, size: int) -> None:
        self._slots = threading.BoundedSemaphore(size) if size else None

    def take_event(
        self, storage: Storage, event: CallEvent, lease_seconds: int, now: datetime
    ) -> Call | None:
        """The call after `event` when it was applied now; None when it was stored to be
        applied just after the answer."""
        if self._slots is not None and self._slots.acquire(blocking=False):
            try:
                return record_call_event(storage, event, lease_seconds, now)
            finally:
                self._slots.release()
        accept_call_event(storage, event, lease_seconds, now)
        return None
