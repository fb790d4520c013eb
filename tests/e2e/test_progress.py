"""Long CLI work shows a progress bar with an estimate on a terminal and nothing when piped;
`callscope backup` copies a SQLite database while the server keeps writing to it."""

from __future__ import annotations

import os
import pty
import sqlite3
import subprocess
import sys
import threading
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from tests.conftest import LiveServer, pool_site

CALLSCOPE = [sys.executable, "-m", "callscope"]
GENERATE = ["trace", "generate", "--days", "7", "--visits-per-day", "300"]


def on_terminal(command: list[str], cwd: Path) -> tuple[str, str]:
    """Run with stderr on a pseudo-terminal (as in a shell); returns (stdout, terminal)."""
    leader, follower = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120"}
    with subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=follower, env=env
    ) as run:
        os.close(follower)
        seen = bytearray()
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closes when the command exits
                break
            if not chunk:
                break
            seen += chunk
        stdout = run.stdout.read().decode() if run.stdout else ""
    os.close(leader)
    assert run.returncode == 0, seen.decode(errors="replace")
    return stdout, seen.decode(errors="replace")


@pytest.mark.e2e
def test_piped_trace_generation_prints_its_result_line_and_no_progress(tmp_path: Path) -> None:
    command = [*CALLSCOPE, *GENERATE, "--visits", "v.csv", "--calls", "c.csv"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    visits = len((tmp_path / "v.csv").read_text().splitlines()) - 1
    calls = len((tmp_path / "c.csv").read_text().splitlines()) - 1
    assert done.stdout == f"{visits} visits -> v.csv, {calls} calls -> c.csv\n"


@pytest.mark.e2e
def test_a_terminal_sees_a_bar_with_what_is_left(tmp_path: Path) -> None:
    command = [*CALLSCOPE, *GENERATE, "--visits", "v.csv", "--calls", "c.csv"]
    stdout, terminal = on_terminal(command, tmp_path)
    assert "trace generate (trace hours)" in terminal
    assert "168/168" in terminal  # a week, hour by hour, to the end
    assert "left" in terminal and "\x1b[" in terminal  # the estimate, drawn in place
    assert stdout.endswith("calls -> c.csv\n") and "\x1b[" not in stdout


@pytest.mark.e2e
def test_replay_on_a_terminal_shows_progress_and_its_json_stays_clean(tmp_path: Path) -> None:
    subprocess.run(
        [*CALLSCOPE, *GENERATE, "--days", "1", "--visits", "v.csv", "--calls", "c.csv"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=120,
    )
    replay = [*CALLSCOPE, "replay", "--visits", "v.csv", "--calls", "c.csv", "--pool-size", "8"]
    stdout, terminal = on_terminal(replay, tmp_path)
    assert "replay (trace minutes)" in terminal and "left" in terminal
    assert stdout.startswith("{") and '"accuracy"' in stdout and "\x1b[" not in stdout


@pytest.mark.e2e
def test_backup_copies_a_sqlite_database_the_server_is_writing(
    live_server: LiveServer, tmp_path: Path
) -> None:
    site_key = pool_site(live_server.url, live_server.api_key, ["+15550100301"])
    stop = threading.Event()
    answers: list[int] = []

    def keep_visiting() -> None:
        with httpx.Client(base_url=live_server.url, timeout=30) as client:
            while not stop.is_set():
                body = {"site_key": site_key, "landing_url": "https://a/?utm_source=x"}
                answers.append(client.post("/v1/visits", json=body).status_code)

    writer = threading.Thread(target=keep_visiting)
    writer.start()
    try:
        while len(answers) < 20:
            stop.wait(0.05)
        copy = tmp_path / "while-serving.backup"
        done = subprocess.run(
            [*CALLSCOPE, "backup", str(copy)],
            env=live_server.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        during = len(answers)
    finally:
        stop.set()
        writer.join()
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # piped: no progress noise
    assert done.stdout == f"backup written to {copy} ({copy.stat().st_size} bytes)\n"
    with closing(sqlite3.connect(copy)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        copied = db.execute("SELECT count(*) FROM visits").fetchone()[0]
    assert set(answers) == {200}
    assert 20 <= copied <= during + 1  # one visit may be stored, its answer not yet read
