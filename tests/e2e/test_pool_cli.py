"""`callscope trace generate` then `callscope replay --policy` for ours and every baseline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import server_env

pytestmark = pytest.mark.e2e


def callscope(tmp_path: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "callscope", *args],
        env=server_env(f"sqlite:///{tmp_path / 'unused.db'}"),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return done.stdout


def test_every_policy_replays_the_same_trace_and_says_which_it_was(tmp_path: Path) -> None:
    visits, calls = str(tmp_path / "v.csv"), str(tmp_path / "c.csv")
    made = callscope(
        tmp_path, "trace", "generate", "--visits", visits, "--calls", calls, "--days", "1",
        "--visits-per-day", "150", "--seed", "3",
    )  # fmt: skip
    visit_count = int(made.split()[0])
    seen = {}
    for policy in ("callscope", "random-5min", "random-15min", "lru-30min-fixed"):
        out = callscope(
            tmp_path, "replay", "--visits", visits, "--calls", calls, "--pool-size", "3",
            "--policy", policy,
        )  # fmt: skip
        seen[policy] = json.loads(out)
        assert seen[policy]["policy"] == policy and seen[policy]["pool_size"] == 3
        assert seen[policy]["visits"] == visit_count
        figures = seen[policy]
        assert figures["correct"] + figures["wrong"] + figures["unattributed"] == figures["calls"]
    # Holding numbers 30 minutes from the start leaves more visitors without one than ours.
    assert (
        seen["lru-30min-fixed"]["visits_without_number"]
        > seen["callscope"]["visits_without_number"]
    )
