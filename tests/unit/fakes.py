"""In-memory fakes of the storage port (`callscope.services.ports`) for fast service tests.

Like cosmicpython's FakeUnitOfWork: each fake repository subclasses the port's Protocol, so a
method the port renames fails here too. A write unit works on a copy of the state and publishes
it only on `commit()`: leaving the block without committing changes nothing, as in SQL. Only
the repositories the unit-tested services use are implemented; the integration tests run the
real adapters on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import TracebackType

from callscope.domain.channel import Channel
from callscope.domain.errors import StorageUnavailable
from callscope.domain.flows import BlockEntry, Blocklist
from callscope.domain.sites import Account, ApiKey, NumberKind, RouteEntry, Site, TrackingNumber
from callscope.services import ports


@dataclass
class State:
    accounts: dict[int, Account] = field(default_factory=dict)
    keys: dict[int, tuple[int, str, ApiKey]] = field(default_factory=dict)  # id: owner, hash, key
    sites: dict[int, Site] = field(default_factory=dict)
    numbers: dict[int, TrackingNumber] = field(default_factory=dict)
    route_notes: list[tuple[int, str | None, str, datetime]] = field(default_factory=list)
    blocked: list[BlockEntry] = field(default_factory=list)


class FakeAccounts(ports.Accounts):
    def __init__(self, state: State) -> None:
        self._s = state

    def add(self, name: str, now: datetime) -> Account:
        account = Account(len(self._s.accounts) + 1, name, now)
        self._s.accounts[account.id] = account
        return account

    def get(self, account_id: int) -> Account | None:
        return self._s.accounts.get(account_id)

    def add_key(
        self, account_id: int, key_hash: str, prefix: str, scope: str, now: datetime
    ) -> int:
        key = ApiKey(len(self._s.keys) + 1, prefix, scope, now)
        self._s.keys[key.id] = (account_id, key_hash, key)
        return key.id

    def keys(self, account_id: int) -> list[ApiKey]:
        return [key for owner, _, key in self._s.keys.values() if owner == account_id]

    def revoke_key(self, account_id: int, key_id: int, now: datetime) -> bool:
        owner, key_hash, key = self._s.keys[key_id]
        self._s.keys[key_id] = (owner, key_hash, replace(key, revoked_at=now))
        return owner == account_id

    def key_owner(self, key_hash: str) -> tuple[int, str] | None:
        for owner, stored, key in self._s.keys.values():
            if stored == key_hash and key.revoked_at is None:
                return owner, key.scope
        return None


class FakeSites(ports.Sites):
    def __init__(self, state: State) -> None:
        self._s = state

    def add(self, site: Site, now: datetime) -> Site:
        site = replace(site, id=len(self._s.sites) + 1)
        self._s.sites[site.id] = site
        return site

    def change(self, site: Site) -> None:
        self._s.sites[site.id] = site

    def get(self, site_id: int) -> Site | None:
        return self._s.sites.get(site_id)

    def by_key(self, site_key: str) -> Site | None:
        return next((s for s in self._s.sites.values() if s.site_key == site_key), None)

    def for_account(self, account_id: int) -> list[Site]:
        return [s for s in self._s.sites.values() if s.account_id == account_id]


class FakeNumbers(ports.Numbers):
    def __init__(self, state: State) -> None:
        self._s = state

    def add(
        self,
        site_id: int,
        number: str,
        kind: NumberKind,
        channel: Channel | None,
        forward_to: str | None,
        now: datetime,
    ) -> TrackingNumber:
        new_id = len(self._s.numbers) + 1
        added = TrackingNumber(new_id, site_id, number, kind, channel, forward_to, now)
        self._s.numbers[new_id] = added
        return added

    def get(self, number_id: int) -> TrackingNumber | None:
        return self._s.numbers.get(number_id)

    def by_number(self, number: str) -> TrackingNumber | None:
        return next((n for n in self._s.numbers.values() if n.number == number), None)

    def for_site(self, site_id: int, kind: NumberKind | None = None) -> list[TrackingNumber]:
        return [
            n
            for n in self._s.numbers.values()
            if n.site_id == site_id and (kind is None or n.kind is kind)
        ]

    def count(self, site_id: int, kind: NumberKind) -> int:
        return len(self.for_site(site_id, kind))

    def routes(self, number: str | None = None, after_id: int = 0) -> list[tuple[str, RouteEntry]]:
        return [
            (
                n.number,
                RouteEntry(
                    n.id,
                    n.site_id,
                    n.kind,
                    n.agent_number(self._s.sites[n.site_id]),
                    self._s.sites[n.site_id].account_id,
                ),
            )
            for n in self._s.numbers.values()
            if (number is None or n.number == number) and n.id > after_id
        ]


class FakeCalls:
    """Only what routing uses of the call repository (noting a typed extension code)."""

    def __init__(self, state: State) -> None:
        self._s = state

    def note_route(self, number_id: int, caller: str | None, ext: str, at: datetime) -> None:
        self._s.route_notes.append((number_id, caller, ext, at))


class FakeBlocklists(ports.Blocklists):
    def __init__(self, state: State) -> None:
        self._s = state

    def add(self, entry: BlockEntry, now: datetime) -> BlockEntry:
        entry = replace(entry, id=len(self._s.blocked) + 1, created_at=now)
        self._s.blocked.append(entry)
        return entry

    def for_account(self, account_id: int) -> list[BlockEntry]:
        return [e for e in self._s.blocked if e.account_id == account_id]

    def everyone(self) -> dict[int, Blocklist]:
        accounts = {e.account_id for e in self._s.blocked}
        return {a: Blocklist.of(self.for_account(a)) for a in accounts}

    def remove(self, account_id: int, entry_id: int) -> bool:
        kept = [e for e in self._s.blocked if (e.account_id, e.id) != (account_id, entry_id)]
        removed = len(kept) != len(self._s.blocked)
        self._s.blocked = kept
        return removed

    def reason_for(self, site_id: int, caller: str) -> str | None:
        account = self._s.sites[site_id].account_id
        return Blocklist.of(self.for_account(account)).reason_for(caller)


class FakeUnitOfWork:
    def __init__(self, storage: FakeStorage, write: bool) -> None:
        self._storage, self._write = storage, write

    def __enter__(self) -> FakeUnitOfWork:
        if self._write and self._storage.down:
            raise StorageUnavailable("storage: the fake is down")
        self._state = copy.deepcopy(self._storage.state)
        self.accounts = FakeAccounts(self._state)
        self.sites = FakeSites(self._state)
        self.numbers = FakeNumbers(self._state)
        self.calls = FakeCalls(self._state)
        self.blocklist = FakeBlocklists(self._state)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        pass  # what was not committed is dropped with the copy

    def commit(self) -> None:
        assert self._write, "a read unit of work must not commit"
        self._storage.state = self._state
        self._storage.commits += 1

    def rollback(self) -> None:
        self._state = copy.deepcopy(self._storage.state)


class FakeStorage:
    """The port's `Storage` in memory; `down = True` makes every write unit fail to open."""

    def __init__(self) -> None:
        self.state = State()
        self.commits = 0
        self.down = False

    def write(self, one_statement: bool = False) -> ports.UnitOfWork:
        return FakeUnitOfWork(self, write=True)  # type: ignore[return-value]

    def read(self) -> ports.UnitOfWork:
        return FakeUnitOfWork(self, write=False)  # type: ignore[return-value]
