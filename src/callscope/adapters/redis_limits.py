"""Token buckets and per-address lease slots kept in Redis, so every server process shares
them. Each operation is one atomic Lua script; with Redis unreachable it answers None and the
caller falls back to what one process can do alone (fail open, never an error)."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from callscope.logs import log_event

TIMEOUT = 0.25  # seconds: a hung Redis must not hold a visit up for long
RETRY_AFTER = 1.0  # seconds without trying Redis after it failed, so requests do not queue on it
WARN_EVERY = 10.0  # seconds between two warnings while Redis stays away

# KEYS: one hash per bucket; ARGV: rate (tokens a second) and burst per bucket. Spends a token
# of every bucket only when each has one; returns {0, 0} or {refused bucket (1-based), seconds}.
TAKE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local tokens, refused = {}, 0
for i = 1, #KEYS do
  local rate, burst = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
  local state = redis.call('HMGET', KEYS[i], 't', 's')
  local kept, seen = tonumber(state[1]) or burst, tonumber(state[2]) or now
  tokens[i] = math.min(burst, kept + math.max(0, now - seen) * rate)
  if tokens[i] < 1 and refused == 0 then refused = i end
end
for i = 1, #KEYS do
  local rate, burst = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
  local left = tokens[i]
  if refused == 0 then left = left - 1 end
  redis.call('HSET', KEYS[i], 't', tostring(left), 's', tostring(now))
  redis.call('PEXPIRE', KEYS[i], math.ceil(burst / rate * 1000) + 1000)
end
if refused == 0 then return {0, 0} end
local wait = (1 - tokens[refused]) / tonumber(ARGV[2 * refused - 1])
return {refused, math.max(1, math.floor(wait + 0.5))}
"""

# KEYS[1]: the address's sorted set of visit -> lease end; ARGV: now, until, cap, visit.
RESERVE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIRE', KEYS[1], math.ceil((tonumber(last[2]) - tonumber(ARGV[1])) * 1000) + 1000)
return 1
"""

# ARGV: now, until, visit. Key lifetimes are relative: the callers' clock may not be Redis's.
EXTEND = """
if redis.call('ZADD', KEYS[1], 'XX', 'CH', ARGV[2], ARGV[3]) == 1 then
  local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  redis.call('PEXPIRE', KEYS[1], math.ceil((tonumber(last[2]) - tonumber(ARGV[1])) * 1000) + 1000)
end
return 1
"""

Bucket = tuple[str, float, float]  # key, tokens a minute, burst


class RedisLimits:
    """The shared state of the visit limits in one Redis, under `prefix`."""

    def __init__(
        self, url: str, prefix: str = "callscope:", clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._redis = redis.Redis.from_url(
            url,
            socket_timeout=TIMEOUT,
            socket_connect_timeout=TIMEOUT,
            retry=Retry(NoBackoff(), 1),  # one quick reconnect after Redis restarted, no waits
        )
        self._prefix = prefix
        self._clock = clock
        self._take = self._redis.register_script(TAKE)
        self._reserve = self._redis.register_script(RESERVE)
        self._extend = self._redis.register_script(EXTEND)
        self._down_until = 0.0
        self._warned_at = -math.inf
        self._lock = threading.Lock()

    def take(self, buckets: Sequence[Bucket]) -> tuple[int, int] | None:
        """Spend a token of each bucket, all or none: (0, 0), or (the refused bucket's index
        counted from 1, seconds until it has a token); None when Redis cannot say."""
        live = [(f"{self._prefix}rate:{key}", rate, burst) for key, rate, burst in buckets]
        args = [v for _, rate, burst in live for v in (rate / 60.0, burst)]
        answer = self._call(self._take, [key for key, _, _ in live], args)
        if answer is None:
            return None
        refused, wait = answer
        return int(refused), int(wait)

    def reserve(
        self, site_id: int, client: str, visit_id: str, cap: int, now: datetime, until: datetime
    ) -> bool | None:
        """Take one of the address's `cap` lease slots until `until`; None: Redis cannot say."""
        args = [now.timestamp(), until.timestamp(), cap, visit_id]
        answer = self._call(self._reserve, [self._slots(site_id, client)], args)
        return None if answer is None else bool(answer)

    def extend(
        self, site_id: int, client: str, visit_id: str, now: datetime, until: datetime
    ) -> None:
        args = [now.timestamp(), until.timestamp(), visit_id]
        self._call(self._extend, [self._slots(site_id, client)], args)

    def release(self, site_id: int, client: str, visit_id: str) -> None:
        if self._available():
            self._guard(lambda: self._redis.zrem(self._slots(site_id, client), visit_id))

    def _slots(self, site_id: int, client: str) -> str:
        return f"{self._prefix}slots:{site_id}:{client}"

    def _call(self, script: Any, keys: list[str], args: list[Any]) -> Any:
        if not self._available():
            return None
        return self._guard(lambda: script(keys=keys, args=args))

    def _available(self) -> bool:
        return self._clock() >= self._down_until

    def _guard(self, operation: Callable[[], Any]) -> Any:
        try:
            return operation()
        except redis.RedisError as exc:
            self._went_away(exc)
            return None

    def _went_away(self, exc: Exception) -> None:
        now = self._clock()
        with self._lock:
            self._down_until = now + RETRY_AFTER
            if now - self._warned_at < WARN_EVERY:
                return
            self._warned_at = now
        log_event(
            "shared_limits_unavailable",
            level=logging.WARNING,
            error=type(exc).__name__,
            fallback="per-process limits",
        )

    def close(self) -> None:
        self._redis.close()
