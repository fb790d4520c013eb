"""Giving a visit a number to show (pool lease, extension code, static or the site's own) and
keeping it while the visitor stays."""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
import time
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from weakref import WeakKeyDictionary

from callscope.domain.allocation import CALLSCOPE, AllocationPolicy
from callscope.domain.bots import is_bot
from callscope.domain.channel import detect_channel, is_paid_click
from callscope.domain.errors import Forbidden, NotFound
from callscope.domain.journey import (
    VISITOR_WINDOW_DAYS,
    PageView,
    clean_title,
    clean_url,
    page_view,
    room_for,
)
from callscope.domain.sites import Site
from callscope.domain.visits import Visit, VisitMode, lease_end
from callscope.services import rollups
from callscope.services.assignment import Allocation, assign, shown_number
from callscope.services.lease_slots import LeaseSlots
from callscope.services.ports import Storage, UnitOfWork
from callscope.services.secrets import stored_secret

SITE_CACHE_SECONDS = 10.0
SITE_CACHE_SIZE = 10_000
_SITES: WeakKeyDictionary[Storage, dict[str, tuple[float, Site]]] = WeakKeyDictionary()


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
    client: str | None = None  # see `address_hash`
    landing_title: str | None = None


@dataclass(frozen=True)
class PageReport:
    """A page view as the snippet reports it (cleaned and bounded before it is kept)."""

    url: str
    title: str | None
    at: datetime


@dataclass(frozen=True)
class VisitJourney:
    """A visit, the pages it read (its landing page first), and the visitor's visits before it
    within the attribution window (the touches a lead knows of)."""

    visit: Visit
    pages: list[PageView]
    earlier_visits: list[Visit]


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
    policy: AllocationPolicy = CALLSCOPE,
    leases_per_client: int | None = None,
    slots: LeaseSlots | None = None,
) -> Assignment:
    """Store the visit and give it a number under `policy` (the production one by default);
    one client address holds at most `leases_per_client` pool numbers at once (in every
    process together when `slots` share the count)."""
    site: Site | None = None
    visit: Visit | None = None
    try:
        with storage.write() as uow:
            site = _site_by_key(storage, uow, request.site_key)
            if site is None:
                raise NotFound("unknown site_key")
            if not site.allows_origin(request.origin):
                raise Forbidden("this origin is not allowed for the site")
            if is_bot(request.user_agent):
                return Assignment(None, site.forward_to, site)
            visit = _new_visit(site, request, now)
            hold = policy.hold_seconds(lease_seconds)
            pool = Allocation(policy, hold, rng or random.Random(), leases_per_client, slots)
            visit, number = assign(uow, site, visit, pool, now)
            uow.visits.add(visit)
            rollups.add_visit(uow, visit, site)
            uow.commit()
    except Exception:
        if slots is not None and site is not None and visit is not None and visit.client:
            slots.release(site.id, visit.client, visit.id)  # the slot of a lease never stored
        raise
    return Assignment(visit, number, site)


def heartbeat(
    storage: Storage,
    visit_id: str,
    lease_seconds: int,
    now: datetime,
    policy: AllocationPolicy = CALLSCOPE,
    rng: random.Random | None = None,
    slots: LeaseSlots | None = None,
    pages: list[PageReport] | None = None,
) -> Assignment:
    """Extend the visit's lease; if it had lapsed, lease again (maybe another number). A policy
    whose holds do not follow heartbeats only notes that the visitor is still there. The page
    views a heartbeat carries join the visit's journey, up to `MAX_PAGES` per visit."""
    with storage.write() as uow:
        visit = uow.visits.get(visit_id)
        if visit is None:
            raise NotFound("unknown visit")
        if pages:
            _keep_pages(uow, visit, pages, now)
        site = uow.sites.get(visit.site_id)
        assert site is not None
        hold = policy.hold_seconds(lease_seconds)
        pool = Allocation(policy, hold, rng or random.Random(), slots=slots)
        visit = _keep(uow, site, replace(visit, last_seen_at=now), pool, now)
        number = shown_number(uow, site, visit)
        uow.commit()
    return Assignment(visit, number, site)


