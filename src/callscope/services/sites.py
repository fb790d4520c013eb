"""Setting up a site and its tracking numbers; every lookup is scoped to the asking account."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime

from callscope.domain.channel import Channel
from callscope.domain.errors import Conflict, InvalidInput, NotFound
from callscope.domain.sites import NumberKind, Site, TrackingNumber
from callscope.services.ports import Storage, UnitOfWork


@dataclass(frozen=True)
class SiteDraft:
    name: str
    forward_to: str
    allowed_origins: tuple[str, ...] = ()
    replace_numbers: tuple[str, ...] = ()
    timezone: str = "UTC"
    redact: bool = True
    form_allow: tuple[str, ...] = ()
    form_deny: tuple[str, ...] = ()
    consent_required: bool = False


@dataclass(frozen=True)
class NumberDraft:
    number: str
    kind: NumberKind
    channel: Channel | None = None
    forward_to: str | None = None


def create_site(storage: Storage, account_id: int, draft: SiteDraft, now: datetime) -> Site:
    site = Site(
        id=0,
        account_id=account_id,
        name=draft.name,
        site_key="sk_" + secrets.token_urlsafe(12),
        forward_to=draft.forward_to,
        allowed_origins=tuple(o.rstrip("/") for o in draft.allowed_origins),
        replace_numbers=draft.replace_numbers,
        timezone=draft.timezone,
        redact=draft.redact,
        form_allow=draft.form_allow,
        form_deny=draft.form_deny,
        consent_required=draft.consent_required,
    )
    with storage.write() as uow:
        site = uow.sites.add(site, now)
        uow.commit()
    return site


@dataclass(frozen=True)
class SiteChange:
    """New values of a site's settings; only the fields named in `fields` change."""

    fields: frozenset[str]
    name: str = ""
    forward_to: str = ""
    allowed_origins: tuple[str, ...] = ()
    replace_numbers: tuple[str, ...] = ()
    timezone: str = "UTC"
    redact: bool = True
    form_allow: tuple[str, ...] = ()
    form_deny: tuple[str, ...] = ()
    consent_required: bool = False


def change_site(storage: Storage, account_id: int, site_id: int, change: SiteChange) -> Site:
    """Edit a site. A new forward number is routed by every server process within a second (as
    a number's change is); a new time zone re-reads the site's report days (rollups rebuilt)."""
    with storage.write() as uow:
        site = owned_site(uow, account_id, site_id)
        values = {name: getattr(change, name) for name in change.fields}
        if "allowed_origins" in values:
            values["allowed_origins"] = tuple(o.rstrip("/") for o in change.allowed_origins)
        if "name" in values and not change.name.strip():
            raise InvalidInput("name: may not be blank")
        changed = replace(site, **values)
        uow.sites.change(changed)
        if changed.forward_to != site.forward_to:
            uow.numbers.routes_changed()
        uow.commit()
    if changed.timezone != site.timezone:
        from callscope.services import rollups  # reports (under rollups) imports this module

        rollups.rebuild(storage, site.id)
    return changed


def add_number(
    storage: Storage, account_id: int, site_id: int, draft: NumberDraft, now: datetime
) -> TrackingNumber:
    if draft.kind is NumberKind.STATIC and draft.channel is None:
        raise InvalidInput("a static number needs the channel it stands for")
    with storage.write() as uow:
        site = owned_site(uow, account_id, site_id)
        if uow.numbers.by_number(draft.number) is not None:
            raise Conflict("that number is already a tracking number")
        if draft.kind is NumberKind.EXTENSION and uow.numbers.for_site(site.id, draft.kind):
            raise Conflict("a site has one extension number; its codes are unlimited")
        number = uow.numbers.add(
            site.id, draft.number, draft.kind, draft.channel, draft.forward_to, now
        )
        uow.numbers.routes_changed()
        uow.commit()
    return number


@dataclass(frozen=True)
class NumberChange:
    """New values of a number's channel and forward number; only the fields named in `fields`
    change (a forward number of None: the site's own)."""

    fields: frozenset[str]
    channel: Channel | None = None
    forward_to: str | None = None


def change_number(
    storage: Storage, account_id: int, site_id: int, number_id: int, change: NumberChange
) -> TrackingNumber:
    """Change where a number forwards or which channel it stands for; every server process
    routes the new way within a second (see RouteTable)."""
    with storage.write() as uow:
        number = _owned_number(uow, account_id, site_id, number_id)
        values = {name: getattr(change, name) for name in change.fields}
        number = replace(number, **values)
        if number.kind is NumberKind.STATIC and number.channel is None:
            raise InvalidInput("a static number needs the channel it stands for")
        uow.numbers.change(number.id, number.channel, number.forward_to)
        uow.numbers.routes_changed()
        uow.commit()
    return number


def remove_number(storage: Storage, account_id: int, site_id: int, number_id: int) -> None:
    """Stop tracking a number: calls to it stop being routed within a second everywhere."""
    with storage.write() as uow:
        number = _owned_number(uow, account_id, site_id, number_id)
        uow.numbers.remove(number.id)
        uow.numbers.routes_changed()
        uow.commit()


def _owned_number(uow: UnitOfWork, account_id: int, site_id: int, number_id: int) -> TrackingNumber:
    site = owned_site(uow, account_id, site_id)
    number = uow.numbers.get(number_id)
    if number is None or number.site_id != site.id:
        raise NotFound("unknown number")
    return number


def get_site(storage: Storage, account_id: int, site_id: int) -> Site:
    with storage.read() as uow:
        return owned_site(uow, account_id, site_id)


def list_sites(storage: Storage, account_id: int) -> list[Site]:
    with storage.read() as uow:
        return uow.sites.for_account(account_id)


def list_numbers(storage: Storage, account_id: int, site_id: int) -> list[TrackingNumber]:
    with storage.read() as uow:
        site = owned_site(uow, account_id, site_id)
        return uow.numbers.for_site(site.id)


def owned_site(uow: UnitOfWork, account_id: int, site_id: int) -> Site:
    """The site if it belongs to the account; another account's site does not exist for it."""
    site = uow.sites.get(site_id)
    if site is None or site.account_id != account_id:
        raise NotFound(f"no site {site_id}")
    return site
