"""Two live leases never hold one number, with several processes leasing at once from one
database: PostgreSQL (row locks) and an SQLite file (one writer at a time)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from callscope.adapters.database import make_engine
from callscope.adapters.storage import Storage
from callscope.services.visits import VisitRequest, start_visit
from tests.conftest import PG_URL, _postgres_storage
from tests.integration.test_pool_policies import site_with

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
PROCESSES = 4
VISITS_EACH = 8
POOL = 12


def lease_numbers(url: str, site_key: str, worker: int) -> list[str]:
    """One process: its own engine, VISITS_EACH visits a few milliseconds of virtual time apart."""
    storage = Storage(make_engine(url))
    shown = []
    for i in range(VISITS_EACH):
        now = T0 + timedelta(milliseconds=10 * i + worker)
        request = VisitRequest(site_key, "https://a/?gclid=x")
        shown.append(start_visit(storage, request, 900, now).number)
    storage.close()
    return shown


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'shared.db'}"
        Storage.connect(url).close()
        yield url
    else:
        _postgres_storage().close()
        assert PG_URL is not None
        yield PG_URL


def test_four_processes_leasing_at_once_never_share_a_live_number(shared_url: str) -> None:
    storage = Storage(make_engine(shared_url))
    _, key = site_with(storage, pool=POOL)
    storage.close()
    spawn = multiprocessing.get_context("spawn")  # fresh interpreters: no engine crosses a fork
    with spawn.Pool(PROCESSES) as pool:
        results = pool.starmap(lease_numbers, [(shared_url, key, w) for w in range(PROCESSES)])
    shown = [number for numbers in results for number in numbers]
    leased = [number for number in shown if number != "+15550100199"]
    assert len(shown) == PROCESSES * VISITS_EACH
    assert len(leased) == POOL  # every number leased once, the other 20 visits got none
    assert len(set(leased)) == POOL