def _keep_pages(uow: UnitOfWork, visit: Visit, pages: list[PageReport], now: datetime) -> None:
    room = room_for(uow.journeys.count(visit.id), len(pages))
    views = [page_view(p.url, p.title, p.at, visit.started_at, now) for p in pages[:room]]
    uow.journeys.add(visit.id, [v for v in views if v.url])


def _keep(uow: UnitOfWork, site: Site, visit: Visit, pool: Allocation, now: datetime) -> Visit:
    held = visit.number_id is not None and visit.mode in (VisitMode.POOL, VisitMode.EXTENSION)
    if held and not pool.policy.heartbeats_extend:
        uow.visits.touch(visit.id, now, visit.expires_at)
        return visit
    until = lease_end(now, pool.hold_seconds)
    if held and uow.leases.extend(visit.id, visit.number_id or 0, visit.ext, now, until):
        uow.visits.touch(visit.id, now, until)
        if pool.slots is not None and visit.client and visit.mode is VisitMode.POOL:
            pool.slots.extend(site.id, visit.client, visit.id, now, until)  # the slot lives as long
        return replace(visit, expires_at=until)
    if visit.mode is not VisitMode.STATIC:
        visit, _ = assign(uow, site, visit, pool, now)
    uow.visits.save(visit)
    return visit


def _site_by_key(storage: Storage, uow: UnitOfWork, key: str) -> Site | None:
    """The site a snippet names by its key. The API never changes a site once created, so each
    process keeps the sites it read for SITE_CACHE_SECONDS and the visit path skips a query (a
    site edited straight in the database is seen within that time); unknown keys are not kept."""
    now, sites = time.monotonic(), _SITES.setdefault(storage, {})
    kept = sites.get(key)
    if kept is not None and now - kept[0] < SITE_CACHE_SECONDS:
        return kept[1]
    site = uow.sites.by_key(key)
    if site is not None:
        if len(sites) >= SITE_CACHE_SIZE:
            sites.clear()
        sites[key] = (now, site)
    return site


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
        landing_title=clean_title(request.landing_title),
        referrer=request.referrer,
        channel=detection.channel,
        visitor_id=request.visitor_id,
        user_agent=request.user_agent,
        click_ids=click_ids,
        ga_client_id=request.ga_client_id,
        last_seen_at=now,
        client=request.client,
    )


def get_visit(storage: Storage, account_id: int, visit_id: str) -> Visit:
    """A visit of one of the account's sites; any other visit does not exist for it."""
    with storage.read() as uow:
        visit = uow.visits.get(visit_id)
        site = uow.sites.get(visit.site_id) if visit else None
    if visit is None or site is None or site.account_id != account_id:
        raise NotFound("unknown visit")
    return visit


def visit_journey(
    storage: Storage, account_id: int, visit_id: str, window_days: int = VISITOR_WINDOW_DAYS
) -> VisitJourney:
    """A visit of one of the account's sites with its pages and the visitor's earlier visits."""
    with storage.read() as uow:
        visit = uow.visits.get(visit_id)
        site = uow.sites.get(visit.site_id) if visit else None
        if visit is None or site is None or site.account_id != account_id:
            raise NotFound("unknown visit")
        pages = [landing_page(visit), *uow.journeys.of_visit(visit.id)]
        earlier: list[Visit] = []
        if visit.visitor_id:
            since = visit.started_at - timedelta(days=window_days)
            found = uow.visits.of_visitor(site.id, visit.visitor_id, since, visit.started_at)
            earlier = [v for v in found if v.id != visit.id]
    return VisitJourney(visit, pages, earlier)


def landing_page(visit: Visit) -> PageView:
    return PageView(clean_url(visit.landing_url), visit.landing_title, visit.started_at)


def address_hash(storage: Storage, address: str) -> str:
    """A salted hash of a client address: enough to count one address's leases, useless for
    finding the address again (the salt is a server secret)."""
    salt = stored_secret(storage, "address_salt", lambda: secrets.token_hex(32))
    return hmac.new(salt.encode(), address.encode(), hashlib.sha256).hexdigest()[:16]
