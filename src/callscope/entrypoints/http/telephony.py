"""The generic telephony endpoints: `route` (where to forward) and call events (what happened).

Voximplant scenarios and Kamailio call these directly; the Twilio adapter calls the same
services."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from callscope.domain.calls import Call, CallEvent, EventKind
from callscope.entrypoints.http.deps import (
    InlineSlotsDep,
    NowDep,
    RoutesDep,
    SettingsDep,
    StorageDep,
    TelephonyDep,
)
from callscope.entrypoints.http.schemas import CallEventIn
from callscope.logs import log_event
from callscope.phone import maybe_e164, to_e164
from callscope.services.calls import record_call_event
from callscope.services.routing import route_call, route_from_memory

router = APIRouter(tags=["telephony"], dependencies=[TelephonyDep])


@router.get("/v1/route", response_class=PlainTextResponse)
async def route(
    storage: StorageDep,
    routes: RoutesDep,
    settings: SettingsDep,
    now: NowDep,
    dialed_number: Annotated[str, Query(min_length=1, max_length=40)],
    ext: Annotated[str | None, Query(pattern=r"^[0-9]{0,8}$")] = None,
    caller: Annotated[str | None, Query(max_length=80)] = None,
) -> PlainTextResponse:
    """The agent number to forward to, as plain text. 404 only for an unknown dialed number.
    Answered on the event loop from the route table; on the thread pool when that needs the
    database (a stale copy, an unknown number, an extension code to note)."""
    dialed = to_e164(dialed_number, settings.default_region)
    caller_number = maybe_e164(caller, settings.default_region)
    answer = route_from_memory(routes, dialed, ext)
    if answer is None:
        answer = await run_in_threadpool(
            route_call, storage, dialed, ext or None, caller_number, now, routes
        )
    log_event(
        "route", dialed=dialed, caller=caller_number, agent=answer.agent_number, ext_given=bool(ext)
    )
    return PlainTextResponse(answer.agent_number)


@router.post("/v1/calls/events")
def call_event(
    body: CallEventIn,
    storage: StorageDep,
    routes: RoutesDep,
    slots: InlineSlotsDep,
    settings: SettingsDep,
    now: NowDep,
) -> dict[str, object]:
    """Applied before the answer (the call's status and attribution come back), or, while the
    process is busy applying others, stored and applied just after it (`"queued": true`)."""
    region = settings.default_region
    event = CallEvent(
        call_id=body.call_id,
        event=EventKind(body.event),
        at=body.at,
        dialed_number=to_e164(body.dialed_number, region),
        caller=maybe_e164(body.caller, region),
        agent_number=maybe_e164(body.agent_number, region),
        ext=body.ext,
        duration=body.duration,
        record_url=body.record_url,
        failure_code=body.failure_code,
        failure_reason=body.failure_reason,
    )
    call: Call | None
    if routes.lookup(event.dialed_number) is None:
        # Not a tracking number (as far as routing knows): applied now, for its clear 404.
        call = record_call_event(storage, event, settings.lease_seconds, now)
    else:
        call = slots.take_event(storage, event, settings.lease_seconds, now)
    if call is None:
        log_event(
            "call_event",
            call_id=event.call_id,
            kind=event.event,
            dialed=event.dialed_number,
            caller=event.caller,
            queued=True,
        )
        return {"call_id": event.call_id, "queued": True}
    log_event(
        "call_event",
        call_id=call.call_id,
        kind=event.event,
        status=call.status,
        dialed=call.dialed_number,
        caller=call.caller,
        method=call.attribution.method,
    )
    return {
        "call_id": call.call_id,
        "queued": False,
        "status": call.status.value,
        "attribution": {
            "method": call.attribution.method.value,
            "confidence": call.attribution.confidence,
        },
    }
