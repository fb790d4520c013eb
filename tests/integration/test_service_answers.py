"""What services answer at their edges, over HTTP on SQLite and PostgreSQL: the exact refusals
of keys, the visit detail's owner check, the fallbacks of a visit without a pool number, a
typed code noted by `route` finding its visit, and the address hash behind the abuse limits."""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from callscope.adapters.tables.reporting import dashboard_secrets
from callscope.services.accounts import create_account
from callscope.services.visits import address_hash
from tests.conftest import Api
from tests.integration.test_call_flow import FORWARD, make_site, site_key

EXT_NUMBER = "+15550100300"
CALLER = "+12125550123"


def test_key_refusals_say_what_is_wrong(api: Api) -> None:
    malformed = api.client.get("/v1/sites", headers={"Authorization": "Bearer nope"})
    assert (malformed.status_code, malformed.json()["error"]) == (
        401,
        "missing or malformed API key (Authorization: Bearer cs_...)",
    )
    unknown = api.client.get("/v1/sites", headers={"Authorization": "Bearer cs_unknown"})
    assert (unknown.status_code, unknown.json()["error"]) == (401, "unknown or revoked API key")
    missing = api.client.delete("/v1/keys/999", headers=api.admin)
    assert missing.json()["error"] == "no live key 999"
    (only,) = api.client.get("/v1/keys", headers=api.admin).json()["keys"]
    last = api.client.delete(f"/v1/keys/{only['key_id']}", headers=api.admin)
    assert last.json()["error"] == "that is the account's last admin key; create another first"


def test_a_visit_is_shown_to_its_own_account_only(api: Api) -> None:
    key = site_key(api, make_site(api))
    shown = api.client.post("/v1/visits", json={"site_key": key, "landing_url": "https://a/"})
    visit_id = shown.json()["visit_id"]
    mine = api.client.get(f"/v1/visits/{visit_id}", headers=api.admin)
    assert (mine.status_code, mine.json()["visit_id"]) == (200, visit_id)
    _, other = create_account(api.storage, "Other", datetime.now(UTC))
    theirs = api.client.get(f"/v1/visits/{visit_id}", headers={"Authorization": f"Bearer {other}"})
    assert (theirs.status_code, theirs.json()) == (404, {"error": "unknown visit"})
    nowhere = api.client.get("/v1/visits/nope", headers=api.admin)
    assert (nowhere.status_code, nowhere.json()) == (404, {"error": "unknown visit"})


def test_a_site_without_pool_numbers_says_so_and_shows_its_channels_static_number(
    api: Api,
) -> None:
    site_id = make_site(api, pool=())
    static = {"source": "google", "medium": "cpc"}
    bing = {"source": "bing", "medium": "cpc"}
    for number, channel in (("+15550100111", bing), ("+15550100112", static)):
        added = api.client.post(
            f"/v1/sites/{site_id}/numbers",
            headers=api.admin,
            json={"number": number, "kind": "static", "channel": channel},
        )
        assert added.status_code == 201, added.text
    key = site_key(api, site_id)
    paid = api.client.post(
        "/v1/visits",
        json={"site_key": key, "landing_url": "https://a/?utm_source=google&utm_medium=cpc"},
    ).json()
    assert (paid["mode"], paid["number"], paid["reason"]) == (
        "static",
        "+15550100112",
        "no pool numbers",
    )
    other = api.client.post(
        "/v1/visits", json={"site_key": key, "landing_url": "https://a/?utm_source=news"}
    ).json()
    assert (other["mode"], other["number"], other["reason"]) == ("none", FORWARD, "no pool numbers")


def test_a_code_typed_at_route_attributes_a_call_record_that_lacks_it(api: Api) -> None:
    site_id = make_site(api, pool=())
    api.client.post(
        f"/v1/sites/{site_id}/numbers",
        headers=api.admin,
        json={"number": EXT_NUMBER, "kind": "extension"},
    )
    key = site_key(api, site_id)
    shown = api.client.post("/v1/visits", json={"site_key": key, "landing_url": "https://a/"})
    code = shown.json()["ext"]
    routed = api.client.get(
        "/v1/route",
        headers=api.telephony,
        params={"dialed_number": EXT_NUMBER, "caller": CALLER, "ext": code},
    )
    assert routed.status_code == 200
    event = {
        "call_id": "kamailio-1",
        "event": "started",
        "at": datetime.now(UTC).isoformat(),
        "dialed_number": EXT_NUMBER,
        "caller": CALLER,
    }
    answer = api.client.post("/v1/calls/events", headers=api.telephony, json=event)
    assert answer.json()["attribution"]["method"] == "extension"
    log = api.client.get(
        "/v1/calls", headers=api.admin, params={"site": site_id, "from": "2000-01-01"}
    )
    (call,) = log.json()["calls"]
    assert (call["ext"], call["visit_id"]) == (code, shown.json()["visit_id"])


def test_addresses_hash_apart_to_sixteen_hex_digits_with_a_stored_salt(api: Api) -> None:
    first, again = (
        address_hash(api.storage, "203.0.113.7"),
        address_hash(api.storage, "203.0.113.7"),
    )
    other = address_hash(api.storage, "203.0.113.8")
    assert first == again != other
    assert len(first) == 16 and int(first, 16) >= 0
    with api.storage.engine.connect() as conn:
        salt = conn.execute(
            select(dashboard_secrets.c.value).where(dashboard_secrets.c.name == "address_salt")
        ).scalar_one()
    assert len(salt) == 64  # 32 random bytes, hex
    expected = hmac.new(salt.encode(), b"203.0.113.7", hashlib.sha256).hexdigest()[:16]
    assert first == expected


def test_a_refused_twilio_signature_is_logged_with_its_path(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    make_site(api)
    with caplog.at_level(logging.INFO, logger="callscope"):
        refused = api.client.post("/v1/twilio/voice", data={"To": "+15550100201"})
    assert refused.status_code == 403
    assert any(
        '"event": "twilio_signature_rejected"' in r.message
        and '"path": "/v1/twilio/voice"' in r.message
        and '"token_known": false' in r.message
        for r in caplog.records
    )
