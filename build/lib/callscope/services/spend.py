"""Importing what each channel cost per day (JSON or CSV), in one currency per site."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from callscope.adapters.repositories.spend import SpendEntry
from callscope.adapters.storage import Storage
from callscope.domain.errors import Conflict, InvalidInput
from callscope.services.sites import owned_site

CSV_COLUMNS = ("date", "source", "medium", "campaign", "term", "cost", "currency")
MAX_ROWS = 50_000


def record_spend(
    storage: Storage, account_id: int, site_id: int, entries: list[SpendEntry], now: datetime
) -> int:
    """Store every entry (a repeated day and channel replaces the earlier figure)."""
    if not entries:
        raise InvalidInput("no spend entries given")
    entries = [replace(e, source=e.source.lower(), medium=e.medium.lower()) for e in entries]
    with storage.write() as uow:
        site = owned_site(uow, account_id, site_id)
        repo = uow.spend
        _check_currency(repo.currencies(site.id), {e.currency for e in entries})
        for entry in entries:
            repo.put(site.id, entry, now)
        uow.commit()
    return len(entries)


def import_spend_csv(
    storage: Storage,
    account_id: int,
    site_id: int,
    text: str,
    now: datetime,
    default_currency: str = "USD",
) -> int:
    """A CSV with a header row: date,source,medium[,campaign][,term],cost[,currency]."""
    return record_spend(storage, account_id, site_id, parse_csv(text, default_currency), now)


def parse_csv(text: str, default_currency: str) -> list[SpendEntry]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = {(name or "").strip().lower() for name in reader.fieldnames or ()}
    missing = {"date", "source", "medium", "cost"} - header
    if missing:
        raise InvalidInput(f"spend CSV lacks columns: {', '.join(sorted(missing))}")
    entries = []
    for line, row in enumerate(reader, start=2):
        if line > MAX_ROWS + 1:
            raise InvalidInput(f"spend CSV has more than {MAX_ROWS} rows")
        clean = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        entries.append(_entry(clean, line, default_currency))
    return entries


def to_cents(cost: str, where: str) -> int:
    try:
        amount = Decimal(cost.replace(",", ""))
    except InvalidOperation as exc:
        raise InvalidInput(f"{where}: cost {cost!r} is not a number") from exc
    if amount < 0 or not amount.is_finite():
        raise InvalidInput(f"{where}: cost must be zero or more")
    return int((amount * 100).quantize(Decimal(1)))


def _entry(row: dict[str, str], line: int, default_currency: str) -> SpendEntry:
    where = f"line {line}"
    try:
        day = date.fromisoformat(row["date"])
    except ValueError as exc:
        raise InvalidInput(f"{where}: date must be YYYY-MM-DD") from exc
    if not row["source"] or not row["medium"]:
        raise InvalidInput(f"{where}: source and medium are required")
    return SpendEntry(
        day=day,
        source=row["source"],
        medium=row["medium"],
        amount_cents=to_cents(row["cost"], where),
        currency=currency_code(row.get("currency") or default_currency, where),
        campaign=row.get("campaign") or None,
        term=row.get("term") or None,
    )


def currency_code(text: str, where: str = "currency") -> str:
    code = text.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise InvalidInput(f"{where}: currency must be an ISO 4217 code like USD")
    return code


def _check_currency(stored: set[str], given: set[str]) -> None:
    # Costs are summed across channels and days: mixing currencies would add apples to pears.
    if len(stored | given) > 1:
        raise Conflict(
            f"a site's spend is in one currency; got {', '.join(sorted(stored | given))}"
        )
