"""Four server processes on one database: a number added, changed or removed through one of
them is routed the new way by every one within a second (PostgreSQL LISTEN/NOTIFY; on SQLite
a version counter read four times a second)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import (
    SECRET,
    create_key,
    free_port,
    need_postgres,
    reset_postgres,
    server_env,
    start_server,
    stop_server,
)

SERVERS = 4
SITE_NUMBER = "+15550100199"
AGENT = "+15550100177"
RADIO = {"source": "radio", "medium": "offline"}
WITHIN = 1.0  # seconds


@dataclass(frozen=True)
class Cluster:
    urls: list[str]
    admin: dict[str, str]
    site_id: int


@pytest.fixture(params=["sqlite", "postgresql"])
def cluster(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cluster]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'routes.db'}"
    else:
        url = need_postgres()
        reset_postgres(url)
    env = server_env(url)
    admin = {"Authorization": f"Bearer {create_key(env)}"}
    ports = [free_port() for _ in range(SERVERS)]
    processes = [start_server(env, p, tmp_path / f"server{p}.log") for p in ports]
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        site = {"name": "Routes", "forward_to": SITE_NUMBER}
        created = httpx.post(f"{urls[0]}/v1/sites", headers=admin, json=site).json()
        yield Cluster(urls, admin, int(created["site_id"]))
    finally:
        for process in processes:
            stop_server(process)


def routed(url: str, number: str) -> str | None:
    answer = httpx.get(
        f"{url}/v1/route",
        params={"dialed_number": number},
        headers={"X-Callscope-Secret": SECRET},
    )
    if answer.status_code == 404:
        return None
    assert answer.status_code == 200, answer.text
    return answer.text


def seconds_until_all(urls: list[str], seen: Callable[[str], bool]) -> float:
    """How long after the change the last server was asked a request it answered the new way
    (counted when asked, so a slow answer on a loaded machine is not taken for a slow change);
    fails when a server was still asked and answered the old way past WITHIN seconds."""
    started, waiting, latest = time.monotonic(), set(urls), 0.0
    while waiting:
        for url in sorted(waiting):
            asked = time.monotonic() - started
            if seen(url):
                waiting.discard(url)
                latest = max(latest, asked)
            else:
                assert asked < WITHIN, f"{url} still routed the old way {asked:.2f} s after"
        time.sleep(0.01)
    return latest


def add(cluster: Cluster, number: str) -> int:
    body = {"number": number, "kind": "static", "channel": RADIO}
    answer = httpx.post(
        f"{cluster.urls[0]}/v1/sites/{cluster.site_id}/numbers", headers=cluster.admin, json=body
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["number_id"])


@pytest.mark.e2e
def test_a_number_added_changed_and_removed_through_one_process_is_routed_so_by_all(
    cluster: Cluster,
) -> None:
    urls, numbers = cluster.urls, f"{cluster.urls[0]}/v1/sites/{cluster.site_id}/numbers"
    old = add(cluster, "+15550100401")
    assert [routed(url, "+15550100401") for url in urls] == [SITE_NUMBER] * SERVERS  # held now

    add(cluster, "+15550100402")
    seconds_until_all(urls, lambda url: routed(url, "+15550100402") == SITE_NUMBER)

    changed = httpx.patch(f"{numbers}/{old}", headers=cluster.admin, json={"forward_to": AGENT})
    assert changed.status_code == 200 and changed.json()["forward_to"] == AGENT
    seconds_until_all(urls, lambda url: routed(url, "+15550100401") == AGENT)

    removed = httpx.delete(f"{numbers}/{old}", headers=cluster.admin)
    assert removed.status_code == 204
    seconds_until_all(urls, lambda url: routed(url, "+15550100401") is None)
    assert [routed(url, "+15550100402") for url in urls] == [SITE_NUMBER] * SERVERS
