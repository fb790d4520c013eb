"""Integration endpoints: spend import, exports (CSV, Google Ads, GA4) and webhook endpoints."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Response
from pydantic import BaseModel, Field

from callscope.domain.reporting import Grouping
from callscope.domain.spend import SpendEntry
from callscope.domain.webhooks import Endpoint
from callscope.entrypoints.http.deps import (
    MAX_ID,
    AdminDep,
    ItemId,
    NowDep,
    PeriodDep,
    PrincipalDep,
    QualifiedSecondsDep,
    ReportStorageDep,
    SettingsDep,
    SiteId,
    SiteParam,
    StorageDep,
)
from callscope.services import exports, spend, webhooks

router = APIRouter(tags=["integrations"])


class SpendIn(BaseModel):
    date: date
    source: str = Field(min_length=1, max_length=200)
    medium: str = Field(min_length=1, max_length=200)
    campaign: str | None = Field(None, max_length=200)
    term: str | None = Field(None, max_length=200)
    cost: str = Field(min_length=1, max_length=20, description="amount, e.g. 12.50")
    currency: str = Field("USD", min_length=3, max_length=3)


class SpendBatch(BaseModel):
    site: int = Field(ge=1, le=MAX_ID)
    entries: list[SpendIn] = Field(min_length=1, max_length=10_000)


@router.post("/v1/spend")
def post_spend(
    body: SpendBatch, storage: StorageDep, principal: AdminDep, now: NowDep
) -> dict[str, int]:
    """What each channel cost per local day; posting the same day and channel again replaces
    the figure."""
    entries = [
        SpendEntry(
            day=e.date,
            source=e.source,
            medium=e.medium,
            amount_cents=spend.to_cents(e.cost, f"entry {i}"),
            currency=spend.currency_code(e.currency),
            campaign=e.campaign,
            term=e.term,
        )
        for i, e in enumerate(body.entries, start=1)
    ]
    return {"stored": spend.record_spend(storage, principal.account_id, body.site, entries, now)}


@router.post("/v1/spend/import")
def import_spend(
    storage: StorageDep,
    principal: AdminDep,
    now: NowDep,
    site: SiteParam,
    csv_text: Annotated[str, Body(media_type="text/csv", max_length=5_000_000)],
    currency: Annotated[str, Query(min_length=3, max_length=3)] = "USD",
) -> dict[str, int]:
    """A CSV body with a header row: date,source,medium[,campaign][,term],cost[,currency]."""
    stored = spend.import_spend_csv(storage, principal.account_id, site, csv_text, now, currency)
    return {"stored": stored}


def _csv(text: str, name: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(text, media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/v1/exports/{kind}", response_class=Response)
def export_csv(
    kind: Literal["calls.csv", "report.csv"],
    storage: ReportStorageDep,
    principal: PrincipalDep,
    now: NowDep,
    chosen: PeriodDep,
    seconds: QualifiedSecondsDep,
    by: Grouping = Grouping.SOURCE,
) -> Response:
    """The call log or the channel report as CSV (times in UTC, and local for calls)."""
    owned, start, end = chosen.in_site_zone(storage, principal, now)
    text = exports.export_csv(
        storage, principal.account_id, owned.id, kind, start, end, by, seconds
    )
    return _csv(text, kind)


@router.get("/v1/integrations/google-ads.csv", response_class=Response)
def google_ads(
    storage: ReportStorageDep,
    principal: PrincipalDep,
    now: NowDep,
    chosen: PeriodDep,
    seconds: QualifiedSecondsDep,
    settings: SettingsDep,
    conversion_name: Annotated[str, Query(min_length=1, max_length=100)] = "Phone call",
    value: Annotated[float | None, Query(ge=0)] = None,
    currency: Annotated[str, Query(pattern=r"^[A-Za-z]{3}$")] = "USD",
    conversions: Annotated[
        Literal["qualified_calls", "won_leads"],
        Query(description="won_leads: leads marked won, each with its own value"),
    ] = "qualified_calls",
) -> Response:
    """Qualified calls (or won leads with their values) from Google Ads clicks, in Google's
    offline click conversion format."""
    owned, start, end = chosen.in_site_zone(storage, principal, now)
    if conversions == "won_leads":
        zone, won = exports.won_leads(storage, principal.account_id, owned.id, start, end)
        text = exports.google_ads_leads_csv(won, zone, conversion_name, currency.upper())
        return _csv(text, "google-ads-lead-conversions.csv")
    zone, found = exports.qualified_conversions(
        storage,
        principal.account_id,
        owned.id,
        start,
        end,
        seconds,
        settings.qualified_score,
    )
    text = exports.google_ads_csv(found, zone, conversion_name, value, currency.upper())
    return _csv(text, "google-ads-call-conversions.csv")


@router.get("/v1/integrations/ga4")
def ga4(
    storage: ReportStorageDep,
    principal: PrincipalDep,
    now: NowDep,
    chosen: PeriodDep,
    seconds: QualifiedSecondsDep,
    settings: SettingsDep,
    event_name: Annotated[str | None, Query(max_length=40)] = None,
    conversions: Annotated[
        Literal["qualified_calls", "won_leads"],
        Query(description="won_leads: leads marked won, with value and currency"),
    ] = "qualified_calls",
    currency: Annotated[str, Query(pattern=r"^[A-Za-z]{3}$")] = "USD",
) -> dict[str, Any]:
    """GA4 Measurement Protocol bodies, one per qualified call (or won lead) whose visitor had
    a GA client id: POST each to `collect_url` with your measurement id and API secret filled
    in. Events: `phone_call` (calls), `close_convert_lead` (won leads) unless named."""
    owned, start, end = chosen.in_site_zone(storage, principal, now)
    if conversions == "won_leads":
        _, won = exports.won_leads(storage, principal.account_id, owned.id, start, end)
        return {
            "collect_url": exports.ga4_collect_url("G-XXXXXXXXXX", "API_SECRET"),
            "payloads": exports.ga4_lead_payloads(
                won, now, currency.upper(), event_name or "close_convert_lead"
            ),
        }
    _, found = exports.qualified_conversions(
        storage,
        principal.account_id,
        owned.id,
        start,
        end,
        seconds,
        settings.qualified_score,
    )
    return {
        "collect_url": exports.ga4_collect_url("G-XXXXXXXXXX", "API_SECRET"),
        "payloads": exports.ga4_payloads(found, now, event_name or "phone_call"),
    }


class WebhookIn(BaseModel):
    url: str = Field(min_length=8, max_length=2000)
    events: list[str] = Field(default_factory=lambda: list(webhooks.EVENTS), max_length=10)


def _endpoint_out(endpoint: Endpoint, with_secret: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"id": endpoint.id, "url": endpoint.url, "events": endpoint.events}
    return {**out, "secret": endpoint.secret} if with_secret else out


@router.post("/v1/sites/{site_id}/webhooks", status_code=201)
def add_webhook(
    site_id: SiteId, body: WebhookIn, storage: StorageDep, principal: AdminDep, now: NowDep
) -> dict[str, Any]:
    """A new endpoint; its signing secret is in this answer only."""
    endpoint = webhooks.add_endpoint(
        storage, principal.account_id, site_id, body.url, tuple(body.events), now
    )
    return _endpoint_out(endpoint, with_secret=True)


@router.get("/v1/sites/{site_id}/webhooks")
def list_webhooks(site_id: SiteId, storage: StorageDep, principal: PrincipalDep) -> dict[str, Any]:
    found = webhooks.list_endpoints(storage, principal.account_id, site_id)
    return {"webhooks": [_endpoint_out(e) for e in found]}


@router.delete("/v1/sites/{site_id}/webhooks/{endpoint_id}", status_code=204)
def remove_webhook(
    site_id: SiteId, endpoint_id: ItemId, storage: StorageDep, principal: AdminDep, now: NowDep
) -> Response:
    webhooks.remove_endpoint(storage, principal.account_id, site_id, endpoint_id, now)
    return Response(status_code=204)


@router.get("/v1/sites/{site_id}/webhooks/deliveries")
def list_deliveries(
    site_id: SiteId, storage: StorageDep, principal: PrincipalDep
) -> dict[str, Any]:
    found = webhooks.list_deliveries(storage, principal.account_id, site_id)
    return {
        "deliveries": [
            {
                "event_id": d.event_id,
                "type": d.event_type,
                "endpoint_id": d.endpoint.id,
                "attempts": d.attempts,
                "delivered_at": d.delivered_at,
                "last_error": d.last_error,
            }
            for d in found
        ]
    }
