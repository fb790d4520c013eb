"""The telephony requests of the bench, each a new call: Twilio voice webhooks (signed, as Twilio
signs them) and call events, written to a file the wrk script reads."""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

TOKEN = "bench-twilio-auth-token"


def voice_requests(path: Path, url: str, dialed: list[str], count: int) -> None:
    """`count` incoming calls (new CallSid, a random caller, To among `dialed`), one a line:
    the X-Twilio-Signature for `url`, a tab, the form body."""
    validator, rng = RequestValidator(TOKEN), random.Random()
    with path.open("w") as out:
        for _ in range(count):
            to, caller = rng.choice(dialed), f"+1212{rng.randrange(10**7):07d}"
            form = {
                "CallSid": "CA" + uuid.uuid4().hex,
                "AccountSid": "ACbench",
                "From": caller,
                "Caller": caller,
                "To": to,
                "Called": to,
                "CallStatus": "ringing",
                "Direction": "inbound",
                "ApiVersion": "2010-04-01",
                "FromCity": "NEW YORK",
                "FromState": "NY",
            }
            out.write(f"{validator.compute_signature(url, form)}\t{urlencode(form)}\n")


def event_requests(path: Path, dialed: list[str], count: int) -> None:
    """`count` call events, three a call (started, answered, completed), as a platform posts
    them; one JSON body a line (after an empty signature column)."""
    rng, at = random.Random(), datetime.now(UTC).isoformat()
    with path.open("w") as out:
        for n in range(count):
            if n % 3 == 0:
                call_id, to = uuid.uuid4().hex, rng.choice(dialed)
                caller = f"+1212{rng.randrange(10**7):07d}"
            kind = ("started", "answered", "completed")[n % 3]
            event = {
                "call_id": call_id,
                "event": kind,
                "at": at,
                "dialed_number": to,
                "caller": caller,
                **({"duration": 95} if kind == "completed" else {}),
            }
            out.write(f"\t{json.dumps(event)}\n")
