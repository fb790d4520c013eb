"""A real streaming replica (a primary and a pg_basebackup copy the test starts on loopback):
reports, the call log and exports read from it while it keeps up; a lagging replica (replay
paused) sends them to the primary, and a stopped one never turns into an error."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from fastapi.testclient import TestClient

from callscope.adapters.storage import Storage
from callscope.entrypoints.http.app import create_app
from callscope.services.accounts import create_account
from callscope.settings import Settings
from tests.conftest import SECRET, free_port
from tests.dashboard import csrf_of
from tests.pg_cluster import Cluster, primary_and_replica, remove

RADIO = "+15550100601"
STARTED = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


@dataclass(frozen=True)
class Replicated:
    primary: Cluster
    replica: Cluster
    storage: Storage


@pytest.fixture
def replicated() -> Iterator[Replicated]:
    primary, replica, place = primary_and_replica(free_port(), free_port())
    try:
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{primary.port}/postgres") as conn:
            conn.autocommit = True
            conn.execute("CREATE DATABASE callscope")
        storage = Storage.connect(primary.url("callscope"))
        yield Replicated(primary, replica, storage)
        storage.close()
    finally:
        replica.stop()
        primary.stop()
        remove(place)


def app_reading_replica(cluster: Replicated, max_lag: float) -> TestClient:
    settings = Settings(  # type: ignore[call-arg]
        database_url=cluster.primary.url("callscope"),
        database_replica_url=cluster.replica.url("callscope"),
        database_replica_max_lag_seconds=max_lag,
        telephony_secret=SECRET,
        _env_file=None,
    )
    return TestClient(create_app(settings, storage=cluster.storage))


def call(client: TestClient, call_id: str, minute: int) -> None:
    for event, seconds in (("started", 0), ("answered", 5), ("completed", 65)):
        at = STARTED + timedelta(minutes=minute, seconds=seconds)
        body = {"call_id": call_id, "event": event, "at": at.isoformat()}
        body |= {"dialed_number": RADIO, "caller": f"+1212555{minute:04d}", "duration": 60}
        answer = client.post("/v1/calls/events", headers={"X-Callscope-Secret": SECRET}, json=body)
        assert answer.status_code == 200, answer.text


def figures(
    client: TestClient, admin: dict[str, str], site: int, settling: bool = False
) -> tuple[int, int, int] | None:
    """(calls in the channel report, in the call log, rows of the calls CSV export); None while
    `settling` and the replica has not replayed the new site yet (the site is not there)."""
    period = {
        "site": site,
        "from": STARTED.date().isoformat(),
        "to": datetime.now(UTC).date().isoformat(),
    }
    report = client.get("/v1/reports/channels", headers=admin, params=period)
    log = client.get("/v1/calls", headers=admin, params=period)
    export = client.get("/v1/exports/calls.csv", headers=admin, params=period)
    answers = (report.status_code, log.status_code, export.status_code)
    if settling and answers == (404, 404, 404):
        return None
    assert answers == (200, 200, 200), (report.text, log.text)
    reported = sum(row["calls"] for row in report.json()["rows"])
    return reported, len(log.json()["calls"]), len(export.text.strip().splitlines()) - 1


def settle(client: TestClient, admin: dict[str, str], site: int, calls: int) -> None:
    deadline = time.monotonic() + 20
    while figures(client, admin, site, settling=True) != (calls, calls, calls):
        assert time.monotonic() < deadline, "the replica did not catch up in 20 s"
        time.sleep(0.2)


def replica_sql(cluster: Replicated, statement: str) -> None:
    with psycopg.connect(
        f"postgresql://postgres@127.0.0.1:{cluster.replica.port}/callscope"
    ) as conn:
        conn.execute(statement)


@pytest.mark.e2e
def test_reports_read_the_replica_and_turn_to_the_primary_when_it_lags_or_stops(
    replicated: Replicated,
) -> None:
    _, key = create_account(replicated.storage, "Replicated", datetime.now(UTC))
    admin = {"Authorization": f"Bearer {key}"}
    with (
        app_reading_replica(replicated, 300) as patient,
        app_reading_replica(replicated, 1) as strict,
    ):
        site = patient.post(
            "/v1/sites", headers=admin, json={"name": "R", "forward_to": "+15550100199"}
        ).json()["site_id"]
        number = {
            "number": RADIO,
            "kind": "static",
            "channel": {"source": "radio", "medium": "offline"},
        }
        assert (
            patient.post(f"/v1/sites/{site}/numbers", headers=admin, json=number).status_code == 201
        )
        call(patient, "C1", 1)
        settle(patient, admin, site, 1)

        replica_sql(replicated, "SELECT pg_wal_replay_pause()")
        call(patient, "C2", 2)  # on the primary; the replica does not replay it
        time.sleep(1.5)  # the strict app's bound (1 s) is passed
        assert figures(patient, admin, site) == (1, 1, 1)  # read from the replica
        assert figures(strict, admin, site) == (2, 2, 2)  # too far behind: the primary

        replica_sql(replicated, "SELECT pg_wal_replay_resume()")
        settle(patient, admin, site, 2)

        replicated.replica.stop()
        call(patient, "C3", 3)
        assert figures(patient, admin, site) == (3, 3, 3)  # the replica is gone: the primary
        form = csrf_of(patient.get("/dashboard/signin").text)
        signed_in = patient.post("/dashboard/signin", data={"api_key": key, "csrf_token": form})
        assert signed_in.status_code == 200, signed_in.text
        for page in ("", "/calls", "/pool"):
            assert patient.get(f"/dashboard/sites/{site}{page}").status_code == 200
