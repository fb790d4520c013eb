"""Which Twilio token signs a request, and how long a process keeps what it looked up: a
number's owner and a token for KEEP_SECONDS (a clock stands in for time.monotonic), a call's
owner for good, a token saved through this process at once, and never more than KEEP_SIZE."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from types import SimpleNamespace, TracebackType
from typing import cast

import pytest

from callscope.services import ports, twilio_credentials
from callscope.services.twilio_credentials import KEEP_SECONDS, save_credentials, signing_token

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


class FakeTwilio:
    """The stored credentials and owners; `asked` counts the lookups by kind."""

    def __init__(self) -> None:
        self.tokens: dict[int, tuple[str, str]] = {}
        self.numbers: dict[str, int] = {}
        self.calls: dict[str, int] = {}
        self.asked: Counter[str] = Counter()

    def save(self, account_id: int, account_sid: str, auth_token: str, now: datetime) -> None:
        self.tokens[account_id] = (account_sid, auth_token)

    def token(self, account_id: int) -> str | None:
        self.asked["token"] += 1
        found = self.tokens.get(account_id)
        return found[1] if found else None

    def credentials(self, account_id: int) -> tuple[str, str] | None:
        return self.tokens.get(account_id)

    def owner_of_number(self, number: str) -> int | None:
        self.asked["number"] += 1
        return self.numbers.get(number)

    def owner_of_call(self, call_id: str) -> int | None:
        self.asked["call"] += 1
        return self.calls.get(call_id)


class TwilioStorage:
    """A storage with only the Twilio repository (the service needs no other)."""

    def __init__(self) -> None:
        self.twilio = FakeTwilio()

    def __enter__(self) -> TwilioStorage:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        pass

    def commit(self) -> None:
        pass

    def read(self) -> TwilioStorage:
        return self

    def write(self) -> TwilioStorage:
        return self


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(twilio_credentials, "time", SimpleNamespace(monotonic=clock.monotonic))
    return clock


@pytest.fixture
def fake() -> TwilioStorage:
    fake = TwilioStorage()
    fake.twilio.tokens = {1: ("AC1", "token-1"), 2: ("AC2", "token-2")}
    fake.twilio.numbers = {"+15550100101": 1, "+15550100202": 2}
    fake.twilio.calls = {"CA1": 1, "CA2": 2}
    return fake


def storage(fake: TwilioStorage) -> ports.Storage:
    return cast(ports.Storage, fake)


def test_the_owners_token_else_the_fallback_and_none_across_tenants(
    clock: Clock, fake: TwilioStorage
) -> None:
    assert signing_token(storage(fake), "+15550100101", "CA1", "fallback") == "token-1"
    assert signing_token(storage(fake), "+15550100999", None, "fallback") == "fallback"
    assert signing_token(storage(fake), None, None, "fallback") == "fallback"
    assert signing_token(storage(fake), "+15550100101", "CA2", "fallback") is None
    del fake.twilio.tokens[2]
    assert signing_token(storage(fake), None, "CA2", "fallback") == "fallback"


def test_only_what_the_request_names_is_looked_up(clock: Clock, fake: TwilioStorage) -> None:
    signing_token(storage(fake), "+15550100101", None, None)
    assert fake.twilio.asked == Counter(number=1, token=1)
    signing_token(storage(fake), None, "CA2", None)
    assert fake.twilio.asked == Counter(number=1, call=1, token=2)


def test_a_numbers_owner_and_a_token_are_kept_for_keep_seconds(
    clock: Clock, fake: TwilioStorage
) -> None:
    assert signing_token(storage(fake), "+15550100101", None, None) == "token-1"
    fake.twilio.tokens[1] = ("AC1", "token-1b")  # replaced by another process
    fake.twilio.numbers["+15550100101"] = 2
    looked_up = clock.now
    clock.now = looked_up + KEEP_SECONDS - 0.5
    assert signing_token(storage(fake), "+15550100101", None, None) == "token-1"
    assert fake.twilio.asked == Counter(number=1, token=1)
    clock.now = looked_up + KEEP_SECONDS  # exactly KEEP_SECONDS after the lookup: looked up again
    assert signing_token(storage(fake), "+15550100101", None, None) == "token-2"
    assert fake.twilio.asked == Counter(number=2, token=2)


def test_a_calls_owner_is_kept_for_good(clock: Clock, fake: TwilioStorage) -> None:
    assert signing_token(storage(fake), None, "CA1", None) == "token-1"
    clock.now += 1000 * KEEP_SECONDS
    fake.twilio.calls["CA1"] = 2
    assert signing_token(storage(fake), None, "CA1", None) == "token-1"
    assert fake.twilio.asked["call"] == 1


def test_nothing_is_kept_for_a_number_or_call_not_found(clock: Clock, fake: TwilioStorage) -> None:
    assert signing_token(storage(fake), "+15550100999", "CA9", "fallback") == "fallback"
    fake.twilio.numbers["+15550100999"] = 1
    fake.twilio.calls["CA9"] = 1
    assert signing_token(storage(fake), "+15550100999", "CA9", "fallback") == "token-1"


def test_a_token_saved_through_this_process_is_used_at_once(
    clock: Clock, fake: TwilioStorage
) -> None:
    assert signing_token(storage(fake), None, "CA1", None) == "token-1"
    save_credentials(storage(fake), 1, "AC1", "token-new", NOW)
    assert signing_token(storage(fake), None, "CA1", None) == "token-new"


def test_a_full_cache_is_emptied_before_it_grows(
    clock: Clock, fake: TwilioStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(twilio_credentials, "KEEP_SIZE", 2)
    fake.twilio.calls.update({"CA3": 1})
    for call_id in ("CA1", "CA2"):
        signing_token(storage(fake), None, call_id, None)
    signing_token(storage(fake), None, "CA1", None)
    assert fake.twilio.asked["call"] == 2  # two kept: CA1 was not asked again
    signing_token(storage(fake), None, "CA3", None)  # the third empties the cache first
    signing_token(storage(fake), None, "CA1", None)
    assert fake.twilio.asked["call"] == 4
