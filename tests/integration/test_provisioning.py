"""Numbers bought and released through the official twilio client against a stand-in of
Twilio's REST endpoints on loopback (tests/twilio_standin.py): the webhooks are set to
callscope's, and a number is released only once no visit holds it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from callscope.adapters.storage import Storage
from callscope.adapters.twilio_numbers import TwilioNumbers
from callscope.domain.errors import Conflict, InvalidInput
from callscope.domain.numbers import NumberSearch
from callscope.domain.sites import NumberKind
from callscope.domain.users import Role
from callscope.services import provisioning, twilio_credentials
from callscope.services.accounts import create_account
from callscope.services.sites import NumberDraft, SiteDraft, create_site
from tests.conftest import Api, server_env
from tests.dashboard import account_id_of
from tests.integration.test_call_flow import make_site, site_key
from tests.integration.test_dashboard_manage import signed_in
from tests.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, Standin

PUBLIC = "https://calls.example"
HOOKS = provisioning.Webhooks.of(PUBLIC)


@pytest.fixture
def standin() -> Iterator[tuple[Standin, str]]:
    fake = Standin()
    url = fake.start()
    yield fake, url
    fake.stop()


def provider(api: Api, base: str) -> provisioning.NumberProvider:
    account = account_id_of(api)
    now = datetime.now(UTC)
    twilio_credentials.save_credentials(api.storage, account, ACCOUNT_SID, AUTH_TOKEN, now)
    return provisioning.provider_for(
        api.storage, account, lambda sid, token: TwilioNumbers(sid, token, base)
    )


def test_a_search_asks_twilio_for_the_area_code_and_lists_what_it_offers(
    api: Api, standin: tuple[Standin, str]
) -> None:
    fake, base = standin
    found = provisioning.search(provider(api, base), NumberSearch("US", "415", "0101"))
    assert [(n.number, n.locality, n.region) for n in found] == [
        ("+14155550101", "San Francisco", "CA")
    ]
    (asked,) = fake.made("GET", "/AvailablePhoneNumbers/US/Local.json")
    assert asked.authorised
    assert (asked.query["AreaCode"], asked.query["Contains"]) == ("415", "0101")
    with pytest.raises(InvalidInput, match="digits only"):
        provisioning.search(provider(api, base), NumberSearch("US", "41a"))


def test_a_bought_number_points_at_callscope_and_is_released_only_after_its_visit_left(
    api: Api, standin: tuple[Standin, str]
) -> None:
    fake, base = standin
    numbers = provider(api, base)
    account = account_id_of(api)
    site_id = make_site(api, pool=())
    draft = NumberDraft("+14155550101", NumberKind.POOL)
    now = datetime.now(UTC)
    bought = provisioning.buy(api.storage, numbers, account, site_id, draft, HOOKS, now)
    (created,) = fake.made("POST", "/IncomingPhoneNumbers.json")
    (sid,) = fake.owned
    assert created.form == {
        "PhoneNumber": "+14155550101",
        "VoiceUrl": "https://calls.example/v1/twilio/voice",
        "VoiceMethod": "POST",
        "SmsUrl": "https://calls.example/v1/twilio/sms",
        "SmsMethod": "POST",
    }
    tracked = api.client.get(f"/v1/sites/{site_id}/numbers", headers=api.admin).json()
    assert [n["number"] for n in tracked["numbers"]] == ["+14155550101"]
    visit = api.client.post(
        "/v1/visits", json={"site_key": site_key(api, site_id), "landing_url": "https://a/"}
    ).json()
    assert visit["number"] == "+14155550101"
    with pytest.raises(Conflict, match="a visit holds that number"):
        provisioning.release(api.storage, numbers, account, site_id, bought.id, now)
    assert fake.made("DELETE", ".json") == []  # nothing released while it is held
    after = datetime.fromisoformat(visit["expires_at"]) + timedelta(seconds=1)
    provisioning.release(api.storage, numbers, account, site_id, bought.id, after)
    (deleted,) = fake.made("DELETE", ".json")
    assert deleted.path.endswith(f"/IncomingPhoneNumbers/{sid}.json") and deleted.authorised
    assert fake.owned == {}
    tracked = api.client.get(f"/v1/sites/{site_id}/numbers", headers=api.admin).json()
    assert tracked["numbers"] == []


def test_a_number_already_tracked_is_not_bought(api: Api, standin: tuple[Standin, str]) -> None:
    fake, base = standin
    site_id = make_site(api, pool=("+14155550102",))
    draft = NumberDraft("+14155550102", NumberKind.POOL)
    with pytest.raises(Conflict):
        provisioning.buy(
            api.storage,
            provider(api, base),
            account_id_of(api),
            site_id,
            draft,
            HOOKS,
            datetime.now(UTC),
        )
    assert fake.made("POST", "/IncomingPhoneNumbers.json") == []


def test_twilio_refusing_a_purchase_is_a_clear_error_and_tracks_nothing(
    api: Api, standin: tuple[Standin, str]
) -> None:
    _, base = standin
    site_id = make_site(api, pool=())
    draft = NumberDraft("+14155550199", NumberKind.POOL)  # not offered
    with pytest.raises(InvalidInput, match=r"Twilio: .*PhoneNumber is not available"):
        provisioning.buy(
            api.storage,
            provider(api, base),
            account_id_of(api),
            site_id,
            draft,
            HOOKS,
            datetime.now(UTC),
        )
    assert api.client.get(f"/v1/sites/{site_id}/numbers", headers=api.admin).json() == {
        "numbers": []
    }


def test_the_cli_searches_buys_and_releases(tmp_path: Path, standin: tuple[Standin, str]) -> None:
    fake, base = standin
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    storage = Storage.connect(url)
    now = datetime.now(UTC)
    account, _ = create_account(storage, "Agency", now)
    twilio_credentials.save_credentials(storage, account.id, ACCOUNT_SID, AUTH_TOKEN, now)
    site = create_site(storage, account.id, SiteDraft("Acme", "+15550100199"), now)
    storage.close()
    env = server_env(url, CALLSCOPE_TWILIO_API_BASE=base, CALLSCOPE_PUBLIC_URL=PUBLIC)
    ids = ["--account", str(account.id)]

    def cli(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "callscope", "numbers", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert cli("search", *ids, "--area-code", "415").split()[0] == "+14155550101"
    assert "bought +14155550102 (pool)" in cli("buy", "+14155550102", *ids, "--site", str(site.id))
    (created,) = fake.made("POST", "/IncomingPhoneNumbers.json")
    assert created.form["VoiceUrl"] == f"{PUBLIC}/v1/twilio/voice"
    assert cli("release", "+14155550102", *ids, "--site", str(site.id)) == "released +14155550102\n"
    assert fake.owned == {} and len(fake.made("DELETE", ".json")) == 1


def test_the_dashboard_searches_buys_and_refuses_to_release_a_held_number(
    api: Api, standin: tuple[Standin, str]
) -> None:
    fake, base = standin
    settings = api.client.app.state.settings
    api.client.app.state.settings = settings.model_copy(update={"twilio_api_base": base})
    provider(api, base)  # stores the account's credentials
    site_id = make_site(api, pool=())
    owner = signed_in(api, Role.OWNER)
    offered = owner.get(f"/dashboard/sites/{site_id}/buy?search=true&area_code=415")
    assert offered.status_code == 200
    assert 'value="+14155550101"' in offered.text and 'value="+14155550102"' in offered.text
    bought = owner.client.post(
        f"/dashboard/sites/{site_id}/buy",
        data={"csrf_token": owner.csrf, "numbers": ["+14155550101", "+14155550102"]},
        follow_redirects=False,
    )
    assert bought.headers["location"].endswith("?done=numbers-bought")
    voice = {r.form["VoiceUrl"] for r in fake.made("POST", "/IncomingPhoneNumbers.json")}
    assert voice == {settings.public_url.rstrip("/") + "/v1/twilio/voice"}
    numbers = api.client.get(f"/v1/sites/{site_id}/numbers", headers=api.admin).json()["numbers"]
    assert sorted(n["number"] for n in numbers) == ["+14155550101", "+14155550102"]
    visit = api.client.post(
        "/v1/visits", json={"site_key": site_key(api, site_id), "landing_url": "https://a/"}
    ).json()
    (held,) = [n for n in numbers if n["number"] == visit["number"]]
    refused = owner.post(f"/dashboard/sites/{site_id}/numbers/{held['number_id']}/release")
    assert refused.status_code == 409 and "a visit holds that number" in refused.text
    (free,) = [n for n in numbers if n["number"] != visit["number"]]
    released = owner.post(f"/dashboard/sites/{site_id}/numbers/{free['number_id']}/release")
    assert released.headers["location"].endswith("?done=number-released")
    (deleted,) = fake.made("DELETE", ".json")
    assert [r["phone_number"] for r in fake.owned.values()] == [visit["number"]]
    assert deleted.authorised
