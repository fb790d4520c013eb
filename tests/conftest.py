"""Shared fixtures: storage on SQLite and PostgreSQL, an in-process app, and a live server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from callscope.adapters.database import make_engine
from callscope.adapters.storage import Storage
from callscope.entrypoints.http.app import create_app
from callscope.services.accounts import create_account
from callscope.settings import Settings
from tests.databases import IN_CI, PG_URL, describe, need_postgres
from tests.redis_server import RedisServer

__all__ = ["IN_CI", "PG_URL", "need_postgres"]

SECRET = "test-telephony-secret"


def pytest_report_header() -> str:
    return describe(PG_URL)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.write_line(describe(PG_URL))


def _postgres_storage() -> Storage:
    url = need_postgres()
    reset_postgres(url)
    return Storage.connect(url)


def reset_postgres(url: str) -> None:
    """An empty public schema, so each test starts from nothing (migrations included)."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    """The same storage tests run on an SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        store = Storage.connect(f"sqlite:///{tmp_path / 'callscope.db'}")
    else:
        store = _postgres_storage()
    yield store
    store.close()


@pytest.fixture
def sqlite_storage(tmp_path: Path) -> Iterator[Storage]:
    store = Storage.connect(f"sqlite:///{tmp_path / 'callscope.db'}")
    yield store
    store.close()


@dataclass(frozen=True)
class Api:
    """An in-process app with a fresh account's admin key."""

    client: TestClient
    storage: Storage
    api_key: str

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    @property
    def telephony(self) -> dict[str, str]:
        return {"X-Callscope-Secret": SECRET}


@pytest.fixture
def api(storage: Storage) -> Iterator[Api]:
    # Every in-process request comes from one address; the abuse limits have their own tests.
    settings = Settings(  # type: ignore[call-arg]
        database_url="sqlite://",
        telephony_secret=SECRET,
        visits_per_ip_per_minute=0,
        forms_per_ip_per_minute=0,
        leases_per_ip=10_000,
        serve_runs_jobs=False,  # tests run jobs with a worker of their own
        _env_file=None,
    )
    app = create_app(settings, storage=storage)
    _, key = create_account(storage, "Test account", datetime.now(UTC))
    with TestClient(app) as client:
        yield Api(client, storage, key)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class LiveServer:
    url: str
    api_key: str
    telephony_secret: str
    database_url: str
    env: dict[str, str]


def start_server(
    env: dict[str, str], port: int, log: Path, workers: int = 1
) -> subprocess.Popen[bytes]:
    """`callscope serve` on loopback, its output in `log`; returns once /healthz answers."""
    command = [sys.executable, "-m", "callscope", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers)]
    with log.open("ab") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not become healthy in 30 s")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLSCOPE_")}
    env.update(
        CALLSCOPE_DATABASE_URL=database_url,
        CALLSCOPE_TELEPHONY_SECRET=SECRET,
        CALLSCOPE_LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def pool_site(url: str, key: str, numbers: list[str], forward_to: str = "+15550100199") -> str:
    """A site with these pool numbers on a running server; returns its site key."""
    admin = {"Authorization": f"Bearer {key}"}
    site = httpx.post(
        f"{url}/v1/sites", headers=admin, json={"name": "Test site", "forward_to": forward_to}
    ).json()
    for number in numbers:
        httpx.post(
            f"{url}/v1/sites/{site['site_id']}/numbers",
            headers=admin,
            json={"number": number, "kind": "pool"},
        ).raise_for_status()
    return str(site["site_key"])


def create_key(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "callscope", "account", "create", "Live test"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


PERSON_PASSWORD = "a long enough passphrase"


def create_person(
    env: dict[str, str], email: str, role: str = "owner", account: str = "1"
) -> tuple[str, str]:
    """A person of the account who signs in to the dashboard (`callscope user create`, the
    password on stdin); returns the e-mail and password."""
    command = [sys.executable, "-m", "callscope", "user", "create", email, "--account", account]
    command += ["--role", role, "--password-stdin"]
    subprocess.run(
        command,
        env=env,
        input=PERSON_PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return email, PERSON_PASSWORD


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """The real server in a subprocess on a fresh SQLite file."""
    database_url = f"sqlite:///{tmp_path / 'live.db'}"
    port = free_port()
    # Browsers, scenarios and SIP calls in tests all come from loopback: lift the per-address
    # abuse limits here (tests/e2e/test_abuse.py checks them on a server of its own).
    env = server_env(
        database_url,
        CALLSCOPE_PUBLIC_URL=f"http://127.0.0.1:{port}",
        CALLSCOPE_VISITS_PER_IP_PER_MINUTE="0",
        CALLSCOPE_FORMS_PER_IP_PER_MINUTE="0",
        CALLSCOPE_LEASES_PER_IP="1000",
    )
    key = create_key(env)
    process = start_server(env, port, tmp_path / "server.log")
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", key, SECRET, database_url, env)
    finally:
        stop_server(process)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of this test's own (the test may stop it)."""
    server = RedisServer(free_port(), tmp_path)
    server.start()
    yield server
    server.stop()
