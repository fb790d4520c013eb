"""Checking X-Twilio-Signature on every Twilio webhook before anything is read or stored."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from twilio.request_validator import RequestValidator

from callscope.domain.errors import Forbidden
from callscope.entrypoints.http.deps import SettingsDep, StorageDep
from callscope.logs import log_event
from callscope.phone import maybe_e164
from callscope.telephony.twilio_credentials import signing_token


def signed_url(public_url: str, path: str, query: str) -> str:
    """The URL Twilio called, as Twilio saw it: a proxy in front changes scheme and host, so
    the base is the configured public URL; the path and the raw query are kept as received."""
    url = public_url.rstrip("/") + path
    return f"{url}?{query}" if query else url


async def signed_form(
    request: Request, storage: StorageDep, settings: SettingsDep
) -> dict[str, str]:
    """The webhook's form parameters, once its signature is checked; else Forbidden (403)."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    dialed, call_id = _subject(request, form, settings.default_region)
    fallback = settings.twilio_auth_token
    token = await run_in_threadpool(signing_token, storage, dialed, call_id, fallback)
    url = signed_url(settings.public_url, request.url.path, request.url.query)
    # SignalWire's LaML signs the same way with its project signing key, in its own header.
    signature = request.headers.get("X-Twilio-Signature") or request.headers.get(
        "X-SignalWire-Signature", ""
    )
    if not (token and signature and RequestValidator(token).validate(url, form, signature)):
        log_event("twilio_signature_rejected", path=request.url.path, token_known=bool(token))
        raise Forbidden("missing or wrong X-Twilio-Signature")
    return form


def _subject(request: Request, form: dict[str, str], region: str) -> tuple[str | None, str | None]:
    """The tracking number and call a webhook is about. The whisper runs on the agent's leg
    (To is the agent, CallSid the child call): there the parent call is in the query."""
    if request.url.path.endswith("/whisper"):
        return None, request.query_params.get("call")
    return maybe_e164(form.get("To"), region), form.get("CallSid")


TwilioForm = Annotated[dict[str, str], Depends(signed_form)]
