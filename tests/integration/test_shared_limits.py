"""Visit limits and the per-address lease cap in a real Redis: two limiters (as two server
processes would hold) share them, and with Redis gone each falls back to its own, warning."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from callscope.adapters.redis_limits import RedisLimits
from callscope.entrypoints.http.rate_limit import RateLimited, VisitLimits
from tests.redis_server import RedisServer

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=15)


def test_two_processes_spend_one_burst_between_them(redis_server: RedisServer) -> None:
    first, second = RedisLimits(redis_server.url), RedisLimits(redis_server.url)
    bucket = [("ip:a1", 60.0, 3.0)]
    assert [first.take(bucket), second.take(bucket), first.take(bucket)] == [(0, 0)] * 3
    assert second.take(bucket) == (1, 1)  # refused: 1 s until the next token
    assert first.take([("ip:b2", 60.0, 3.0)]) == (0, 0)  # another address is not affected


def test_a_refused_site_spends_nothing_of_the_address(redis_server: RedisServer) -> None:
    limits = RedisLimits(redis_server.url)
    assert limits.take([("ip:a1", 60.0, 2.0), ("site:s", 6.0, 1.0)]) == (0, 0)
    assert limits.take([("ip:a1", 60.0, 2.0), ("site:s", 6.0, 1.0)]) == (2, 10)
    assert limits.take([("ip:a1", 60.0, 2.0)]) == (0, 0)  # its second token was kept


def test_the_visit_limits_name_what_was_refused(redis_server: RedisServer) -> None:
    one, other = (VisitLimits(60, 0, RedisLimits(redis_server.url)) for _ in range(2))
    for limits in [one, other] * 10:
        limits.take("client-a", "site-key")
    with pytest.raises(RateLimited, match="too many visits from this address") as refused:
        other.take("client-a", "site-key")
    assert refused.value.retry_after == 1


def test_an_address_gets_its_cap_of_slots_across_processes_until_they_end(
    redis_server: RedisServer,
) -> None:
    first, second = RedisLimits(redis_server.url), RedisLimits(redis_server.url)
    taken = [
        limits.reserve(7, "c1", f"v{i}", 3, NOW, LATER)
        for i, limits in enumerate([first, second, first, second])
    ]
    assert taken == [True, True, True, False]
    assert first.reserve(8, "c1", "v9", 3, NOW, LATER) is True  # another site: its own slots
    second.release(7, "c1", "v1")
    assert first.reserve(7, "c1", "v4", 3, NOW, LATER) is True
    assert first.reserve(7, "c1", "v5", 3, NOW, LATER) is False
    first.extend(7, "c1", "v0", NOW, LATER + timedelta(minutes=5))  # a heartbeat
    after = LATER + timedelta(seconds=1)  # v2 and v4 ended; v0 was extended
    assert [second.reserve(7, "c1", v, 3, after, after + timedelta(minutes=15)) for v in "xyz"] == [
        True,
        True,
        False,
    ]


def test_without_redis_each_process_falls_back_to_its_own_limits_with_a_warning(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    shared = RedisLimits(redis_server.url)
    limits = VisitLimits(60, 0, shared)
    limits.take("client-a", "site-key")
    redis_server.stop()
    with caplog.at_level(logging.WARNING, logger="callscope"):
        for _ in range(20):  # the local burst: 20 more
            limits.take("client-a", "site-key")
        with pytest.raises(RateLimited):
            limits.take("client-a", "site-key")
        assert shared.reserve(7, "c1", "v1", 3, NOW, LATER) is None  # the database decides
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # once, not once per request
    assert '"event": "shared_limits_unavailable"' in warnings[0]
