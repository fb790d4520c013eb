"""Keeping the report's daily rollups exact: a stored call's or visit's contribution as it
changes (noted with the call or visit, folded into the rollups by the server each second), and
the full recomputation (after a bulk load, a time zone change, or on demand)."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from datetime import date, datetime
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo

from callscope.domain.calls import Call, CallStatus
from callscope.domain.progress import Progress, unreported
from callscope.domain.reporting import (
    ANSWERED,
    CHANNEL_GROUPINGS,
    DIMENSIONS,
    NEVER,
    CallPlace,
    CallTally,
    DayKey,
    LinkKey,
    channel_values,
)
from callscope.domain.sites import Site
from callscope.domain.visits import Visit
from callscope.services.ports import Storage, UnitOfWork
from callscope.services.reports import QUALIFIED_SECONDS, site_zone

Links = dict[LinkKey, int]
COUNT_BATCH = 5_000
ZONE_CACHE_SECONDS = 10.0
ZONE_CACHE_SIZE = 10_000
_ZONES: WeakKeyDictionary[Storage, dict[int, tuple[float, ZoneInfo]]] = WeakKeyDictionary()


def apply(
    uow: UnitOfWork,
    before: Call | None,
    after: Call,
    zone: ZoneInfo | None = None,
    history: list[Call] | None = None,
) -> None:
    """Move the rollups from counting `before` (None: a call not counted yet) to `after`: the
    deltas are noted in the call's transaction and folded into the rollups by `count_calls`.
    `zone` and `history` (the caller's calls, read under `lock_caller`), when the caller has
    them, save looking them up."""
    zone = zone or _zone(uow, after.site_id)
    # Spam counts nowhere: a call marked as spam leaves the rollups as a removed call would.
    counted_before = before if before is not None and not before.spam else None
    counted_after = None if after.spam else after
    tallies: dict[DayKey, CallTally] = defaultdict(CallTally)
    for call, sign in ((counted_before, -1), (counted_after, 1)):
        if call is not None:
            for key in _day_keys(call, zone):
                tallies[key] = tallies[key].plus(tally_of(call), sign)
    links: Links = defaultdict(int)
    if after.caller is not None and (
        (counted_before is None) != (counted_after is None)
        or (counted_after is not None and _moved(counted_before, counted_after))
    ):
        places = _places(uow, after, history)
        for call, sign in ((counted_before, -1), (counted_after, 1)):
            if call is not None:
                _relink(links, places, call, sign, zone)
    uow.rollups.add_uncounted_calls(after.site_id, tallies, links)


def _places(uow: UnitOfWork, call: Call, history: list[Call] | None) -> list[CallPlace]:
    """The caller's other calls, in order: from `history`, else read under the caller's lock
    (two calls of a caller stored at once must each see the other to link correctly)."""
    assert call.caller is not None
    if history is None:
        uow.rollups.lock_caller(call.site_id, call.caller)
        return uow.rollups.caller_history(call.site_id, call.caller, call.call_id)
    return [
        CallPlace(c.call_id, c.started_at, channel_values(c.attribution.channel))
        for c in history
        if c.call_id != call.call_id and not c.spam
    ]


def add_visit(uow: UnitOfWork, visit: Visit, site: Site | None = None) -> None:
    """Note a newly stored visit under its local day and channel values, for `count_visits`
    (`site`, when the caller has it, saves looking up its time zone)."""
    zone = site_zone(site) if site is not None else _zone(uow, visit.site_id)
    day = local_day(visit.started_at, zone)
    uow.rollups.add_uncounted_visit(visit.site_id, day, channel_values(visit.channel))


def count_visits(storage: Storage, batch: int = COUNT_BATCH) -> int:
    """Count the visits stored since the last count into the visit rollups; returns how many.
    The server runs this every second; several processes may run it at once."""
    counted = 0
    while True:
        with storage.write() as uow:
            taken = uow.rollups.take_uncounted_visits(batch)
            deltas: dict[int, Counter[DayKey]] = defaultdict(Counter)
            for site_id, day, values in taken:
                deltas[site_id].update((d, day, values[d]) for d in CHANNEL_GROUPINGS)
            for site_id in sorted(deltas):
                uow.rollups.add_visits(site_id, dict(deltas[site_id]))
            uow.commit()
        counted += len(taken)
        if len(taken) < batch:
            return counted


def count_calls(storage: Storage, batch: int = COUNT_BATCH) -> int:
    """Fold the call deltas noted since the last count into the call and caller rollups;
    returns how many deltas. The server runs this every second; several processes may run it
    at once (each takes rows the others are not taking)."""
    counted = 0
    while True:
        with storage.write() as uow:
            tallies, links = uow.rollups.take_uncounted_calls(batch)
            call_deltas: dict[int, dict[DayKey, CallTally]] = defaultdict(dict)
            for site_id, key, tally in tallies:
                call_deltas[site_id][key] = call_deltas[site_id].get(key, CallTally()).plus(tally)
            link_deltas: dict[int, Links] = defaultdict(lambda: defaultdict(int))
            for site_id, link, callers in links:
                link_deltas[site_id][link] += callers
            for site_id in sorted(call_deltas):
                uow.rollups.add_calls(site_id, call_deltas[site_id])
            for site_id in sorted(link_deltas):
                uow.rollups.add_callers(site_id, link_deltas[site_id])
            uow.commit()
        taken = len(tallies) + len(links)
        counted += taken
        if taken < batch:
            return counted


def site_zone_cached(storage: Storage, uow: UnitOfWork, site_id: int) -> ZoneInfo:
    """The site's time zone, kept per process for ZONE_CACHE_SECONDS (a changed zone asks
    for a rollup rebuild anyway, see `rebuild`)."""
    now, zones = time.monotonic(), _ZONES.setdefault(storage, {})
    kept = zones.get(site_id)
    if kept is not None and now - kept[0] < ZONE_CACHE_SECONDS:
        return kept[1]
    zone = _zone(uow, site_id)
    if len(zones) >= ZONE_CACHE_SIZE:
        zones.clear()
    zones[site_id] = (now, zone)
    return zone


def rebuild(storage: Storage, site_id: int | None = None, progress: Progress = unreported) -> int:
    """Recompute the rollups of one site (or all) from the stored calls and visits; returns
    how many sites were rebuilt. `progress` hears the sites done."""
    with storage.write() as uow:
        uow.rollups.lock_raw_tables()
        zones = uow.rollups.site_zones(site_id)
        for done, (site, name) in enumerate(zones, 1):
            uow.rollups.forget_uncounted_calls(site)
            uow.rollups.rebuild(site, name)
            progress(done, len(zones))
        uow.commit()
    return len(zones)


def tally_of(call: Call) -> CallTally:
    answered = call.status.value in ANSWERED
    duration = (call.duration or 0) if answered else 0
    return CallTally(
        calls=1,
        answered=int(answered),
        missed=int(call.status is CallStatus.MISSED),
        first_time=int(call.first_time),
        duration_sum=duration,
        qualified=int(answered and duration >= QUALIFIED_SECONDS),
        confidence_sum=call.attribution.confidence,
    )


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def _day_keys(call: Call, zone: ZoneInfo) -> list[DayKey]:
    day, values = local_day(call.started_at, zone), channel_values(call.attribution.channel)
    return [(d, day, values[d]) for d in DIMENSIONS]


def _moved(before: Call | None, after: Call) -> bool:
    """Whether the call's place in its caller's history changed (a status change does not)."""
    return before is None or (before.started_at, before.attribution.channel) != (
        after.started_at,
        after.attribution.channel,
    )


def _relink(links: Links, history: list[CallPlace], call: Call, sign: int, zone: ZoneInfo) -> None:
    """Add (sign 1) or take out (sign -1) `call` in its caller's history: its own link to the
    previous call, and the link of the next call, which points to it instead of the previous."""
    day, values = local_day(call.started_at, zone), channel_values(call.attribution.channel)
    place = (call.started_at, call.call_id)
    for d in DIMENSIONS:
        same = [p for p in history if p.values[d] == values[d]]
        earlier = [p for p in same if (p.started_at, p.call_id) < place]
        later = [p for p in same if (p.started_at, p.call_id) > place]
        previous = local_day(earlier[-1].started_at, zone) if earlier else NEVER
        _link(links, (d, day, values[d], previous), sign)
        if later:
            following = local_day(later[0].started_at, zone)
            _link(links, (d, following, values[d], previous), -sign)
            _link(links, (d, following, values[d], day), sign)


def _link(links: Links, key: LinkKey, sign: int) -> None:
    # A repeat on the same local day never counts as a new caller: not stored at all.
    if key[3] != key[1]:
        links[key] += sign


def _zone(uow: UnitOfWork, site_id: int) -> ZoneInfo:
    site = uow.sites.get(site_id)
    return site_zone(site) if site is not None else ZoneInfo("UTC")
