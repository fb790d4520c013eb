"""The in-memory route table: answers from its copy, notices new numbers, and keeps answering
when the database goes away."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete

from callscope.adapters.database import make_engine
from callscope.adapters.route_table import RouteTable
from callscope.adapters.storage import Storage
from callscope.adapters.tables.core import tracking_numbers
from callscope.domain.errors import StorageUnavailable
from callscope.domain.sites import NumberKind
from callscope.services.accounts import create_account
from callscope.services.routing import route_from_memory
from callscope.services.sites import NumberDraft, SiteDraft, add_number, create_site

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:9/none?connect_timeout=1"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def site_with_number(storage: Storage, number: str, forward_to: str | None = None) -> int:
    account, _ = create_account(storage, "acme", T0)
    site = create_site(storage, account.id, SiteDraft("acme", "+15550100199"), T0)
    draft = NumberDraft(number, NumberKind.POOL, forward_to=forward_to)
    add_number(storage, account.id, site.id, draft, T0)
    return site.id


def test_lookups_answer_the_agent_and_see_numbers_added_later(storage: Storage) -> None:
    site_with_number(storage, "+15550100201")
    routes = RouteTable(storage, clock=Clock())
    entry = routes.lookup("+15550100201")
    assert entry is not None and entry.agent_number == "+15550100199"
    assert routes.lookup("+15550100999") is None
    site_with_number(storage, "+15550100202", forward_to="+15550100150")
    later = routes.lookup("+15550100202")
    assert later is not None and later.agent_number == "+15550100150"


def test_a_database_outage_is_served_from_the_last_copy(storage: Storage) -> None:
    site_with_number(storage, "+15550100201")
    clock = Clock()
    routes = RouteTable(storage, max_age=30, clock=clock)
    assert routes.lookup("+15550100201") is not None
    storage.engine.dispose()
    storage.engine = make_engine(UNREACHABLE)  # the database is gone
    clock.now = 3600  # and the copy is an hour old
    entry = routes.lookup("+15550100201")
    assert entry is not None and entry.agent_number == "+15550100199"
    assert routes.lookup("+15550100999") is None


def test_a_copy_marked_out_of_date_still_answers_while_the_database_is_away(
    storage: Storage,
) -> None:
    """Losing the change listener's connection marks the copy out of date; when that is
    because the database went away, callers must still be forwarded."""
    site_with_number(storage, "+15550100201")
    routes = RouteTable(storage)
    assert routes.lookup("+15550100201") is not None
    storage.engine.dispose()
    storage.engine = make_engine(UNREACHABLE)
    routes.forget()
    entry = routes.lookup("+15550100201")
    assert entry is not None and entry.agent_number == "+15550100199"


def test_without_any_copy_an_outage_is_an_error(tmp_path: object) -> None:
    routes = RouteTable(Storage(make_engine(UNREACHABLE)))
    with pytest.raises(StorageUnavailable):
        routes.lookup("+15550100201")


def test_only_a_fresh_copy_answers_without_the_database(storage: Storage) -> None:
    site_id = site_with_number(storage, "+15550100201")
    with storage.write() as uow:
        uow.numbers.add(site_id, "+15550100300", NumberKind.EXTENSION, None, None, T0)
        uow.commit()
    clock = Clock()
    routes = RouteTable(storage, max_age=30, clock=clock)
    assert route_from_memory(routes, "+15550100201", None) is None  # nothing loaded yet
    routes.lookup("+15550100201")
    answer = route_from_memory(routes, "+15550100201", None)
    assert answer is not None and answer.agent_number == "+15550100199"
    # A typed code is noted in storage, so its route is not answered from memory alone.
    assert route_from_memory(routes, "+15550100300", "4821") is None
    assert route_from_memory(routes, "+15550100300", None) is not None
    clock.now = 31
    assert route_from_memory(routes, "+15550100201", None) is None  # stale: reload first


def test_the_copy_reads_new_numbers_often_and_the_whole_table_seldom(storage: Storage) -> None:
    site_id = site_with_number(storage, "+15550100201")
    clock = Clock()
    routes = RouteTable(storage, max_age=30, full_age=600, clock=clock)
    routes.lookup("+15550100201")
    with storage.write() as uow:
        uow.numbers.add(site_id, "+15550100202", NumberKind.POOL, None, None, T0)
        uow.commit()
    with storage.engine.begin() as conn:  # removed outside the API
        conn.execute(delete(tracking_numbers).where(tracking_numbers.c.number == "+15550100201"))
    clock.now = 31  # new numbers read; the gone one stays until the whole table is read
    assert routes.lookup("+15550100999") is None
    assert routes.held("+15550100202") is not None and routes.held("+15550100201") is not None
    clock.now = 601
    assert routes.lookup("+15550100999") is None
    assert routes.held("+15550100202") is not None and routes.held("+15550100201") is None


def test_whole_table_reads_go_to_the_bulk_storage_but_the_read_after_a_change_to_the_primary(
    tmp_path: Path,
) -> None:
    """A replica behind the primary: here a second database forwarding the number elsewhere."""
    primary = Storage.connect(f"sqlite:///{tmp_path}/primary.db")
    replica = Storage.connect(f"sqlite:///{tmp_path}/replica.db")
    site_with_number(primary, "+15550100301", forward_to="+15550100111")
    site_with_number(replica, "+15550100301", forward_to="+15550100222")
    clock = Clock()
    table = RouteTable(primary, max_age=30, full_age=600, clock=clock, bulk=replica)

    def agent() -> str | None:
        entry = table.lookup("+15550100301")
        return entry.agent_number if entry else None

    assert agent() == "+15550100222"  # loaded from the replica
    table.forget()  # a number changed: the replica may not have it yet
    assert agent() == "+15550100111"
    clock.now += 601  # the periodic whole read goes back to the replica
    assert agent() == "+15550100222"
    primary.close()
    replica.close()
