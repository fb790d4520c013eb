"""Recording what telephony platforms report about calls: idempotent, order-independent, and
attributed once, when callscope first hears of the call."""

from __future__ import annotations

from datetime import datetime, timedelta

from callscope.domain.attribution import Evidence, attribute
from callscope.domain.calls import Attribution, AttributionMethod, Call, CallEvent, EventKind
from callscope.domain.errors import NotFound
from callscope.domain.sites import NumberKind, TrackingNumber
from callscope.services import leads, recording_fetch, rollups, webhooks
from callscope.services.ports import Storage, UnitOfWork

ROUTE_NOTE_WINDOW = timedelta(minutes=15)


def record_call_event(
    storage: Storage, event: CallEvent, lease_seconds: int, now: datetime
) -> Call:
    """Apply one event; a repeated delivery of the same (call id, event) changes nothing."""
    with storage.write() as uow:
        existing = uow.calls.get(event.call_id, for_update=True)
        if not uow.calls.first_delivery(event, now) and existing is not None:
            return existing
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
        uow.commit()
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
