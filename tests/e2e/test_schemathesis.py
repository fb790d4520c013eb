"""Property-based fuzzing of the running server from its own OpenAPI schema: no input, however
odd, gets a 5xx. Bounded: a fixed number of examples per operation and a fixed seed."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import LiveServer

EXAMPLES = 25


@pytest.mark.e2e
def test_no_generated_request_makes_the_server_fail(
    live_server: LiveServer, tmp_path: Path
) -> None:
    runner = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert runner, "schemathesis is a dev dependency: pip install -e '.[dev]'"
    command = [
        runner,
        "run",
        f"{live_server.url}/openapi.json",
        "--checks",
        "not_a_server_error",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        "1",
        "--request-timeout",
        "20",
        "-H",
        f"Authorization: Bearer {live_server.api_key}",
        "-H",
        f"X-Callscope-Secret: {live_server.telephony_secret}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path)
    report = done.stdout[-6000:] + done.stderr[-2000:]
    assert done.returncode == 0, report
    generated = re.search(r"(\d+) generated, (\d+) passed", done.stdout)
    assert generated and int(generated.group(1)) > 1000, report
