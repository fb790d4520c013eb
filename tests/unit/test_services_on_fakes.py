"""Use cases run against the in-memory fake of the storage port: no database, milliseconds each."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from callscope.domain.channel import Channel
from callscope.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from callscope.domain.sites import NumberKind
from callscope.services import accounts, routing, sites
from callscope.services.sites import NumberDraft, SiteDraft
from tests.unit.fakes import FakeStorage

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
GOOGLE = Channel("google", "cpc", "boilers", "boiler repair")


@pytest.fixture
def storage() -> FakeStorage:
    return FakeStorage()


def new_site(storage: FakeStorage, account_id: int = 1) -> int:
    site = sites.create_site(storage, account_id, SiteDraft("Shop", "+15550100100"), NOW)
    return site.id


def test_a_static_number_without_its_channel_is_refused_and_nothing_is_stored(
    storage: FakeStorage,
) -> None:
    site_id = new_site(storage)
    with pytest.raises(InvalidInput, match="needs the channel"):
        sites.add_number(storage, 1, site_id, NumberDraft("+15550100200", NumberKind.STATIC), NOW)
    assert sites.list_numbers(storage, 1, site_id) == []


def test_a_number_tracked_already_is_a_conflict_and_the_first_one_stays(
    storage: FakeStorage,
) -> None:
    site_id = new_site(storage)
    draft = NumberDraft("+15550100200", NumberKind.STATIC, GOOGLE)
    first = sites.add_number(storage, 1, site_id, draft, NOW)
    commits = storage.commits
    with pytest.raises(Conflict, match="already a tracking number"):
        sites.add_number(storage, 1, site_id, NumberDraft("+15550100200", NumberKind.POOL), NOW)
    assert sites.list_numbers(storage, 1, site_id) == [first]
    assert storage.commits == commits


def test_a_site_gets_one_extension_number(storage: FakeStorage) -> None:
    site_id = new_site(storage)
    sites.add_number(storage, 1, site_id, NumberDraft("+15550100300", NumberKind.EXTENSION), NOW)
    with pytest.raises(Conflict, match="one extension number"):
        second = NumberDraft("+15550100301", NumberKind.EXTENSION)
        sites.add_number(storage, 1, site_id, second, NOW)
    assert [n.number for n in sites.list_numbers(storage, 1, site_id)] == ["+15550100300"]


def test_another_accounts_site_does_not_exist_for_you(storage: FakeStorage) -> None:
    site_id = new_site(storage, account_id=1)
    with pytest.raises(NotFound):
        sites.get_site(storage, 2, site_id)
    with pytest.raises(NotFound):
        sites.add_number(storage, 2, site_id, NumberDraft("+15550100400", NumberKind.POOL), NOW)
    assert sites.list_sites(storage, 2) == []


def test_a_new_accounts_key_authenticates_as_admin_and_a_read_key_cannot_change_things(
    storage: FakeStorage,
) -> None:
    account, admin_key = accounts.create_account(storage, "  ", NOW)
    assert account.name == "account"
    assert accounts.authenticate(storage, admin_key) == accounts.Principal(account.id, "admin")
    read_key = accounts.create_key(storage, account.id, "read", NOW)
    reader = accounts.authenticate(storage, read_key)
    assert reader.scope == "read"
    with pytest.raises(Forbidden):
        reader.require_admin()


def test_the_last_admin_key_cannot_be_revoked_but_a_revoked_key_stops_working(
    storage: FakeStorage,
) -> None:
    account, admin_key = accounts.create_account(storage, "Agency", NOW)
    (admin,) = accounts.list_keys(storage, account.id)
    with pytest.raises(Conflict, match="last admin key"):
        accounts.revoke_key(storage, account.id, admin.id, NOW)
    accounts.create_key(storage, account.id, "admin", NOW)
    accounts.revoke_key(storage, account.id, admin.id, NOW)
    with pytest.raises(Unauthorized, match="unknown or revoked"):
        accounts.authenticate(storage, admin_key)


def test_an_unknown_scope_is_refused(storage: FakeStorage) -> None:
    account, _ = accounts.create_account(storage, "Shop", NOW)
    with pytest.raises(InvalidInput, match="scope must be one of admin, read"):
        accounts.create_key(storage, account.id, "owner", NOW)
    assert len(accounts.list_keys(storage, account.id)) == 1


def test_routing_forwards_to_the_numbers_own_target_else_the_sites(storage: FakeStorage) -> None:
    site_id = new_site(storage)
    own = NumberDraft("+15550100200", NumberKind.STATIC, GOOGLE, forward_to="+15550100999")
    sites.add_number(storage, 1, site_id, own, NOW)
    sites.add_number(storage, 1, site_id, NumberDraft("+15550100201", NumberKind.POOL), NOW)
    assert routing.route_call(storage, "+15550100200", None, None, NOW).agent_number == (
        "+15550100999"
    )
    assert routing.route_call(storage, "+15550100201", None, None, NOW).agent_number == (
        "+15550100100"
    )
    with pytest.raises(NotFound, match="not a tracking number"):
        routing.route_call(storage, "+15550100777", None, None, NOW)


def test_a_typed_code_is_noted_and_a_storage_fault_while_noting_still_routes(
    storage: FakeStorage,
) -> None:
    site_id = new_site(storage)
    sites.add_number(storage, 1, site_id, NumberDraft("+15550100300", NumberKind.EXTENSION), NOW)
    route = routing.route_call(storage, "+15550100300", "1234", "+15550107777", NOW)
    assert route.agent_number == "+15550100100"
    assert storage.state.route_notes == [(route.number.number_id, "+15550107777", "1234", NOW)]
    storage.down = True
    again = routing.route_call(storage, "+15550100300", "5678", "+15550107777", NOW)
    assert again.agent_number == "+15550100100"
    assert len(storage.state.route_notes) == 1
