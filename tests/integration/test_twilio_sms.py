"""Texts through Twilio's Messaging webhook on SQLite and PostgreSQL: a signed message becomes a
text lead attributed to the visit holding the number and is passed on to the site's number; a
forged one changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from callscope.adapters.storage import Storage
from callscope.adapters.tables.leads import leads
from tests.integration.test_twilio import (
    CALLER,
    EVER,
    FORWARD,
    POOL_NUMBER,
    Twilio,
    twilio,
    twiml,
)

__all__ = ["twilio"]  # the fixture, found by pytest under its name

STATIC_NUMBER = "+15550100250"


def message(
    sid: str = "SM100", to: str = POOL_NUMBER, body: str = "Do you fix boilers?"
) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": CALLER,
        "To": to,
        "Body": body,
        "NumMedia": "0",
        "ApiVersion": "2010-04-01",
    }


def inbox(twilio: Twilio, site_id: int) -> list[dict[str, object]]:
    answer = twilio.client.get("/v1/leads", headers=twilio.admin, params={"site": site_id, **EVER})
    assert answer.status_code == 200, answer.text
    found: list[dict[str, object]] = answer.json()["leads"]
    return found


def lead_rows(storage: Storage) -> int:
    with storage.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(leads)).scalar_one())


def test_a_signed_text_is_a_lead_of_the_visit_holding_the_number_and_is_forwarded(
    twilio: Twilio,
) -> None:
    site_id, key = twilio.site((POOL_NUMBER, "pool"))
    shown = twilio.visit(key)
    assert shown["number"] == POOL_NUMBER

    answer = twiml(twilio.post("/v1/twilio/sms", message()))
    (forwarded,) = answer.findall("Message")
    assert forwarded.attrib == {"to": FORWARD}
    assert forwarded.text == f"From {CALLER}: Do you fix boilers?"
    again = twilio.post("/v1/twilio/sms", message())  # Twilio retrying the same message
    assert again.status_code == 200

    (lead,) = inbox(twilio, site_id)
    assert (lead["type"], lead["visit_id"], lead["call_id"]) == ("text", shown["visit_id"], "SM100")
    assert lead["channel"] == {
        "source": "google",
        "medium": "cpc",
        "campaign": None,
        "term": "boiler repair",
    }
    assert lead["contact"] == CALLER
    assert lead["fields"] == {"message": "Do you fix boilers?"}
    assert lead["journey_length"] == 1


def test_a_text_to_a_static_number_takes_its_channel(twilio: Twilio) -> None:
    site_id, _ = twilio.site((STATIC_NUMBER, "static"))
    twiml(twilio.post("/v1/twilio/sms", message(to=STATIC_NUMBER)))
    (lead,) = inbox(twilio, site_id)
    assert lead["visit_id"] is None
    assert lead["channel"] == {
        "source": "radio",
        "medium": "offline",
        "campaign": None,
        "term": None,
    }


def test_a_forged_or_unsigned_text_is_refused_and_stores_nothing(
    twilio: Twilio, storage: Storage
) -> None:
    site_id, _ = twilio.site((POOL_NUMBER, "pool"))
    forged = twilio.post("/v1/twilio/sms", message(), token="not-the-token-at-all")
    assert forged.status_code == 403
    unsigned = twilio.client.post("/v1/twilio/sms", data=message())
    assert unsigned.status_code == 403
    tampered = message()
    signed = twilio.post("/v1/twilio/sms", tampered)  # the genuine one, for contrast
    assert signed.status_code == 200
    assert lead_rows(storage) == 1
    assert len(inbox(twilio, site_id)) == 1


def test_a_text_to_an_unknown_number_gets_no_reply_and_no_lead(
    twilio: Twilio, storage: Storage
) -> None:
    twilio.site((POOL_NUMBER, "pool"))
    answer = twiml(twilio.post("/v1/twilio/sms", message(to="+15550100999")))
    assert answer.findall("Message") == []
    assert lead_rows(storage) == 0
