"""Webhook endpoints, their delivery queue (the outbox), and the stored signing secrets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.engine import Connection

from callscope.adapters.repositories._insert import insert_if_absent
from callscope.adapters.tables.reporting import (
    webhook_deliveries,
    webhook_endpoints,
)

endpoints, deliveries = webhook_endpoints, webhook_deliveries


@dataclass(frozen=True)
class Endpoint:
    id: int
    site_id: int
    url: str
    secret: str
    events: tuple[str, ...]


@dataclass(frozen=True)
class Delivery:
    id: int
    endpoint: Endpoint
    event_id: str
    event_type: str
    payload: str
    attempts: int
    delivered_at: datetime | None = None
    last_error: str | None = None


class WebhookRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add_endpoint(
        self, site_id: int, url: str, secret: str, events: tuple[str, ...], now: datetime
    ) -> Endpoint:
        values = {"site_id": site_id, "url": url, "secret": secret, "events": list(events)}
        result = self._conn.execute(insert(endpoints).values(**values, created_at=now))
        endpoint_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        return Endpoint(endpoint_id, site_id, url, secret, events)

    def endpoints(self, site_id: int) -> list[Endpoint]:
        query = (
            select(endpoints)
            .where(endpoints.c.site_id == site_id, endpoints.c.disabled_at.is_(None))
            .order_by(endpoints.c.id)
        )
        return [_endpoint(r) for r in self._conn.execute(query)]

    def disable(self, site_id: int, endpoint_id: int, now: datetime) -> bool:
        done = self._conn.execute(
            update(endpoints)
            .where(endpoints.c.id == endpoint_id, endpoints.c.site_id == site_id)
            .values(disabled_at=now)
        )
        return done.rowcount == 1

    def enqueue(
        self, endpoint_id: int, event_id: str, event_type: str, payload: str, now: datetime
    ) -> bool:
        """Queue an event for an endpoint; False when that event id was queued there before."""
        values = {
            "endpoint_id": endpoint_id,
            "event_id": event_id,
            "event_type": event_type,
            "payload": payload,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        return insert_if_absent(self._conn, deliveries, values)

    def due(self, now: datetime, limit: int) -> list[Delivery]:
        query = (
            select(deliveries, *_endpoint_columns())
            .join(endpoints, endpoints.c.id == deliveries.c.endpoint_id)
            .where(deliveries.c.delivered_at.is_(None), deliveries.c.next_attempt_at <= now)
            .order_by(deliveries.c.next_attempt_at, deliveries.c.id)
            .limit(limit)
        )
        return [_delivery(r) for r in self._conn.execute(query)]

    def claim(self, delivery_id: int, now: datetime, until: datetime) -> bool:
        """Take a due delivery for one sender until `until`; False if another took it first."""
        taken = self._conn.execute(
            update(deliveries)
            .where(
                deliveries.c.id == delivery_id,
                deliveries.c.delivered_at.is_(None),
                deliveries.c.next_attempt_at <= now,
            )
            .values(next_attempt_at=until)
        )
        return taken.rowcount == 1

    def finish(
        self,
        delivery_id: int,
        attempts: int,
        delivered_at: datetime | None,
        retry_at: datetime,
        error: str | None,
    ) -> None:
        values: dict[str, Any] = {"attempts": attempts, "last_error": error}
        values.update(delivered_at=delivered_at, next_attempt_at=retry_at)
        self._conn.execute(update(deliveries).where(deliveries.c.id == delivery_id).values(values))

    def for_site(self, site_id: int, limit: int = 100) -> list[Delivery]:
        query = (
            select(deliveries, *_endpoint_columns())
            .join(endpoints, endpoints.c.id == deliveries.c.endpoint_id)
            .where(endpoints.c.site_id == site_id)
            .order_by(deliveries.c.id.desc())
            .limit(limit)
        )
        return [_delivery(r) for r in self._conn.execute(query)]


def _endpoint_columns() -> tuple[Any, ...]:
    return (
        endpoints.c.site_id,
        endpoints.c.url,
        endpoints.c.secret,
        endpoints.c.events,
    )


def _endpoint(r: Row[Any]) -> Endpoint:
    return Endpoint(int(r.id), int(r.site_id), r.url, r.secret, tuple(r.events))


def _delivery(r: Row[Any]) -> Delivery:
    endpoint = Endpoint(int(r.endpoint_id), int(r.site_id), r.url, r.secret, tuple(r.events))
    return Delivery(
        id=int(r.id),
        endpoint=endpoint,
        event_id=r.event_id,
        event_type=r.event_type,
        payload=r.payload,
        attempts=int(r.attempts),
        delivered_at=r.delivered_at,
        last_error=r.last_error,
    )
