"""Recording what telephony platforms report about calls: idempotent, order-independent, and
attributed once, when callscope first hears of the call."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta

from callscope.domain.attribution import Evidence, attribute
from callscope.domain.calls import (
    UNATTRIBUTED,
    Attribution,
    AttributionMethod,
    Call,
    CallEvent,
    EventKind,
)
from callscope.domain.errors import NotFound
from callscope.domain.flows import BlockEntry
from callscope.domain.sites import NumberKind, RouteEntry, TrackingNumber
from callscope.logs import log_event
from callscope.services import leads, recording_fetch, rollups, webhooks
from callscope.services.ports import Storage, UnitOfWork
from callscope.services.sites import owned_site

ROUTE_NOTE_WINDOW = timedelta(minutes=15)
PENDING_BATCH = 100  # a call has four kinds of event: a bound, not a batch size


def record_call_event(
    storage: Storage, event: CallEvent, lease_seconds: int, now: datetime
) -> Call:
    """Apply one event now; a repeated delivery of the same (call id, event) changes nothing
    (beyond applying the call's events still pending, when the first delivery was accepted
    under load)."""
    with storage.write() as uow:
        # Locks in one order, as `apply_pending` takes them: the event's row, then the call's.
        first = uow.calls.first_delivery(event, now)
        pending = [] if first else uow.calls.pending(PENDING_BATCH, event.call_id, wait=True)
        call = uow.calls.get(event.call_id, for_update=True)
        for earlier, lease in pending:
            call = _apply(uow, storage, call, earlier, lease, now)
            uow.calls.applied(earlier)
        if first or call is None:  # None: a repeat for a call since erased is stored anew
            call = _apply(uow, storage, call, event, lease_seconds, now)
        uow.commit()
    assert call is not None
    return call


def accept_call_event(
    storage: Storage, event: CallEvent, lease_seconds: int, now: datetime
) -> bool:
    """Keep the event to be applied a moment later, by `apply_pending` (one statement: what a
    busy server does, so a caller never waits for the bookkeeping). Stored before this returns;
    False for a repeated delivery, which changes nothing."""
    with storage.write(one_statement=True) as uow:
        new = uow.calls.queue(event, lease_seconds, now)
        uow.commit()
    return new


def apply_pending(
    storage: Storage,
    now: datetime,
    call_id: str | None = None,
    limit: int | None = None,
    wait: bool = True,
) -> int:
    """Apply the events accepted under load (all, or one call's), oldest first, each in its own
    transaction, exactly as `record_call_event` would have; returns how many. `wait`: an event
    another server is applying at this moment is waited for (a reader then sees it applied);
    else skipped (the servers' loops share the work). An event that cannot be applied (its
    number was removed meanwhile) is logged and set aside."""
    applied = 0
    while limit is None or applied < limit:
        with storage.write() as uow:
            found = uow.calls.pending(1, call_id, wait=wait)
            if not found:
                break
            event, lease_seconds = found[0]
            existing = uow.calls.get(event.call_id, for_update=True)
            try:
                _apply(uow, storage, existing, event, lease_seconds, now)
            except NotFound:
                log_event("call_event_not_applied", call_id=event.call_id, kind=event.event)
            uow.calls.applied(event)
            uow.commit()
        applied += 1
    return applied


def _apply(
    uow: UnitOfWork,
    storage: Storage,
    existing: Call | None,
    event: CallEvent,
    lease_seconds: int,
    now: datetime,
) -> Call:
    """The call after `event` (delivered for the first time), stored with its consequences in
    `uow` (not committed)."""
    before: Call | None = existing
    history = None
    if existing is None:
        call, history = _new_call(uow, event, lease_seconds)
        call = call.with_event(event)
    else:
        call = existing.with_event(event)
    if existing is not None:
        uow.calls.save(call)
    elif not uow.calls.add(call):
        # Another server stored this call a moment ago: apply the event to theirs.
        before = uow.calls.get(event.call_id, for_update=True) or call
        call = before.with_event(event)
        uow.calls.save(call)
    else:
        leads.add_call_lead(uow, call, now)
    # In the same transaction as the call: its webhooks, and its deltas to the report
    # rollups (folded into them by the server, so calls to one number do not queue).
    webhooks.enqueue_for_call(uow, call, now)
    zone = rollups.site_zone_cached(storage, uow, call.site_id)
    rollups.apply(uow, before, call, zone, history)
    if call.record_url != (before.record_url if before else None):
        recording_fetch.enqueue_fetch(uow, call, now)
    return call


def _new_call(
    uow: UnitOfWork, event: CallEvent, lease_seconds: int
) -> tuple[Call, list[Call] | None]:
    """The call `event` starts, and the caller's other calls on the site (read once, under the
    caller's lock, for the first-time check, the caller's past attribution and the rollups)."""
    number = uow.numbers.by_number(event.dialed_number)
    if number is None:
        raise NotFound("dialed_number is not a tracking number")
    ext = event.ext
    if not ext and number.kind is NumberKind.EXTENSION:  # only these get route notes
        ext = uow.calls.routed_ext(number.id, event.caller, event.at - ROUTE_NOTE_WINDOW)
    history, blocked = None, None
    if event.caller is not None:
        uow.rollups.lock_caller(number.site_id, event.caller)
        history = uow.calls.of_caller(number.site_id, event.caller)
        blocked = uow.blocklist.reason_for(number.site_id, event.caller)
    # Spam is no earlier call: a caller whose only calls were spam is still calling first.
    earlier = [c for c in history or [] if c.started_at < event.at and not c.spam]
    attributed = [c for c in earlier if c.attribution.method is not AttributionMethod.NONE]
    previous = max(attributed, key=lambda c: c.started_at).attribution if attributed else None
    evidence = _evidence(uow, number, event, ext, lease_seconds, previous)
    call = Call(
        call_id=event.call_id,
        site_id=number.site_id,
        number_id=number.id,
        dialed_number=number.number,
        caller=event.caller,
        started_at=event.at,
        attribution=attribute(number, event.at, evidence),
        first_time=event.caller is not None and not earlier and blocked is None,
        agent_number=event.agent_number,
        ext=ext,
        spam_reason=f"blocklist: {blocked}" if blocked is not None else None,
    )
    return call, history


def _evidence(
    uow: UnitOfWork,
    number: TrackingNumber,
    event: CallEvent,
    ext: str | None,
    lease_seconds: int,
    previous: Attribution | None,
) -> Evidence:
    if number.kind is NumberKind.STATIC or (number.kind is NumberKind.EXTENSION and not ext):
        return Evidence(previous=previous)
    holder = uow.leases.holder_at(number.id, event.at, ext)
    if holder is None:
        return Evidence(previous=previous)
    window = timedelta(seconds=lease_seconds)
    recent = uow.leases.holders_between(number.id, holder.started_at - window, holder.started_at)
    return Evidence(holder, uow.visits.get(holder.visit_id), recent, previous)


def record_blocked_call(
    storage: Storage,
    entry: RouteEntry,
    dialed: str,
    caller: str | None,
    reason: str,
    now: datetime,
    call_id: str | None = None,
) -> Call:
    """Store a call routing refused as spam (with its reason). Without the platform's call id
    (the generic `/v1/route` has none) it gets one of its own. A call already stored under
    `call_id` becomes spam and leaves the reports."""
    call = Call(
        call_id=call_id or f"blocked-{uuid.uuid4().hex}",
        site_id=entry.site_id,
        number_id=entry.number_id,
        dialed_number=dialed,
        caller=caller,
        started_at=now,
        attribution=UNATTRIBUTED,
        first_time=False,
        ended_at=now,
        failure_code="blocked",
        failure_reason=reason[:200],
        spam_reason=reason[:200],
    )
    with storage.write() as uow:
        if not uow.calls.add(call):
            before = uow.calls.get(call.call_id, for_update=True)
            if before is None or before.spam:
                return before or call
            call = replace(before, spam_reason=call.spam_reason)
            uow.calls.save(call)
            rollups.apply(uow, before, call)
        uow.commit()
    return call


def mark_spam(
    storage: Storage,
    account_id: int,
    call_id: str,
    reason: str,
    now: datetime,
    site_id: int | None = None,
) -> Call:
    """A person says the call was spam: it leaves the reports, and its caller joins the
    account's blocklist (so their next call is refused). With `site_id`, only a call of that
    site (the dashboard's page of one site)."""
    with storage.write() as uow:
        before = uow.calls.get(call_id, for_update=True)
        if before is None or (site_id is not None and before.site_id != site_id):
            raise NotFound("unknown call")
        owned_site(uow, account_id, before.site_id)  # NotFound for another account's call
        if before.spam:
            return before
        call = replace(before, spam_reason=f"marked as spam: {reason}"[:200])
        uow.calls.save(call)
        rollups.apply(uow, before, call)
        listed = before.caller is not None and uow.blocklist.reason_for(call.site_id, before.caller)
        if before.caller is not None and not listed:
            uow.blocklist.add(BlockEntry(0, account_id, before.caller, None, reason), now)
            uow.numbers.routes_changed()
        uow.commit()
    return call


def attribution_at(
    uow: UnitOfWork, number: TrackingNumber, caller: str | None, at: datetime, lease_seconds: int
) -> Attribution:
    """How a contact to `number` from `caller` at `at` is attributed, as a call would be (the
    number's holder, its static channel, the caller's earlier calls): a text's attribution."""
    history = uow.calls.of_caller(number.site_id, caller) if caller else []
    attributed = [
        c
        for c in history
        if c.started_at < at and c.attribution.method is not AttributionMethod.NONE
    ]
    previous = max(attributed, key=lambda c: c.started_at).attribution if attributed else None
    event = CallEvent("text", EventKind.STARTED, at, number.number, caller)
    return attribute(number, at, _evidence(uow, number, event, None, lease_seconds, previous))
