"""Calls, their received events (the idempotency ledger) and the notes `route` leaves."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from callscope.adapters import rows
from callscope.adapters.repositories._insert import insert_if_absent
from callscope.adapters.tables.core import call_events, calls, route_notes
from callscope.domain.calls import Call, CallEvent


class CallRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def first_delivery(self, event: CallEvent, now: datetime) -> bool:
        """Note that this (call id, event) arrived; False when it had arrived before."""
        values = {
            "call_id": event.call_id,
            "event": event.event.value,
            "at": event.at,
            "received_at": now,
        }
        return insert_if_absent(self._conn, call_events, values)

    def queue(self, event: CallEvent, lease_seconds: int, now: datetime) -> bool:
        """Note that this (call id, event) arrived, to be applied later (`pending`); False when
        it had arrived before (applied or not)."""
        values = {
            "call_id": event.call_id,
            "event": event.event.value,
            "at": event.at,
            "received_at": now,
            "pending": True,
            "payload": rows.event_payload(event, lease_seconds),
        }
        return insert_if_absent(self._conn, call_events, values)

    def pending(
        self, limit: int, call_id: str | None = None, wait: bool = False
    ) -> list[tuple[CallEvent, int]]:
        """Pending events, oldest first, locked for this transaction (each with the lease
        length it was accepted under). Events another transaction is applying are skipped,
        unless `wait`: then this waits for it (and finds the event applied)."""
        c = call_events.c
        query = select(c.payload).where(c.pending)
        if call_id is not None:
            query = query.where(c.call_id == call_id)
        query = query.order_by(c.received_at, c.call_id, c.event).limit(limit)
        locked = query.with_for_update(skip_locked=not wait)
        return [rows.pending_event(p) for p in self._conn.execute(locked).scalars()]

    def applied(self, event: CallEvent) -> None:
        c = call_events.c
        self._conn.execute(
            update(call_events)
            .where(c.call_id == event.call_id, c.event == event.event.value)
            .values(pending=False, payload=None)
        )

    def any_pending(self) -> bool:
        query = select(call_events.c.call_id).where(call_events.c.pending).limit(1)
        return self._conn.execute(query).first() is not None

    def get(self, call_id: str, for_update: bool = False) -> Call | None:
        query = select(calls).where(calls.c.call_id == call_id)
        if for_update:
            query = query.with_for_update()
        found = self._conn.execute(query).mappings().first()
        return rows.call(found) if found else None

    def add(self, call: Call) -> bool:
        """Store a new call; False when another writer stored the same call id first."""
        return insert_if_absent(self._conn, calls, rows.call_columns(call))

    def save(self, call: Call) -> None:
        values = rows.call_columns(call)
        self._conn.execute(update(calls).where(calls.c.call_id == call.call_id).values(**values))

    def of_caller(self, site_id: int, caller: str) -> list[Call]:
        """The caller's calls on the site, in the order the rollups link them."""
        query = (
            select(calls)
            .where(calls.c.site_id == site_id, calls.c.caller == caller)
            .order_by(calls.c.started_at, calls.c.call_id)
        )
        return [rows.call(r) for r in self._conn.execute(query).mappings()]

    def note_route(self, number_id: int, caller: str | None, ext: str, at: datetime) -> None:
        values = {"number_id": number_id, "caller": caller, "ext": ext, "at": at}
        self._conn.execute(insert(route_notes).values(**values))

    def routed_ext(self, number_id: int, caller: str | None, since: datetime) -> str | None:
        """The code a caller typed when `route` was asked for this number lately (platforms
        like Kamailio do not repeat it in their call records)."""
        query = select(route_notes.c.ext).where(
            route_notes.c.number_id == number_id, route_notes.c.at >= since
        )
        if caller is not None:
            query = query.where(route_notes.c.caller == caller)
        query = query.order_by(route_notes.c.at.desc()).limit(1)
        return self._conn.execute(query).scalar_one_or_none()
