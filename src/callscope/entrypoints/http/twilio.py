"""Twilio Programmable Voice over HTTP: the Voice URL of a tracking number and the callbacks
beside it. Every webhook is signature-checked, translated by `telephony.twilio`, and handed to
the generic services (`route_call`, `record_call_event`)."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from callscope.adapters.route_table import RouteTable
from callscope.domain.calls import EventKind
from callscope.domain.errors import NotFound, StorageError
from callscope.domain.flows import is_sip
from callscope.domain.sites import NumberKind
from callscope.entrypoints.http.call_intake import InlineSlots
from callscope.entrypoints.http.deps import (
    AdminDep,
    InlineSlotsDep,
    NowDep,
    RoutesDep,
    SettingsDep,
    StorageDep,
)
from callscope.entrypoints.http.twilio_signature import TwilioForm
from callscope.logs import log_event
from callscope.services.calls import apply_pending, record_call_event
from callscope.services.ports import Storage
from callscope.services.recordings import attach_recording, get_call
from callscope.services.routing import CallerBlocked, Route, plan_again, route_call
from callscope.services.texts import InboundText, receive_text
from callscope.services.twilio_credentials import save_credentials
from callscope.settings import Settings
from callscope.telephony.twilio import twiml
from callscope.telephony.twilio.events import (
    CONNECTED,
    TwilioCall,
    TwilioText,
    dial_outcome,
    typed_ext,
)

router = APIRouter(prefix="/v1/twilio", tags=["twilio"])


class CredentialsIn(BaseModel):
    account_sid: str = Field(pattern=r"^[A-Za-z0-9-]{2,64}$")
    auth_token: str = Field(min_length=8, max_length=128, pattern=r"^\S+$")


def xml(body: str) -> Response:
    return Response(body, media_type="text/xml")


@router.post("/voice")
def voice(
    form: TwilioForm,
    storage: StorageDep,
    routes: RoutesDep,
    slots: InlineSlotsDep,
    settings: SettingsDep,
    now: NowDep,
) -> Response:
    """An incoming call: reject an unknown number, ask for a code on an extension number,
    else forward to the agent with recording on."""
    call = TwilioCall.of(form, settings.default_region)
    route = _route(storage, routes, call, None, now)
    if route is None:
        return xml(twiml.reject())
    if route.number.kind is NumberKind.EXTENSION:
        return xml(twiml.ask_extension(twiml.PublicUrls(settings.public_url)))
    if route.number.flow is not None:
        return _flow(storage, slots, settings, call, route, None, now)
    return _forward(storage, slots, settings, call, route.agent_number, None, now)


@router.post("/gather")
def gather(
    form: TwilioForm,
    storage: StorageDep,
    routes: RoutesDep,
    slots: InlineSlotsDep,
    settings: SettingsDep,
    now: NowDep,
) -> Response:
    """The code typed on an extension number (or none, after the timeout): forward either way."""
    call = TwilioCall.of(form, settings.default_region)
    ext = typed_ext(form.get("Digits"))
    route = _route(storage, routes, call, ext, now)
    if route is None:
        return xml(twiml.reject())
    if route.number.flow is not None:
        return _flow(storage, slots, settings, call, route, ext, now)
    return _forward(storage, slots, settings, call, route.agent_number, ext, now)


@router.post("/gate")
def gate(
    form: TwilioForm,
    storage: StorageDep,
    routes: RoutesDep,
    settings: SettingsDep,
    now: NowDep,
    turn: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> Response:
    """The "press 1 to be connected" answer of a suspected caller: 1 goes on with the plan,
    anything else (or nothing) hangs up."""
    call = TwilioCall.of(form, settings.default_region)
    plan = plan_again(storage, routes, call.dialed, turn, now) if call.dialed else None
    if plan is None or typed_ext(form.get("Digits")) != "1":
        log_event("twilio_gate_failed", call_id=call.call_sid, caller=call.caller)
        return xml(twiml.hangup())
    urls = twiml.PublicUrls(settings.public_url)
    return xml(twiml.flow_answer(plan, call.call_sid, urls, turn, gated=True))


@router.post("/voicemail")
def voicemail(
    form: TwilioForm, storage: StorageDep, settings: SettingsDep, now: NowDep
) -> Response:
    """The `<Record action>`: the caller left a message (its URL arrives at /recording); the
    call is a missed one (after hours nobody was dialled, so this is its only outcome)."""
    call = TwilioCall.of(form, settings.default_region)
    if call.dialed is not None:
        failed = call.event(EventKind.FAILED, now)
        left = replace(failed, failure_code="no-answer", failure_reason="voicemail")
        record_call_event(storage, left, settings.lease_seconds, now)
    log_event("twilio_voicemail", call_id=call.call_sid)
    return xml(twiml.hangup())


@router.post("/dial-status")
def dial_status(
    form: TwilioForm,
    storage: StorageDep,
    routes: RoutesDep,
    slots: InlineSlotsDep,
    settings: SettingsDep,
    now: NowDep,
    step: Annotated[int | None, Query(ge=1, le=100)] = None,
    turn: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> Response:
    """The `<Dial action>` callback: answered and completed, or failed with Twilio's status.
    In a call flow (`step` given) an unanswered dial goes on to the flow's next step: the next
    target, the fallback number, then voicemail."""
    call = TwilioCall.of(form, settings.default_region)
    answered = form.get("DialCallStatus", "").strip().lower() in CONNECTED
    if step is not None and not answered and call.dialed is not None:
        plan = plan_again(storage, routes, call.dialed, turn, now)
        if plan is not None:
            if twiml.last_step(plan, step):  # nobody is left to ring: the call is unanswered
                for event in dial_outcome(call, form, now):
                    record_call_event(storage, event, settings.lease_seconds, now)
            urls = twiml.PublicUrls(settings.public_url)
            log_event("twilio_flow_step", call_id=call.call_sid, step=step)
            return xml(twiml.flow_step(plan, step, call.call_sid, urls, turn))
    for event in dial_outcome(call, form, now):
        slots.take_event(storage, event, settings.lease_seconds, now)
    log_event("twilio_dial_status", call_id=call.call_sid, status=form.get("DialCallStatus"))
    return xml(twiml.hangup())


@router.post("/recording", status_code=204)
def recording(form: TwilioForm, storage: StorageDep) -> Response:
    """`recordingStatusCallback`: a finished recording's URL is attached to its call."""
    url = form.get("RecordingUrl")
    if form.get("RecordingStatus", "completed") == "completed" and url:
        attach_recording(storage, form.get("CallSid", ""), url)
    return Response(status_code=204)


