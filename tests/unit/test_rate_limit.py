"""Token buckets: bursts, refill over time, one key does not starve another."""

from __future__ import annotations

import pytest

from callscope.entrypoints.http.rate_limit import RateLimited, TokenBuckets


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_is_allowed_then_refused_with_a_retry_time() -> None:
    buckets = TokenBuckets(per_minute=60, burst=3, clock=Clock())
    for _ in range(3):
        buckets.take("1.2.3.4", "address")
    with pytest.raises(RateLimited, match="too many visits from this address") as refused:
        buckets.take("1.2.3.4", "address")
    assert refused.value.retry_after == 1
    buckets.take("5.6.7.8", "address")  # another address is not affected


def test_tokens_come_back_at_the_configured_rate() -> None:
    clock = Clock()
    buckets = TokenBuckets(per_minute=6, burst=1, clock=clock)
    buckets.take("a", "address")
    clock.now += 5
    with pytest.raises(RateLimited) as refused:
        buckets.take("a", "address")
    assert refused.value.retry_after == 5
    clock.now += 10
    buckets.take("a", "address")


def test_a_zero_rate_means_no_limit() -> None:
    buckets = TokenBuckets(per_minute=0, burst=1, clock=Clock())
    for _ in range(1000):
        buckets.take("a", "address")
