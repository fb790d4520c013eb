"""Numbers from Twilio in the dashboard: search what Twilio offers, buy the numbers ticked (their
webhooks pointed at callscope) into the site, release a number once no visit holds it.
Only owners and admins (and admin API keys) may post; every post carries its CSRF token
(checked for the whole router in `routes.py`). A success redirects (post/redirect/get); a
mistake shows the page again with the message."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Request, Response

from callscope.adapters.twilio_numbers import TwilioNumbers
from callscope.domain.errors import Conflict, DomainError, InvalidInput, NotFound
from callscope.domain.numbers import NumberSearch
from callscope.entrypoints.dashboard import forms, render
from callscope.entrypoints.dashboard.context import site_context
from callscope.entrypoints.dashboard.routes import router
from callscope.entrypoints.dashboard.session import ManagerDep
from callscope.entrypoints.dashboard.site_setup import setup_page
from callscope.entrypoints.http import admin
from callscope.entrypoints.http.deps import (
    NowDep,
    NumberId,
    RoutesDep,
    SettingsDep,
    SiteId,
    StorageDep,
)
from callscope.entrypoints.http.schemas import NumberIn
from callscope.services import provisioning, sites
from callscope.services.dashboard_sessions import Viewer
from callscope.services.ports import NumberProvider, Storage
from callscope.settings import Settings


def _twilio(storage: Storage, who: Viewer, settings: Settings) -> NumberProvider:
    def make(sid: str, token: str) -> NumberProvider:
        return TwilioNumbers(sid, token, settings.twilio_api_base)

    return provisioning.provider_for(storage, who.account_id, make)


@router.get("/sites/{site_id}/buy")
def buy_form(
    site_id: SiteId,
    storage: StorageDep,
    who: ManagerDep,
    request: Request,
    settings: SettingsDep,
    country: Annotated[str, Query(pattern="^[A-Za-z]{2}$")] = "US",
    area_code: Annotated[str, Query(max_length=6)] = "",
    contains: Annotated[str, Query(max_length=10)] = "",
    search: bool = False,
) -> Response:
    """Search the numbers Twilio offers (only when asked: each search is a request to Twilio)."""
    context = site_context(storage, who, site_id, request, "setup")
    query = NumberSearch(country.upper(), area_code or None, contains or None)
    found, error = [], None
    if search:
        try:
            found = provisioning.search(_twilio(storage, who, settings), query)
        except DomainError as exc:
            error = str(exc)
    return render.page(
        "buy.html", **context, query=query, found=found, searched=search, error=error
    )


@router.post("/sites/{site_id}/buy")
def buy_numbers(
    site_id: SiteId,
    storage: StorageDep,
    who: ManagerDep,
    request: Request,
    settings: SettingsDep,
    routes: RoutesDep,
    now: NowDep,
    numbers: Annotated[list[str] | None, Form(max_length=50)] = None,
    kind: forms.Text = "pool",
    source: forms.Text = "",
    medium: forms.Text = "",
    campaign: forms.Text = "",
) -> Response:
    """Buy the numbers ticked, their webhooks pointed at callscope, into the site."""
    sites.get_site(storage, who.account_id, site_id)
    hooks = provisioning.Webhooks.of(settings.public_url)
    channel = forms.channel_fields(source, medium, campaign, "")
    bought, refused = 0, []
    for line in numbers or [""]:
        data = {"number": line, "kind": kind, "channel": channel}
        try:
            draft = admin.number_draft(forms.body_of(NumberIn, data), settings.default_region)
            provider = _twilio(storage, who, settings)
            provisioning.buy(storage, provider, who.account_id, site_id, draft, hooks, now)
            bought += 1
        except (InvalidInput, Conflict, NotFound) as exc:
            refused.append(f"{line or '(none ticked)'}: {exc}")
    if bought:
        routes.forget()
    if refused:
        note = f"Bought {bought} number{'s' if bought != 1 else ''}." if bought else None
        error = "Not bought: " + " | ".join(refused)
        return setup_page(storage, who, site_id, request, settings, 400, error=error, notice=note)
    return forms.done(f"/dashboard/sites/{site_id}/setup", "numbers-bought")


@router.post("/sites/{site_id}/numbers/{number_id}/release")
def release_number(
    site_id: SiteId,
    number_id: NumberId,
    storage: StorageDep,
    who: ManagerDep,
    request: Request,
    settings: SettingsDep,
    routes: RoutesDep,
    now: NowDep,
) -> Response:
    """Release a number at Twilio and stop tracking it, once no visit holds it."""
    try:
        provider = _twilio(storage, who, settings)
        provisioning.release(storage, provider, who.account_id, site_id, number_id, now)
    except (InvalidInput, Conflict) as exc:
        return setup_page(
            storage, who, site_id, request, settings, forms.status_of(exc), error=str(exc)
        )
    routes.forget()
    return forms.done(f"/dashboard/sites/{site_id}/setup", "number-released")
