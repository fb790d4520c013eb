"""Retention and erasure: deleting old personal data, and one caller's number on request."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, delete, select, update
from sqlalchemy.engine import Connection

from callscope.adapters.repositories.rollups import older_than
from callscope.adapters.tables.core import (
    call_events,
    calls,
    leases,
    route_notes,
    sites,
    tracking_numbers,
    visits,
)
from callscope.adapters.tables.leads import leads, visit_pages
from callscope.adapters.tables.pool import pool_exhaustions
from callscope.adapters.tables.reporting import webhook_deliveries, webhook_endpoints
from callscope.adapters.tables.rollups import (
    call_rollups,
    caller_rollups,
    uncounted_calls,
    uncounted_visits,
    visit_rollups,
)
from callscope.domain.progress import Progress, unreported


class PrivacyRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def purge_before(self, cutoff: datetime, progress: Progress = unreported) -> dict[str, int]:
        """Delete calls, their events, visits and their pages, leads, leases and webhook payloads
        older than `cutoff`."""
        old_calls = select(calls.c.call_id).where(calls.c.started_at < cutoff)
        steps: list[tuple[Table, object]] = [
            (call_events, call_events.c.call_id.in_(old_calls)),
            (calls, calls.c.started_at < cutoff),
            (route_notes, route_notes.c.at < cutoff),
            (leases, leases.c.expires_at < cutoff),
            (pool_exhaustions, pool_exhaustions.c.at < cutoff),
            (visit_pages, visit_pages.c.at < cutoff),
            (leads, leads.c.at < cutoff),
            (visits, visits.c.started_at < cutoff),
            (webhook_deliveries, webhook_deliveries.c.created_at < cutoff),
            (call_rollups, older_than(self._conn, call_rollups, cutoff)),
            (caller_rollups, older_than(self._conn, caller_rollups, cutoff)),
            (visit_rollups, older_than(self._conn, visit_rollups, cutoff)),
            (uncounted_visits, older_than(self._conn, uncounted_visits, cutoff)),
            (uncounted_calls, older_than(self._conn, uncounted_calls, cutoff)),
        ]
        deleted = {}
        for done, (table, condition) in enumerate(steps, 1):
            deleted[table.name] = self._conn.execute(delete(table).where(condition)).rowcount  # type: ignore[arg-type]
            progress(done, len(steps))
        return deleted

    def erase_caller(self, account_id: int, caller: str) -> int:
        """Remove a caller's number from the account's calls, route notes and queued webhooks;
        the calls stay (counted, unattributed to a person)."""
        owned = select(sites.c.id).where(sites.c.account_id == account_id)
        erased = self._conn.execute(
            update(calls)
            .where(calls.c.site_id.in_(owned), calls.c.caller == caller)
            .values(caller=None)
        ).rowcount
        self._conn.execute(
            update(leads)
            .where(leads.c.site_id.in_(owned), leads.c.contact == caller)
            .values(contact=None)
        )
        numbers = select(tracking_numbers.c.id).where(tracking_numbers.c.site_id.in_(owned))
        self._conn.execute(
            delete(route_notes).where(
                route_notes.c.number_id.in_(numbers), route_notes.c.caller == caller
            )
        )
        endpoints = select(webhook_endpoints.c.id).where(webhook_endpoints.c.site_id.in_(owned))
        self._conn.execute(
            delete(webhook_deliveries).where(
                webhook_deliveries.c.endpoint_id.in_(endpoints),
                webhook_deliveries.c.payload.contains(caller),
            )
        )
        return int(erased)
