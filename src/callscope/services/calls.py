"""Recording what telephony platforms report about calls: idempotent, order-independent, and
attributed once, when callscope first hears of the call."""

from __future__ import annotations

from datetime import datetime, timedelta

from callscope.domain.attribution import Evidence, attribute
from callscope.domain.calls import Attribution, AttributionMethod, Call, CallEvent
from callscope.domain.errors import NotFound
from callscope.domain.sites import NumberKind, TrackingNumber
from callscope.logs import log_event
from callscope.services import recording_fetch, rollups, webhooks
from callscope.services.ports import Storage, UnitOfWork

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
    history = None
    if event.caller is not None:
        uow.rollups.lock_caller(number.site_id, event.caller)
        history = uow.calls.of_caller(number.site_id, event.caller)
    earlier = [c for c in history or [] if c.started_at < event.at]
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
        first_time=event.caller is not None and not earlier,
        agent_number=event.agent_number,
        ext=ext,
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
