"""Sites and their tracking numbers as configuration (leasing lives in `leasing.py`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, select, text, update
from sqlalchemy.engine import Connection

from callscope.adapters import rows
from callscope.adapters.repositories.flows import SITE_FLOW, parse_flow
from callscope.adapters.tables.core import leases, sites, tracking_numbers
from callscope.adapters.tables.flows import call_flows
from callscope.adapters.tables.routing import route_version
from callscope.domain.channel import Channel
from callscope.domain.sites import NumberKind, RouteEntry, Site, TrackingNumber

# Built once: every visit looks its site up by key (see leasing.py on why).
_BY_KEY = select(sites).where(sites.c.site_key == bindparam("b_key"))
ROUTES_CHANNEL = "callscope_routes"  # PostgreSQL NOTIFY channel of routing changes
_NUMBER = select(tracking_numbers).where(tracking_numbers.c.id == bindparam("b_id"))


class SiteRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, site: Site, now: datetime) -> Site:
        values = {
            "account_id": site.account_id,
            "name": site.name,
            "site_key": site.site_key,
            "forward_to": site.forward_to,
            "allowed_origins": list(site.allowed_origins),
            "replace_numbers": list(site.replace_numbers),
            "timezone": site.timezone,
            "redact": site.redact,
            "form_allow": list(site.form_allow),
            "form_deny": list(site.form_deny),
            "consent_required": site.consent_required,
            "workspace_id": site.workspace_id,
            "created_at": now,
        }
        result = self._conn.execute(insert(sites).values(**values))
        site_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        return replace(site, id=site_id)

    def change(self, site: Site) -> None:
        """Store the site's settings as given (its id, account and key never change)."""
        values = {
            "name": site.name,
            "forward_to": site.forward_to,
            "allowed_origins": list(site.allowed_origins),
            "replace_numbers": list(site.replace_numbers),
            "timezone": site.timezone,
            "redact": site.redact,
            "form_allow": list(site.form_allow),
            "form_deny": list(site.form_deny),
            "consent_required": site.consent_required,
            "workspace_id": site.workspace_id,
        }
        self._conn.execute(update(sites).where(sites.c.id == site.id).values(**values))

    def get(self, site_id: int) -> Site | None:
        found = self._conn.execute(select(sites).where(sites.c.id == site_id)).mappings().first()
        return rows.site(found) if found else None

    def by_key(self, site_key: str) -> Site | None:
        found = self._conn.execute(_BY_KEY, {"b_key": site_key}).mappings().first()
        return rows.site(found) if found else None

    def for_account(self, account_id: int) -> list[Site]:
        query = select(sites).where(sites.c.account_id == account_id).order_by(sites.c.id)
        return [rows.site(r) for r in self._conn.execute(query).mappings()]


class NumberRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(
        self,
        site_id: int,
        number: str,
        kind: NumberKind,
        channel: Channel | None,
        forward_to: str | None,
        now: datetime,
    ) -> TrackingNumber:
        values = {
            "site_id": site_id,
            "number": number,
            "kind": kind.value,
            **rows.channel_columns(channel),
            "forward_to": forward_to,
            "created_at": now,
        }
        result = self._conn.execute(insert(tracking_numbers).values(**values))
        number_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        return TrackingNumber(number_id, site_id, number, kind, channel, forward_to, now)

    def get(self, number_id: int) -> TrackingNumber | None:
        found = self._conn.execute(_NUMBER, {"b_id": number_id}).mappings().first()
        return rows.tracking_number(found) if found else None

    def by_number(self, number: str) -> TrackingNumber | None:
        query = select(tracking_numbers).where(tracking_numbers.c.number == number)
        found = self._conn.execute(query).mappings().first()
        return rows.tracking_number(found) if found else None

    def for_site(self, site_id: int, kind: NumberKind | None = None) -> list[TrackingNumber]:
        query = select(tracking_numbers).where(tracking_numbers.c.site_id == site_id)
        if kind is not None:
            query = query.where(tracking_numbers.c.kind == kind.value)
        query = query.order_by(tracking_numbers.c.id)
        return [rows.tracking_number(r) for r in self._conn.execute(query).mappings()]

    def change(self, number_id: int, channel: Channel | None, forward_to: str | None) -> None:
        values = {**rows.channel_columns(channel), "forward_to": forward_to}
        self._conn.execute(
            update(tracking_numbers).where(tracking_numbers.c.id == number_id).values(**values)
        )

    def remove(self, number_id: int) -> None:
        """Delete the number and its leases (visits that held it fall back to the site's
        number at their next heartbeat; calls keep the number they dialled as text)."""
        self._conn.execute(delete(leases).where(leases.c.number_id == number_id))
        self._conn.execute(delete(call_flows).where(call_flows.c.number_id == number_id))
        self._conn.execute(delete(tracking_numbers).where(tracking_numbers.c.id == number_id))

    def routes_changed(self) -> None:
        """Note a routing change; on PostgreSQL listeners hear of it when this commits."""
        bump = update(route_version).where(route_version.c.id == 1)
        self._conn.execute(bump.values(version=route_version.c.version + 1))
        if self._conn.dialect.name == "postgresql":
            self._conn.execute(text("SELECT pg_notify(:channel, '')"), {"channel": ROUTES_CHANNEL})

    def routes_version(self) -> int:
        query = select(route_version.c.version).where(route_version.c.id == 1)
        return int(self._conn.execute(query).scalar() or 0)

    def count(self, site_id: int, kind: NumberKind) -> int:
        """How many numbers of `kind` the site has (without loading them)."""
        query = select(func.count()).where(
            tracking_numbers.c.site_id == site_id, tracking_numbers.c.kind == kind.value
        )
        return int(self._conn.execute(query).scalar_one())

    def routes(self, number: str | None = None, after_id: int = 0) -> list[tuple[str, RouteEntry]]:
        """(number, route) of every tracking number (of those with an id above `after_id`),
        or of one."""
        agent = func.coalesce(tracking_numbers.c.forward_to, sites.c.forward_to)
        own = call_flows.alias("own_flow")
        shared = call_flows.alias("site_flow")
        query = (
            select(
                tracking_numbers.c.number,
                tracking_numbers.c.id,
                tracking_numbers.c.site_id,
                tracking_numbers.c.kind,
                agent,
                sites.c.account_id,
                own.c.body,
                shared.c.body,
            )
            .join(sites, sites.c.id == tracking_numbers.c.site_id)
            .outerjoin(
                own,
                and_(
                    own.c.site_id == tracking_numbers.c.site_id,
                    own.c.number_id == tracking_numbers.c.id,
                ),
            )
            .outerjoin(
                shared,
                and_(
                    shared.c.site_id == tracking_numbers.c.site_id, shared.c.number_id == SITE_FLOW
                ),
            )
        )
        if number is not None:
            query = query.where(tracking_numbers.c.number == number)
        if after_id:
            query = query.where(tracking_numbers.c.id > after_id)
        return [(r[0], _route(tuple(r))) for r in self._conn.execute(query)]


def _route(r: tuple[Any, ...]) -> RouteEntry:
    body = r[6] if r[6] is not None else r[7]
    return RouteEntry(
        int(r[1]),
        int(r[2]),
        NumberKind(r[3]),
        str(r[4]),
        account_id=int(r[5]),
        flow=parse_flow(body) if body is not None else None,
        flow_number_id=int(r[1]) if r[6] is not None else SITE_FLOW,
    )
