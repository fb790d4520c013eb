"""The generic telephony endpoints: `route` (where to forward) and call events (what happened).

Voximplant scenarios and Kamailio call these directly; the Twilio adapter calls the same
services."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from callscope.adapters.route_table import RouteTable
from callscope.domain.calls import Call, CallEvent, EventKind
from callscope.domain.flows import plan_to_dict
from callscope.entrypoints.http.deps import (
    InlineSlotsDep,
    NowDep,
    RoutesDep,
    SettingsDep,
    StorageDep,
    TelephonyDep,
)
from callscope.entrypoints.http.schemas import CallEventIn, PlanOut
from callscope.logs import log_event
from callscope.phone import maybe_e164, to_e164
from callscope.services.calls import record_call_event
from callscope.services.ports import Storage
from callscope.services.routing import Route, route_call, route_from_memory
from callscope.settings import Settings

router = APIRouter(tags=["telephony"], dependencies=[TelephonyDep])


DialedQuery = Annotated[str, Query(min_length=1, max_length=40)]
ExtQuery = Annotated[str | None, Query(pattern=r"^[0-9]{0,8}$")]
CallerQuery = Annotated[str | None, Query(max_length=80)]
CallIdQuery = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=128,
        description="the platform's call id: a blocked call is stored as spam under it",
    ),
]


async def _route(
    storage: Storage,
    routes: RouteTable,
    settings: Settings,
    now: datetime,
    dialed_number: str,
    ext: str | None,
    caller: str | None,
    call_id: str | None,
) -> Route:
    """The call's route and plan: on the event loop from the route table; on the thread pool
    when that needs the database (a stale copy, an unknown number, an extension code to note,
    a blocked caller to store as spam, a round-robin turn)."""
    dialed = to_e164(dialed_number, settings.default_region)
    caller_number = maybe_e164(caller, settings.default_region)
    answer = route_from_memory(routes, dialed, ext, caller_number, caller, now)
    if not isinstance(answer, Route):
        answer = await run_in_threadpool(
            route_call,
            storage,
            dialed,
            ext or None,
            caller_number,
            now,
            routes,
            caller,
            answer,
            call_id,
        )
    log_event(
        "route",
        dialed=dialed,
        caller=caller_number,
        agent=answer.agent_number,
        ext_given=bool(ext),
        reason=answer.plan.reason.value,
    )
    return answer


@router.get("/v1/route", response_class=PlainTextResponse)
async def route(
    storage: StorageDep,
    routes: RoutesDep,
    settings: SettingsDep,
    now: NowDep,
    dialed_number: DialedQuery,
    ext: ExtQuery = None,
    caller: CallerQuery = None,
    call_id: CallIdQuery = None,
) -> PlainTextResponse:
    """The number (or SIP URI) to forward to, as plain text: the plan's first target. 404
    only for an unknown dialed number; 403 for a blocked caller (stored as spam)."""
    answer = await _route(storage, routes, settings, now, dialed_number, ext, caller, call_id)
    return PlainTextResponse(answer.agent_number)


@router.get("/v1/route/plan", response_model=PlanOut)
async def route_plan(
    storage: StorageDep,
    routes: RoutesDep,
    settings: SettingsDep,
    now: NowDep,
    dialed_number: DialedQuery,
    ext: ExtQuery = None,
    caller: CallerQuery = None,
    call_id: CallIdQuery = None,
) -> Response:
    """The whole plan for this call now: targets, strategy, ring timeouts, the notice, the
    voicemail, whether to record, and why (open, after hours, a closed day). 404 for an
    unknown dialed number; 403 for a blocked caller (stored as spam)."""
    answer = await _route(storage, routes, settings, now, dialed_number, ext, caller, call_id)
    body = plan_to_dict(answer.plan)
    return Response(json.dumps(body, separators=(",", ":")), media_type="application/json")


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
