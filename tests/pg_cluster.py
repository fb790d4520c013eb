"""A PostgreSQL primary and a streaming replica of its own, made by the test on loopback ports
(initdb, then pg_basebackup -R), so replication is tried for real without touching the
machine's server. PostgreSQL refuses to run as root: as root, commands run as `postgres`."""

from __future__ import annotations

import glob
import os
import pwd
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.databases import IN_CI

SERVER_SETTINGS = (
    "listen_addresses = '127.0.0.1'\n"
    "fsync = off\n"  # a throwaway cluster: speed over durability
    "synchronous_commit = off\n"
    "full_page_writes = off\n"
    "wal_level = replica\n"
    "max_wal_senders = 4\n"
    "hot_standby = on\n"
)


def bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_major)
    if not found:
        reason = "PostgreSQL server binaries not found under /usr/lib/postgresql"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    return Path(found[-1]).parent


def _major(path: str) -> int:
    return int(Path(path).parts[-3])


class Cluster:
    """One PostgreSQL server on `port` with its data in `data`."""

    def __init__(self, data: Path, port: int) -> None:
        self.data = data
        self.port = port

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def configure(self) -> None:
        settings = (
            SERVER_SETTINGS + f"port = {self.port}\nunix_socket_directories = '{self.data}'\n"
        )
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(settings)

    def start(self) -> None:
        run_as_postgres(_pg_ctl(self.data, "-w", "-t", "60", "-l", f"{self.data}/log", "start"))

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            run_as_postgres(_pg_ctl(self.data, "-m", "immediate", "-w", "stop"))


def _pg_ctl(data: Path, *args: str) -> list[str]:
    return [str(bin_dir() / "pg_ctl"), "-D", str(data), *args]


def run_as_postgres(command: list[str]) -> None:
    if os.geteuid() == 0:
        command = ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(command)]
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def workspace() -> Path:
    """A directory the server's user owns (a test's tmp_path is private to root)."""
    place = Path(tempfile.mkdtemp(prefix="callscope-pg-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(place, owner.pw_uid, owner.pw_gid)
    return place


def primary_and_replica(primary_port: int, replica_port: int) -> tuple[Cluster, Cluster, Path]:
    """A started primary and a started streaming replica of it; stop both, then remove the
    returned directory."""
    place = workspace()
    primary = Cluster(place / "primary", primary_port)
    initdb = [str(bin_dir() / "initdb"), "-D", str(primary.data), "-U", "postgres"]
    run_as_postgres([*initdb, "--auth=trust", "-E", "UTF8", "--no-sync"])
    primary.configure()
    primary.start()
    replica = Cluster(place / "replica", replica_port)
    backup = [str(bin_dir() / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary_port)]
    backup += ["-U", "postgres", "-D", str(replica.data), "-R", "-X", "stream", "--no-sync"]
    run_as_postgres(backup)
    replica.configure()
    replica.start()
    return primary, replica, place


def remove(place: Path) -> None:
    shutil.rmtree(place, ignore_errors=True)
