"""Exports: CSV of calls and of the report, Google Ads offline click conversions by gclid, and
GA4 Measurement Protocol payloads, one event per qualified call."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from callscope.domain.calls import Call
from callscope.domain.errors import InvalidInput
from callscope.domain.leads import Lead
from callscope.domain.reporting import ANSWERED, CallFilter
from callscope.domain.scoring import QUALIFIED_SCORE, CallInsight
from callscope.domain.visits import Visit
from callscope.services import insights, reports
from callscope.services.ports import Storage
from callscope.services.sites import owned_site

CALL_COLUMNS = (
    "call_id",
    "started_at",
    "started_local",
    "status",
    "duration",
    "caller",
    "dialed_number",
    "first_time",
    "source",
    "medium",
    "campaign",
    "term",
    "method",
    "confidence",
    "visit_id",
    "record_url",
)
# Google Ads' template for conversions from clicks: a parameters row, then this header.
GOOGLE_ADS_HEADER = (
    "Google Click ID",
    "Conversion Name",
    "Conversion Time",
    "Conversion Value",
    "Conversion Currency",
)
GA4_COLLECT = "https://www.google-analytics.com/mp/collect"
GA4_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
GA4_LOOKBACK = timedelta(hours=72)  # GA4 drops events back-dated further than this
EXPORT_LIMIT = 100_000


@dataclass(frozen=True)
class Conversion:
    """A qualified call and the visit it came from."""

    call: Call
    visit: Visit | None


def calls_csv(calls: Iterable[Call], zone: ZoneInfo) -> str:
    out, writer = _writer()
    writer.writerow(CALL_COLUMNS)
    for c in calls:
        ch = c.attribution.channel
        writer.writerow(
            [
                c.call_id,
                c.started_at.isoformat(),
                c.started_at.astimezone(zone).isoformat(),
                c.status.value,
                c.duration,
                c.caller,
                c.dialed_number,
                c.first_time,
                ch.source if ch else None,
                ch.medium if ch else None,
                ch.campaign if ch else None,
                ch.term if ch else None,
                c.attribution.method.value,
                c.attribution.confidence,
                c.attribution.visit_id,
                c.record_url,
            ]
        )
    return out.getvalue()


def report_csv(report: reports.Report) -> str:
    out, writer = _writer()
    rows = [asdict(r) for r in report.rows]
    fields = [k for k in asdict(report.totals) if k != "group"]
    writer.writerow([report.query.by, *fields])
    for row in rows:
        writer.writerow([row["group"], *(row[k] for k in fields)])
    return out.getvalue()


def qualified_conversions(
    storage: Storage,
    account_id: int,
    site_id: int,
    start: datetime,
    end: datetime,
    qualified_seconds: int,
    qualified_score: int = QUALIFIED_SCORE,
) -> tuple[ZoneInfo, list[Conversion]]:
    """Qualified calls, oldest first, with their visits: by the lead score (or a person's
    override) once transcribed, else answered and at least `qualified_seconds` long."""
    with storage.read() as uow:
        site = owned_site(uow, account_id, site_id)
        query = CallFilter(site.id, start, end, limit=EXPORT_LIMIT, spam=False)  # no spam
        calls = uow.reports.call_log(query)
        assessed = uow.insights.for_calls([c.call_id for c in calls])
        limits = insights.Thresholds(qualified_score, qualified_seconds)
        kept = [c for c in calls if _kept(c, assessed.get(c.call_id), limits)]
        found = [Conversion(c, _visit(uow, c)) for c in reversed(kept)]
    return reports.site_zone(site), found


def google_ads_csv(
    conversions: Iterable[Conversion],
    zone: ZoneInfo,
    name: str,
    value: float | None,
    currency: str,
) -> str:
    """Conversions from clicks, by gclid, times in the zone named on the parameters row."""
    if not name.strip():
        raise InvalidInput("a conversion name is required (as set up in Google Ads)")
    out, writer = _writer()
    writer.writerow([f"Parameters:TimeZone={zone.key}"])
    writer.writerow(GOOGLE_ADS_HEADER)
    for conv in conversions:
        gclid = conv.visit.click_ids.get("gclid") if conv.visit else None
        if gclid:
            at = conv.call.started_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
            shown = "" if value is None else f"{value:.2f}"
            writer.writerow([gclid, name.strip(), at, shown, currency if shown else ""])
    return out.getvalue()


def ga4_payloads(
    conversions: Iterable[Conversion], now: datetime, event_name: str = "phone_call"
) -> list[dict[str, Any]]:
    """One Measurement Protocol body per qualified call whose visit carried a GA client id
    and which GA4 still accepts (at most 72 hours old)."""
    if not GA4_NAME.match(event_name):
        raise InvalidInput("event name: a letter, then letters, digits or _; 40 at most")
    return [
        _ga4_body(conv, event_name)
        for conv in conversions
        if conv.visit and conv.visit.ga_client_id and now - conv.call.started_at <= GA4_LOOKBACK
    ]


def ga4_collect_url(measurement_id: str, api_secret: str) -> str:
    return (
        GA4_COLLECT + "?" + urlencode({"measurement_id": measurement_id, "api_secret": api_secret})
    )


def export_csv(
    storage: Storage,
    account_id: int,
    site_id: int,
    kind: str,
    start: datetime,
    end: datetime,
    by: str = "source",
    qualified_seconds: int = reports.QUALIFIED_SECONDS,
) -> str:
    """The CSV the dashboard and the API download: calls, report or google-ads."""
    if kind.startswith("calls"):
        with storage.read() as uow:
            site = owned_site(uow, account_id, site_id)
            calls = uow.reports.call_log(CallFilter(site.id, start, end, limit=EXPORT_LIMIT))
        return calls_csv(reversed(calls), reports.site_zone(site))
    if kind.startswith("report"):
        query = reports.ReportQuery(site_id, start, end, by, qualified_seconds)
        return report_csv(reports.build_report(storage, account_id, query))
    zone, found = qualified_conversions(storage, account_id, site_id, start, end, qualified_seconds)
    return google_ads_csv(found, zone, "Phone call", None, "USD")


def _ga4_body(conv: Conversion, event_name: str) -> dict[str, Any]:
    call, channel = conv.call, conv.call.attribution.channel
    params: dict[str, Any] = {
        "call_id": call.call_id[:100],
        "duration_seconds": call.duration or 0,
        "first_time_caller": int(call.first_time),
        "attribution_method": call.attribution.method.value,
        "attribution_confidence": round(call.attribution.confidence, 3),
        "engagement_time_msec": 1,  # GA4 shows events without it only outside Realtime
    }
    if channel:
        extra = {
            "source": channel.source,
            "medium": channel.medium,
            "campaign": channel.campaign,
            "term": channel.term,
        }
        params.update({k: v[:100] for k, v in extra.items() if v})
    assert conv.visit is not None and conv.visit.ga_client_id is not None
    return {
        "client_id": conv.visit.ga_client_id,
        "timestamp_micros": int(call.started_at.timestamp() * 1_000_000),
        "events": [{"name": event_name, "params": params}],
    }


def _kept(call: Call, insight: CallInsight | None, limits: insights.Thresholds) -> bool:
    if insight is None:  # not transcribed: the duration rule, as before transcripts
        return _qualified(call, limits.seconds)
    return insights.is_qualified(call, insight, limits)


def _qualified(call: Call, seconds: int) -> bool:
    return call.status.value in ANSWERED and (call.duration or 0) >= seconds


def _visit(uow: Any, call: Call) -> Visit | None:
    visit_id = call.attribution.visit_id
    found: Visit | None = uow.visits.get(visit_id) if visit_id else None
    return found


def _writer() -> tuple[io.StringIO, Any]:
    out = io.StringIO()
    return out, csv.writer(out, lineterminator="\r\n")


@dataclass(frozen=True)
class LeadConversion:
    """A lead won with a value, and the visit it came from."""

    lead: Lead
    visit: Visit | None


def won_leads(
    storage: Storage, account_id: int, site_id: int, start: datetime, end: datetime
) -> tuple[ZoneInfo, list[LeadConversion]]:
    """Leads (calls, forms, texts) marked won with a value, oldest first, with their visits."""
    with storage.read() as uow:
        site = owned_site(uow, account_id, site_id)
        found = uow.leads.won(site.id, start, end, EXPORT_LIMIT)
        visits = uow.visits.many(sorted({w.visit_id for w in found if w.visit_id}))
    conversions = [LeadConversion(w, visits.get(w.visit_id or "")) for w in found]
    return reports.site_zone(site), conversions


def google_ads_leads_csv(
    conversions: Iterable[LeadConversion], zone: ZoneInfo, name: str, currency: str
) -> str:
    """Won leads from Google Ads clicks with their value, so bidding optimises for revenue."""
    if not name.strip():
        raise InvalidInput("a conversion name is required (as set up in Google Ads)")
    out, writer = _writer()
    writer.writerow([f"Parameters:TimeZone={zone.key}"])
    writer.writerow(GOOGLE_ADS_HEADER)
    for conv in conversions:
        gclid = conv.visit.click_ids.get("gclid") if conv.visit else None
        if gclid and conv.lead.value is not None:
            at = conv.lead.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
            writer.writerow([gclid, name.strip(), at, f"{conv.lead.value:.2f}", currency])
    return out.getvalue()


def ga4_lead_payloads(
    conversions: Iterable[LeadConversion],
    now: datetime,
    currency: str,
    event_name: str = "close_convert_lead",
) -> list[dict[str, Any]]:
    """One Measurement Protocol body per won lead whose visit carried a GA client id, with its
    value and currency (GA4's recommended `close_convert_lead` event by default)."""
    if not GA4_NAME.match(event_name):
        raise InvalidInput("event name: a letter, then letters, digits or _; 40 at most")
    out = []
    for conv in conversions:
        visit, lead = conv.visit, conv.lead
        if not visit or not visit.ga_client_id or now - lead.at > GA4_LOOKBACK:
            continue
        params: dict[str, Any] = {
            "lead_id": lead.id,
            "lead_type": lead.type.value,
            "value": lead.value,
            "currency": currency,
            "engagement_time_msec": 1,
        }
        if lead.channel:
            params.update(source=lead.channel.source[:100], medium=lead.channel.medium[:100])
        out.append(
            {
                "client_id": visit.ga_client_id,
                "timestamp_micros": int(lead.at.timestamp() * 1_000_000),
                "events": [{"name": event_name, "params": params}],
            }
        )
    return out
