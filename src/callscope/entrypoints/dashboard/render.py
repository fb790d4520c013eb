"""Jinja2 templates of the dashboard and the filters they format figures with."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from callscope.phone import display


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("callscope.entrypoints.dashboard", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        money=money, seconds=seconds, phone=phone, percent=percent, local=local, number=number
    )
    return env


def page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = environment().get_template(name).render(**context)
    # no-referrer: a password link's token never leaves in a Referer header.
    headers = {
        "Cache-Control": "no-store",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
    }
    return HTMLResponse(html, status_code=status, headers=headers)


def money(value: float | None, currency: str | None = None) -> str:
    if value is None:
        return "—"
    symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(currency or "USD", "")
    text = f"{symbol}{value:,.2f}"
    return text if symbol else f"{text} {currency}"


def seconds(value: float | None) -> str:
    if value is None:
        return "—"
    whole = round(value)
    return f"{whole // 60}:{whole % 60:02d}"


def phone(value: str | None) -> str:
    if not value:
        return "withheld"
    try:
        return display(value)
    except Exception:  # a number stored before validation rules changed: show it as is
        return value


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def number(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def local(moment: datetime, zone: ZoneInfo, fmt: str = "%b %d, %H:%M") -> str:
    return moment.astimezone(zone).strftime(fmt)
