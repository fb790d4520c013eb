"""The `callscope` command: help on every command, and account creation printing the key last."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import server_env

COMMANDS = [
    [],
    ["serve"],
    ["demo"],
    ["account", "create"],
    ["replay"],
    ["pool-size"],
    ["trace", "generate"],
    ["kamailio-config"],
    ["db", "upgrade"],
    ["db", "rebuild-rollups"],
    ["purge"],
    ["webhooks", "deliver"],
    ["backup"],
    ["restore"],
    ["worker"],
    ["jobs", "list"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "callscope")
def test_help(command: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "callscope", *command, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "usage: callscope" in done.stdout


def test_account_create_prints_a_working_key_last(tmp_path: Path) -> None:
    env = server_env(f"sqlite:///{tmp_path / 'cli.db'}")
    done = subprocess.run(
        [sys.executable, "-m", "callscope", "account", "create", "Acme"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    key = done.stdout.strip().splitlines()[-1]
    assert key.startswith("cs_") and len(key) > 40
    assert "Acme" in done.stdout
