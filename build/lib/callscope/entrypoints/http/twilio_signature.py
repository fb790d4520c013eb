"""The dependency that checks X-Twilio-Signature on every Twilio webhook before anything is read
or stored: the request is read here, the token found by the service, the check is telephony's."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from callscope.domain.errors import Forbidden
from callscope.entrypoints.http.deps import SettingsDep, StorageDep
from callscope.logs import log_event
from callscope.services.twilio_credentials import signing_token
from callscope.telephony.twilio import signature


async def signed_form(
    request: Request, storage: StorageDep, settings: SettingsDep
) -> dict[str, str]:
    """The webhook's form parameters, once its signature is checked; else Forbidden (403)."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    path = request.url.path
    dialed, call_id = signature.subject(path, request.query_params, form, settings.default_region)
    fallback = settings.twilio_auth_token
    token = await run_in_threadpool(signing_token, storage, dialed, call_id, fallback)
    url = signature.signed_url(settings.public_url, path, request.url.query)
    if not signature.is_valid(token, url, form, signature.signature_of(request.headers)):
        log_event("twilio_signature_rejected", path=path, token_known=bool(token))
        raise Forbidden("missing or wrong X-Twilio-Signature")
    return form


TwilioForm = Annotated[dict[str, str], Depends(signed_form)]
