"""What the dashboard's forms share: reading a form into the HTTP API's own request body (so a
form accepts what the API accepts and says the same about bad input), the messages shown after
a redirect, and the limits of form fields."""

from __future__ import annotations

import re
from typing import Annotated, Any, TypeVar
from zoneinfo import available_timezones

from fastapi import Form, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError

from callscope.domain.errors import Conflict, DomainError, Forbidden, InvalidInput
from callscope.entrypoints.http.errors import problems

Body = TypeVar("Body", bound=BaseModel)
# Messages shown after a redirect, by a fixed code (never text taken from the URL).
DONE = {
    "site-created": "Site created. Paste the snippet below into its pages, then add numbers.",
    "site-saved": "Site settings saved.",
    "numbers-added": "Numbers added.",
    "number-saved": "Number saved.",
    "number-removed": "Number removed; calls to it are no longer routed.",
    "webhook-test": "Test event queued: it is delivered within a few seconds (see below).",
    "webhook-removed": "Webhook removed.",
    "key-revoked": "Key revoked: it stopped working at once.",
    "role-saved": "Role saved; that person signs in again to use it.",
    "numbers-bought": "Numbers bought; their voice and SMS webhooks point at callscope.",
    "number-released": "Number released at Twilio and no longer tracked.",
    "spend-1": "Spend imported: the cost columns of the reports include it.",
    "spend-0": "The CSV held no spend rows.",
    "workspace-created": "Workspace created.",
    "workspace-saved": "Workspace saved.",
    "flow-saved": "Call flow saved: the next call follows it.",
    "caller-blocked": "Caller blocked for every site of the account.",
    "caller-unblocked": "Caller unblocked.",
}
ZONES = sorted(available_timezones())
Text = Annotated[str, Form(max_length=5000)]
Lines = Annotated[str, Form(max_length=200_000)]


def lines_of(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[\n,;]+", text) if part.strip()]


def body_of(model: type[Body], data: dict[str, Any]) -> Body:
    """The API's body from a form's fields; InvalidInput with the API's own messages."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput("; ".join(problems(exc.errors()))) from None


def status_of(exc: DomainError) -> int:
    return 409 if isinstance(exc, Conflict) else 403 if isinstance(exc, Forbidden) else 400


def done(url: str, code: str) -> Response:
    """Post/redirect/get to `url` (which may end in a #fragment), naming the message to show."""
    path, hash_, fragment = url.partition("#")
    return RedirectResponse(f"{path}?done={code}{hash_}{fragment}", status_code=303)


def channel_fields(source: str, medium: str, campaign: str, term: str) -> dict[str, str] | None:
    if not (source or medium or campaign or term):
        return None
    return {"source": source, "medium": medium or "(none)", "campaign": campaign, "term": term}
