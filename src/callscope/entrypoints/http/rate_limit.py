"""Token buckets per client address and per site on the public visit endpoint: in Redis,
shared by every server process, when `CALLSCOPE_REDIS_URL` is set; else, and while Redis is
unreachable, in each process's memory (so N processes allow up to N times the setting)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from callscope.adapters.redis_limits import RedisLimits
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

    def take(self, key: str, what: str, kind: str = "visits") -> None:
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
                    f"too many {kind} from this {what}; slow down",
                    retry_after=max(1, round((1 - tokens) / self.rate)),
                )
            self._remember(key, tokens - 1, now)

    def _remember(self, key: str, tokens: float, now: float) -> None:
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > MAX_KEYS:
            self._buckets.popitem(last=False)


class VisitLimits:
    """The visit endpoint's limits: `per_ip` a minute per client address and `per_site` a
    minute per site, bursts of a third of each; 0 turns one off."""

    def __init__(
        self,
        per_ip: float,
        per_site: float,
        shared: RedisLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
        kind: str = "visits",
    ) -> None:
        self._rates = (per_ip, per_site)
        self._kind = kind  # names the limit in messages and in shared keys
        self._address = TokenBuckets(per_ip, burst=_burst(per_ip), clock=clock)
        self._site = TokenBuckets(per_site, burst=_burst(per_site), clock=clock)
        self._shared = shared

    def take(self, client: str, site_key: str) -> None:
        """Spend a visit of the address and of the site, or raise RateLimited."""
        if self._shared is not None and self._take_shared(self._shared, client, site_key):
            return
        self._address.take(client, "address", self._kind)
        self._site.take(site_key, "site", self._kind)

    def _take_shared(self, shared: RedisLimits, client: str, site_key: str) -> bool:
        """True when Redis decided (allowed, or raised); False: ask this process's buckets."""
        per_ip, per_site = self._rates
        prefix = "" if self._kind == "visits" else self._kind + ":"
        named = (
            ("address", f"{prefix}ip:{client}", per_ip),
            ("site", f"{prefix}site:{site_key}", per_site),
        )
        kept = [(what, key, rate) for what, key, rate in named if rate > 0]
        if not kept:
            return True
        answer = shared.take([(key, rate, _burst(rate)) for _, key, rate in kept])
        if answer is None:
            return False
        refused, wait = answer
        if refused:
            what = kept[refused - 1][0]
            message = f"too many {self._kind} from this {what}; slow down"
            raise RateLimited(message, retry_after=wait)
        return True


def _burst(per_minute: float) -> float:
    return max(1.0, per_minute / 3)
