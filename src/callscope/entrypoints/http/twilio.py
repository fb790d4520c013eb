"""Twilio Programmable Voice over HTTP: the Voice URL of a tracking number and the callbacks
beside it. Every webhook is signature-checked, translated by `telephony.twilio`, and handed to
the generic services (`route_call`, `record_call_event`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from callscope.adapters.route_table import RouteTable
from callscope.domain.calls import EventKind
from callscope.domain.errors import NotFound, StorageError
from callscope.domain.sites import NumberKind
from callscope.entrypoints.http.deps import AdminDep, NowDep, RoutesDep, SettingsDep, StorageDep
from callscope.entrypoints.http.twilio_signature import TwilioForm
from callscope.logs import log_event
from callscope.services.calls import record_call_event
from callscope.services.ports import Storage
from callscope.services.recordings import attach_recording, get_call
from callscope.services.routing import Route, route_call
from callscope.services.texts import InboundText, receive_text
from callscope.services.twilio_credentials import save_credentials
from callscope.settings import Settings
from callscope.telephony.twilio import twiml
from callscope.telephony.twilio.events import TwilioCall, TwilioText, dial_outcome, typed_ext

router = APIRouter(prefix="/v1/twilio", tags=["twilio"])


class CredentialsIn(BaseModel):
    account_sid: str = Field(pattern=r"^[A-Za-z0-9-]{2,64}$")
    auth_token: str = Field(min_length=8, max_length=128, pattern=r"^\S+$")


def xml(body: str) -> Response:
    return Response(body, media_type="text/xml")


@router.post("/voice")
def voice(
    form: TwilioForm, storage: StorageDep, routes: RoutesDep, settings: SettingsDep, now: NowDep
) -> Response:
    """An incoming call: reject an unknown number, ask for a code on an extension number,
    else forward to the agent with recording on."""
    call = TwilioCall.of(form, settings.default_region)
    route = _route(storage, routes, call, None, now)
    if route is None:
        return xml(twiml.reject())
    if route.number.kind is NumberKind.EXTENSION:
        return xml(twiml.ask_extension(twiml.PublicUrls(settings.public_url)))
    return _forward(storage, settings, call, route.agent_number, None, now)


@router.post("/gather")
def gather(
    form: TwilioForm, storage: StorageDep, routes: RoutesDep, settings: SettingsDep, now: NowDep
) -> Response:
    """The code typed on an extension number (or none, after the timeout): forward either way."""
    call = TwilioCall.of(form, settings.default_region)
    ext = typed_ext(form.get("Digits"))
    route = _route(storage, routes, call, ext, now)
    if route is None:
        return xml(twiml.reject())
    return _forward(storage, settings, call, route.agent_number, ext, now)


@router.post("/dial-status")
def dial_status(
    form: TwilioForm, storage: StorageDep, settings: SettingsDep, now: NowDep
) -> Response:
    """The `<Dial action>` callback: answered and completed, or failed with Twilio's status."""
    call = TwilioCall.of(form, settings.default_region)
    for event in dial_outcome(call, form, now):
        record_call_event(storage, event, settings.lease_seconds, now)
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
        return route_call(storage, call.dialed, ext, call.caller, now, routes)
    except NotFound:
        log_event("twilio_unknown_number", dialed=call.dialed)
        return None


def _forward(
    storage: Storage,
    settings: Settings,
    call: TwilioCall,
    agent: str,
    ext: str | None,
    now: datetime,
) -> Response:
    started = replace(call.event(EventKind.STARTED, now), agent_number=agent, ext=ext)
    try:
        recorded = record_call_event(storage, started, settings.lease_seconds, now)
        method = recorded.attribution.method.value
    except StorageError:
        # Never fail a caller over bookkeeping: the dial-status callback records the call too.
        method = "not recorded"
    log_event("twilio_forward", call_id=call.call_sid, dialed=call.dialed, method=method)
    return xml(twiml.dial(agent, call.call_sid, twiml.PublicUrls(settings.public_url)))
