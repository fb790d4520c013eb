"""Giving a visit a number to show (pool lease, extension code, static or the site's own) and
keeping it while the visitor stays."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from callscope.adapters.storage import Storage
from callscope.adapters.unit_of_work import UnitOfWork
from callscope.domain.allocation import choose_number, new_ext_code
from callscope.domain.bots import is_bot
from callscope.domain.channel import Channel, detect_channel, is_paid_click
from callscope.domain.errors import Forbidden, NotFound
from callscope.domain.sites import NumberKind, Site
from callscope.domain.visits import Lease, Visit, VisitMode, lease_end

CLAIM_ATTEMPTS = 4


@dataclass(frozen=True)
class VisitRequest:
    site_key: str
    landing_url: str
    referrer: str | None = None
    visitor_id: str | None = None
    user_agent: str | None = None
    origin: str | None = None
    first_touch_url: str | None = None
    first_touch_referrer: str | None = None
    ga_client_id: str | None = None


@dataclass(frozen=True)
class Assignment:
    """What the snippet shows: a number, maybe an extension code, until `expires_at`."""

    visit: Visit | None
    number: str
    site: Site

    @property
    def ext(self) -> str | None:
        return self.visit.ext if self.visit else None


def start_visit(
    storage: Storage,
    request: VisitRequest,
    lease_seconds: int,
    now: datetime,
    rng: random.Random | None = None,
) -> Assignment:
    with storage.write() as uow:
        site = uow.sites.by_key(request.site_key)
        if site is None:
            raise NotFound("unknown site_key")
        if not site.allows_origin(request.origin):
            raise Forbidden("this origin is not allowed for the site")
        if is_bot(request.user_agent):
            return Assignment(None, site.forward_to, site)
        visit = _new_visit(site, request, now)
        visit, number = _assign(uow, site, visit, lease_seconds, now, rng or random.Random())
        uow.visits.add(visit)
        uow.commit()
    return Assignment(visit, number, site)


def heartbeat(storage: Storage, visit_id: str, lease_seconds: int, now: datetime) -> Assignment:
    """Extend the visit's lease; if it had lapsed, lease again (maybe another number)."""
    with storage.write() as uow:
        visit = uow.visits.get(visit_id)
        if visit is None:
            raise NotFound("unknown visit")
        site = uow.sites.get(visit.site_id)
        assert site is not None
        until = lease_end(now, lease_seconds)
        kept = visit.number_id is not None and visit.mode in (VisitMode.POOL, VisitMode.EXTENSION)
        if kept and uow.leases.extend(visit.id, visit.number_id or 0, visit.ext, now, until):
            visit = replace(visit, expires_at=until, last_seen_at=now)
        elif visit.mode in (VisitMode.POOL, VisitMode.EXTENSION, VisitMode.NONE):
            visit, _ = _assign(
                uow, site, replace(visit, last_seen_at=now), lease_seconds, now, random.Random()
            )
        uow.visits.save(visit)
        number = _shown_number(uow, site, visit)
        uow.commit()
    return Assignment(visit, number, site)


def _new_visit(site: Site, request: VisitRequest, now: datetime) -> Visit:
    source_url, source_referrer = request.landing_url, request.referrer
    # First touch wins within its window unless this landing is a new paid click.
    if request.first_touch_url and not is_paid_click(request.landing_url):
        source_url, source_referrer = request.first_touch_url, request.first_touch_referrer
    detection = detect_channel(source_url, source_referrer)
    click_ids = {**detection.click_ids, **detect_channel(request.landing_url, None).click_ids}
    return Visit(
        id=uuid.uuid4().hex,
        site_id=site.id,
        started_at=now,
        landing_url=request.landing_url,
        referrer=request.referrer,
        channel=detection.channel,
        visitor_id=request.visitor_id,
        user_agent=request.user_agent,
        click_ids=click_ids,
        ga_client_id=request.ga_client_id,
        last_seen_at=now,
    )


def _assign(
    uow: UnitOfWork,
    site: Site,
    visit: Visit,
    lease_seconds: int,
    now: datetime,
    rng: random.Random,
) -> tuple[Visit, str]:
    """Pool first; when the pool is full, the extension number with a fresh code; else a static
    number of the visit's channel; else the site's own number (the visit is unattributable)."""
    until = lease_end(now, lease_seconds)
    for _ in range(CLAIM_ATTEMPTS):
        free = uow.leases.free_pool_numbers(site.id, now, visit.visitor_id)
        chosen = choose_number(free, visit.visitor_id)
        if chosen is None:
            break
        lease = Lease(chosen.number_id, visit.id, now, until)
        if uow.leases.claim(chosen.number_id, lease, visit.visitor_id, now):
            leased = replace(
                visit,
                mode=VisitMode.POOL,
                number_id=chosen.number_id,
                ext=None,
                expires_at=until,
                reason=None,
            )
            return leased, _shown_number(uow, site, leased)
    return _fallback(uow, site, visit, until, now, rng)


def _fallback(
    uow: UnitOfWork,
    site: Site,
    visit: Visit,
    until: datetime,
    now: datetime,
    rng: random.Random,
) -> tuple[Visit, str]:
    pool = uow.numbers.for_site(site.id, NumberKind.POOL)
    reason = "pool exhausted" if pool else "no pool numbers"
    for number in uow.numbers.for_site(site.id, NumberKind.EXTENSION):
        uow.leases.lock_number(number.id)
        code = new_ext_code(uow.leases.live_codes(number.id, now), rng)
        if code is not None:
            uow.leases.add(Lease(number.id, visit.id, now, until, ext=code))
            coded = replace(
                visit,
                mode=VisitMode.EXTENSION,
                number_id=number.id,
                ext=code,
                expires_at=until,
                reason=reason,
            )
            return coded, number.number
    static = _static_for(uow, site, visit.channel)
    if static is not None:
        shown = replace(
            visit,
            mode=VisitMode.STATIC,
            number_id=static[0],
            ext=None,
            expires_at=None,
            reason=reason,
        )
        return shown, static[1]
    unattributed = replace(
        visit, mode=VisitMode.NONE, number_id=None, ext=None, expires_at=None, reason=reason
    )
    return unattributed, site.forward_to


def _static_for(uow: UnitOfWork, site: Site, channel: Channel) -> tuple[int, str] | None:
    for number in uow.numbers.for_site(site.id, NumberKind.STATIC):
        if number.channel and (number.channel.source, number.channel.medium) == (
            channel.source,
            channel.medium,
        ):
            return number.id, number.number
    return None


def _shown_number(uow: UnitOfWork, site: Site, visit: Visit) -> str:
    if visit.number_id is None:
        return site.forward_to
    number = uow.numbers.get(visit.number_id)
    return number.number if number else site.forward_to


def get_visit(storage: Storage, account_id: int, visit_id: str) -> Visit:
    """A visit of one of the account's sites; any other visit does not exist for it."""
    with storage.read() as uow:
        visit = uow.visits.get(visit_id)
        site = uow.sites.get(visit.site_id) if visit else None
    if visit is None or site is None or site.account_id != account_id:
        raise NotFound("unknown visit")
    return visit