@router.post("/whisper")
def whisper(
    form: TwilioForm, storage: StorageDep, call: Annotated[str, Query(max_length=128)]
) -> Response:
    """Spoken to the agent before the caller is connected; silence if the call is unknown,
    because a failing whisper would drop the agent's leg."""
    try:
        apply_pending(storage, datetime.now(UTC), call_id=call)
        return xml(twiml.whisper(get_call(storage, call)))
    except NotFound:
        return xml(twiml.silence())


@router.post("/sms")
def sms(form: TwilioForm, storage: StorageDep, settings: SettingsDep, now: NowDep) -> Response:
    """The Messaging URL of a tracking number: the text becomes a lead attributed like a call
    at that moment, and is passed on to the number's forwarding target."""
    text = TwilioText.of(form, settings.default_region)
    inbound = InboundText(text.message_sid, text.dialed, text.sender, text.body)
    try:
        received = receive_text(storage, inbound, settings.lease_seconds, now)
    except NotFound:
        log_event("twilio_unknown_number", dialed=text.dialed)
        return xml(twiml.no_reply())
    log_event("twilio_text", lead_id=received.lead.id, dialed=text.dialed)
    return xml(twiml.forward_text(received.forward_to, text.sender, text.body))


@router.put("/credentials")
def put_credentials(
    body: CredentialsIn, storage: StorageDep, principal: AdminDep, now: NowDep
) -> dict[str, str]:
    """Store the account's Twilio auth token; its numbers' webhooks are checked with it."""
    save_credentials(storage, principal.account_id, body.account_sid, body.auth_token, now)
    return {"account_sid": body.account_sid, "auth_token": "stored"}


def _route(
    storage: Storage, routes: RouteTable, call: TwilioCall, ext: str | None, now: datetime
) -> Route | None:
    if call.dialed is None:
        return None
    try:
        return route_call(
            storage,
            call.dialed,
            ext,
            call.caller,
            now,
            routes,
            call.raw_caller,
            None,
            call.call_sid or None,
        )
    except CallerBlocked as exc:  # stored as spam under the CallSid
        log_event("twilio_blocked", dialed=call.dialed, caller=call.caller, reason=str(exc))
        return None
    except NotFound:
        log_event("twilio_unknown_number", dialed=call.dialed)
        return None


def _flow(
    storage: Storage,
    slots: InlineSlots,
    settings: Settings,
    call: TwilioCall,
    route: Route,
    ext: str | None,
    now: datetime,
) -> Response:
    """A number with a call flow: the plan as TwiML (notice, targets, fallbacks, voicemail)."""
    first = route.plan.first
    agent = first if first is not None and not is_sip(first) else None  # calls keep numbers
    started = replace(call.event(EventKind.STARTED, now), agent_number=agent, ext=ext)
    with suppress(StorageError):  # the dial-status callback records the call too
        slots.take_event(storage, started, settings.lease_seconds, now)
    urls = twiml.PublicUrls(settings.public_url)
    log_event("twilio_flow", call_id=call.call_sid, dialed=call.dialed, reason=route.plan.reason)
    return xml(twiml.flow_answer(route.plan, call.call_sid, urls, route.turn, gated=False))


def _forward(
    storage: Storage,
    slots: InlineSlots,
    settings: Settings,
    call: TwilioCall,
    agent: str,
    ext: str | None,
    now: datetime,
) -> Response:
    started = replace(call.event(EventKind.STARTED, now), agent_number=agent, ext=ext)
    try:
        recorded = slots.take_event(storage, started, settings.lease_seconds, now)
        method = recorded.attribution.method.value if recorded else "after the answer"
    except StorageError:
        # Never fail a caller over bookkeeping: the dial-status callback records the call too.
        method = "not recorded"
    log_event("twilio_forward", call_id=call.call_sid, dialed=call.dialed, method=method)
    return xml(twiml.dial(agent, call.call_sid, twiml.PublicUrls(settings.public_url)))
