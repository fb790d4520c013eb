"""Call flows (number_id 0: the site's own) with their round-robin counters, and blocklists."""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache

from sqlalchemy import RowMapping, delete, insert, or_, select, update
from sqlalchemy.engine import Connection

from callscope.adapters.tables.core import sites
from callscope.adapters.tables.flows import blocklist, call_flows
from callscope.domain.flows import BlockEntry, Blocklist, Flow, flow_from_dict, flow_to_dict

SITE_FLOW = 0  # the number_id of a site's own flow


@lru_cache(maxsize=4096)
def parse_flow(body: str) -> Flow:
    """A stored flow; the route table reads the same site flow for each of its numbers, so
    each distinct text is parsed once."""
    return flow_from_dict(json.loads(body))


def flow_text(flow: Flow) -> str:
    return json.dumps(flow_to_dict(flow), sort_keys=True, separators=(",", ":"))


class FlowRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, site_id: int, number_id: int = SITE_FLOW) -> Flow | None:
        query = select(call_flows.c.body).where(
            call_flows.c.site_id == site_id, call_flows.c.number_id == number_id
        )
        body = self._conn.execute(query).scalar_one_or_none()
        return parse_flow(body) if body is not None else None

    def put(self, site_id: int, number_id: int, flow: Flow, now: datetime) -> None:
        """Store the flow; its round-robin counter carries on where it was."""
        where = (call_flows.c.site_id == site_id, call_flows.c.number_id == number_id)
        values = {"body": flow_text(flow), "updated_at": now}
        changed = self._conn.execute(update(call_flows).where(*where).values(**values))
        if not changed.rowcount:
            self._conn.execute(
                insert(call_flows).values(site_id=site_id, number_id=number_id, turns=0, **values)
            )

    def remove(self, site_id: int, number_id: int = SITE_FLOW) -> bool:
        stmt = delete(call_flows).where(
            call_flows.c.site_id == site_id, call_flows.c.number_id == number_id
        )
        return bool(self._conn.execute(stmt).rowcount)

    def next_turn(self, site_id: int, number_id: int) -> int:
        """Move the flow's round-robin counter by one and return its value before the move:
        one atomic UPDATE, so processes asking at once each get their own turn."""
        stmt = (
            update(call_flows)
            .where(call_flows.c.site_id == site_id, call_flows.c.number_id == number_id)
            .values(turns=call_flows.c.turns + 1)
            .returning(call_flows.c.turns)
        )
        found = self._conn.execute(stmt).scalar_one_or_none()
        return int(found) - 1 if found is not None else 0


class BlocklistRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, entry: BlockEntry, now: datetime) -> BlockEntry:
        values = {
            "account_id": entry.account_id,
            "number": entry.number,
            "prefix": entry.prefix,
            "reason": entry.reason,
            "created_at": now,
        }
        result = self._conn.execute(insert(blocklist).values(**values))
        entry_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        return BlockEntry(entry_id, entry.account_id, entry.number, entry.prefix, entry.reason, now)

    def for_account(self, account_id: int) -> list[BlockEntry]:
        query = select(blocklist).where(blocklist.c.account_id == account_id)
        return [_entry(r) for r in self._conn.execute(query.order_by(blocklist.c.id)).mappings()]

    def everyone(self) -> dict[int, Blocklist]:
        """Every account's blocklist (the route table keeps them in memory)."""
        by_account: dict[int, list[BlockEntry]] = {}
        for r in self._conn.execute(select(blocklist).order_by(blocklist.c.id)).mappings():
            by_account.setdefault(int(r["account_id"]), []).append(_entry(r))
        return {account: Blocklist.of(entries) for account, entries in by_account.items()}

    def remove(self, account_id: int, entry_id: int) -> bool:
        stmt = delete(blocklist).where(
            blocklist.c.account_id == account_id, blocklist.c.id == entry_id
        )
        return bool(self._conn.execute(stmt).rowcount)

    def reason_for(self, site_id: int, caller: str) -> str | None:
        """Why the site's account blocks `caller` (None: it does not)."""
        account = select(sites.c.account_id).where(sites.c.id == site_id).scalar_subquery()
        query = select(blocklist).where(
            blocklist.c.account_id == account,
            or_(blocklist.c.number == caller, blocklist.c.prefix.is_not(None)),
        )
        entries = [_entry(r) for r in self._conn.execute(query).mappings()]
        return Blocklist.of(entries).reason_for(caller)


def _entry(row: RowMapping) -> BlockEntry:
    return BlockEntry(
        int(row["id"]),
        int(row["account_id"]),
        row["number"],
        row["prefix"],
        row["reason"],
        row["created_at"],
    )
