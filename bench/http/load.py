"""Driving a server with wrk: start and stop it, run wrk (from a file of requests, or one
request with a new visitor each time), read requests/s and latency percentiles."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

CONNECTIONS = 32
VISITOR = "VISITORID"  # replaced by a random visitor id in each request
THREADS = 2


@dataclass(frozen=True)
class Load:
    """What wrk measured for one endpoint: at CONNECTIONS connections, and at one."""

    name: str
    rps: float
    p99_ms: float
    p50_one_ms: float


@dataclass(frozen=True)
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int


class serving:
    """Start a server, wait until `health` answers, stop it on exit."""

    def __init__(
        self, command: list[str], env: dict[str, str], port: int, health: str, log: Path
    ) -> None:
        self.command, self.env, self.port, self.health, self.log = command, env, port, health, log

    def __enter__(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.command, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{self.port}{self.health}", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(f"server did not start:\n{self.log.read_text()}")

    def __exit__(self, *_: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


@dataclass(frozen=True)
class Request:
    """How wrk builds each request: a fixed one, a new visitor each time, or the next line
    of `lines` (a signature, a tab, a body: each line sent once)."""

    method: str = "GET"
    body: str | None = None
    content_type: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    as_visitors: bool = False
    lines: Callable[[Path], None] | None = None  # writes a fresh file of lines for each run
    script_extra: tuple[str, ...] = ()  # Lua of its own (e.g. a request function)

    def script(self, tmp: Path) -> str:
        out = [f'wrk.method = "{self.method}"']
        if self.body is not None:
            out.append(f"wrk.body = {json.dumps(self.body)}")
        if self.content_type:
            out.append(f'wrk.headers["Content-Type"] = "{self.content_type}"')
        out += [f'wrk.headers["{k}"] = "{v}"' for k, v in self.headers]
        if self.as_visitors:
            out += _VISITORS
        if self.lines is not None:
            self.lines(tmp / "lines.tsv")
            out += [line.replace("LINES", str(tmp / "lines.tsv")) for line in _LINES]
        out += self.script_extra
        return "\n".join(out) + "\n"


# Each request a new visitor (its own visitor id, as the snippet sends) from its own address,
# as a site sees them through a proxy callscope trusts.
_VISITORS = [
    "math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))",
    "request = function()",
    '  wrk.headers["X-Forwarded-For"] = string.format("10.%d.%d.%d",',
    "    math.random(0, 255), math.random(0, 255), math.random(1, 254))",
    '  local visitor = string.format("v%08x%08x", math.random(0, 2^31), math.random(0, 2^31))',
    f'  return wrk.format(nil, nil, nil, (wrk.body:gsub("{VISITOR}", visitor)))',
    "end",
]
# Thread t of THREADS sends lines t, t + THREADS, ...: no line twice in a run.
_LINES = [
    "local next_thread = 0",
    "function setup(thread) thread:set('tid', next_thread); next_thread = next_thread + 1 end",
    "local sigs, bodies, n = {}, {}, 0",
    "function init(args)",
    "  local i = 0",
    "  for line in io.lines('LINES') do",
    f"    if i % {THREADS} == tid then",
    "      local tab = line:find('\\t', 1, true)",
    "      sigs[#sigs + 1] = line:sub(1, tab - 1); bodies[#bodies + 1] = line:sub(tab + 1)",
    "    end",
    "    i = i + 1",
    "  end",
    "end",
    "function request()",
    "  n = n + 1",
    "  if n > #bodies then error('out of requests: generate more lines') end",
    "  if sigs[n] ~= '' then wrk.headers['X-Twilio-Signature'] = sigs[n] end",
    "  return wrk.format(nil, nil, nil, bodies[n])",
    "end",
]


def wrk(url: str, seconds: int, request: Request, tmp: Path, connections: int) -> Run:
    script = tmp / "request.lua"
    script.write_text(request.script(tmp))
    threads = min(THREADS, connections)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    command += ["--timeout", "10s", "-s", str(script), url]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    output = done.stdout
    if "Non-2xx" in output or "out of requests" in output + done.stderr:
        raise RuntimeError(f"{url}: errors under load\n{output}")
    sent = re.search(r"(\d+) requests in", output)
    assert sent, output
    return Run(_rps(output), _percentile(output, "50%"), _percentile(output, "99%"), int(sent[1]))


def measure(name: str, url: str, seconds: int, request: Request, tmp: Path) -> Load:
    """CONNECTIONS connections for `seconds`, then one connection for a third of that."""
    loaded = wrk(url, seconds, request, tmp, CONNECTIONS)
    alone = wrk(url, max(2, seconds // 3), request, tmp, 1)
    return Load(name, loaded.rps, loaded.p99_ms, alone.p50_ms)


def _rps(output: str) -> float:
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    assert match, output
    return float(match.group(1))


def _percentile(output: str, label: str) -> float:
    match = re.search(rf"^\s+{re.escape(label)}\s+([\d.]+)(us|ms|s)", output, re.MULTILINE)
    assert match, output
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
