"""The public visit endpoint's defences: rate limits per address and per site (429 with
Retry-After), a site's allowed origins (403), crawlers (no lease), and a storage outage (503
with Retry-After), each changing nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from callscope.adapters.storage import Storage
from callscope.adapters.tables.core import leases, visits
from callscope.domain.errors import StorageUnavailable
from callscope.entrypoints.http.app import create_app
from callscope.entrypoints.http.rate_limit import VisitLimits
from callscope.services.accounts import create_account
from callscope.settings import Settings
from tests.conftest import SECRET, Api

GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
FORWARD = "+15550100199"


def limited_api(storage: Storage, per_ip: float, per_site: float) -> TestClient:
    settings = Settings(  # type: ignore[call-arg]
        database_url="sqlite://",
        telephony_secret=SECRET,
        visits_per_ip_per_minute=per_ip,
        visits_per_site_per_minute=per_site,
        leases_per_ip=10_000,
        _env_file=None,
    )
    app = create_app(settings, storage=storage)
    # A stopped clock: Retry-After then depends on the settings only, not on the machine's pace.
    app.state.visit_limits = VisitLimits(per_ip, per_site, clock=lambda: 1000.0)
    return TestClient(app)


@pytest.fixture
def limited(storage: Storage) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """An app allowing 3 visits a minute per site (bursts of 1) and no per-address limit."""
    _, key = create_account(storage, "Limited", datetime.now(UTC))
    with limited_api(storage, per_ip=0, per_site=3) as client:
        yield client, {"Authorization": f"Bearer {key}"}


def new_site(client: TestClient, admin: dict[str, str], **extra: object) -> str:
    body = {"name": "Shop", "forward_to": FORWARD, **extra}
    site = client.post("/v1/sites", headers=admin, json=body).json()
    client.post(
        f"/v1/sites/{site['site_id']}/numbers",
        headers=admin,
        json={"number": f"+1555010{site['site_id']:04d}", "kind": "pool"},
    )
    return str(site["site_key"])


def count(storage: Storage, table: object) -> int:
    with storage.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_a_site_over_its_limit_gets_429_with_retry_after_and_other_sites_do_not(
    limited: tuple[TestClient, dict[str, str]], storage: Storage
) -> None:
    client, admin = limited
    busy, quiet = new_site(client, admin), new_site(client, admin)
    landing = "https://a/"
    first = client.post("/v1/visits", json={"site_key": busy, "landing_url": landing})
    assert first.status_code == 200
    second = client.post("/v1/visits", json={"site_key": busy, "landing_url": landing})
    assert second.status_code == 429
    assert second.json() == {"error": "too many visits from this site; slow down"}
    # 3 a minute refills one token in 20 s.
    assert second.headers["Retry-After"] == "20"
    assert count(storage, visits) == 1
    other = client.post("/v1/visits", json={"site_key": quiet, "landing_url": landing})
    assert other.status_code == 200


def test_an_address_over_its_limit_gets_429_with_retry_after(storage: Storage) -> None:
    _, key = create_account(storage, "Limited", datetime.now(UTC))
    with limited_api(storage, per_ip=6, per_site=0) as client:
        site = new_site(client, {"Authorization": f"Bearer {key}"})
        body = {"site_key": site, "landing_url": "https://a/"}
        answers = [client.post("/v1/visits", json=body) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]  # bursts of a third of 6
    assert answers[2].json()["error"] == "too many visits from this address; slow down"
    assert answers[2].headers["Retry-After"] == "10"
    assert count(storage, visits) == 2


def test_a_foreign_origin_is_refused_403_when_the_site_lists_its_origins(api: Api) -> None:
    key = new_site(api.client, api.admin, allowed_origins=["https://shop.example/"])
    body = {"site_key": key, "landing_url": "https://shop.example/"}
    preflight = api.client.options(
        "/v1/visits",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 204  # the preflight carries no site key: answered for all
    foreign = api.client.post("/v1/visits", json=body, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    assert foreign.json() == {"error": "this origin is not allowed for the site"}
    assert (count(api.storage, visits), count(api.storage, leases)) == (0, 0)
    own = api.client.post("/v1/visits", json=body, headers={"Origin": "https://shop.example"})
    assert own.status_code == 200
    assert own.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert count(api.storage, visits) == 1


def test_a_known_crawler_gets_the_sites_number_and_no_visit_or_lease(api: Api) -> None:
    key = new_site(api.client, api.admin)
    body = {"site_key": key, "landing_url": "https://a/?gclid=1"}
    crawled = api.client.post("/v1/visits", json=body, headers={"User-Agent": GOOGLEBOT})
    assert crawled.status_code == 200
    shown = crawled.json()
    assert (shown["number"], shown["visit_id"], shown["mode"], shown["reason"]) == (
        FORWARD,
        None,
        "none",
        "bot",
    )
    assert (count(api.storage, visits), count(api.storage, leases)) == (0, 0)
    person = api.client.post("/v1/visits", json=body, headers={"User-Agent": "Mozilla/5.0"})
    assert person.json()["mode"] == "pool"


def test_storage_down_answers_503_with_retry_after(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = new_site(api.client, api.admin)

    def unreachable(*_args: object, **_kwargs: object) -> None:
        raise StorageUnavailable("storage: OperationalError")

    monkeypatch.setattr(api.storage, "write", unreachable)
    monkeypatch.setattr(api.storage, "read", unreachable)
    answer = api.client.post("/v1/visits", json={"site_key": key, "landing_url": "https://a/"})
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "5"
    assert answer.json() == {"error": "storage unavailable, try again shortly"}
