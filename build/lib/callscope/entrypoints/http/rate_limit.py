"""Token buckets per client address and per site on the public visit endpoint, in memory.

Each server process keeps its own buckets, so with N processes the effective limit is up to
N times the setting; the per-address lease cap in the visit service holds across processes."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from callscope.domain.errors import DomainError

MAX_KEYS = 100_000  # bounded memory under a flood of distinct addresses


class RateLimited(DomainError):
    """Too many requests; `retry_after` is in whole seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TokenBuckets:
    """`per_minute` requests a minute per key, with bursts up to `burst`."""

    def __init__(
        self, per_minute: float, burst: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str, what: str) -> None:
        """Spend one token of `key`, or raise RateLimited saying when to come back."""
        if self.rate <= 0:
            return
        with self._lock:
            now = self.clock()
            tokens, seen = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - seen) * self.rate)
            if tokens < 1:
                self._remember(key, tokens, now)
                raise RateLimited(
                    f"too many visits from this {what}; slow down",
                    retry_after=max(1, round((1 - tokens) / self.rate)),
                )
            self._remember(key, tokens - 1, now)

    def _remember(self, key: str, tokens: float, now: float) -> None:
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > MAX_KEYS:
            self._buckets.popitem(last=False)
