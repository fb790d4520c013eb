"""Heartbeats carrying page views (journeys) against bare heartbeats, and visits, on PostgreSQL
with wrk: the cost of keeping journeys on the visit path.

    python -m bench.http.journeys [--seconds 5] [--visits 5000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench.http.load import VISITOR, Request, measure, serving, wrk
from bench.postgres import DEFAULT_URL, fresh_database
from callscope.adapters.storage import Storage
from callscope.domain.sites import NumberKind
from callscope.services.accounts import create_account
from callscope.services.sites import SiteDraft, create_site
from callscope.services.visits import VisitRequest, start_visit

PORT = 18091
PAGE = {"url": "https://a.example/services?utm_source=google", "title": "Services"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--visits", type=int, default=2000)
    parser.add_argument(
        "--postgres", default=os.environ.get("CALLSCOPE_BENCH_DATABASE_URL", DEFAULT_URL)
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    fresh_database(args.postgres)
    site_key, visit_ids = seed(args.postgres, args.visits)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CALLSCOPE_")},
        "CALLSCOPE_DATABASE_URL": args.postgres,
        "CALLSCOPE_LOG_LEVEL": "WARNING",
        "CALLSCOPE_VISITS_PER_SITE_PER_MINUTE": "0",
        "CALLSCOPE_LEASE_SECONDS": "30",
    }
    base = f"http://127.0.0.1:{PORT}"
    command = [sys.executable, "-m", "callscope", "serve", "--port", str(PORT)]
    command += ["--workers", str(args.workers)]
    now = datetime.now(UTC).isoformat()
    with (
        tempfile.TemporaryDirectory() as tmp,
        serving(command, env, PORT, "/healthz", Path(tmp) / "server.log"),
    ):
        folder = Path(tmp)
        bare = heartbeats(base, visit_ids, {}, folder)
        carried = heartbeats(base, visit_ids, {"pages": [{**PAGE, "at": now}]}, folder)
        body = json.dumps(
            {
                "site_key": site_key,
                "landing_url": "https://a.example/?utm_source=google&utm_medium=cpc",
                "visitor_id": VISITOR,
                "title": "Northside Heating",
            }
        )
        visit = Request("POST", body, "application/json", as_visitors=True)
        wrk(f"{base}/v1/visits", 2, visit, folder, 32)
        loads = [
            measure("heartbeat, no page views (bare)", base + "/", args.seconds, bare, folder),
            measure("heartbeat carrying a page view", base + "/", args.seconds, carried, folder),
            measure(
                "POST /v1/visits (with title)", f"{base}/v1/visits", args.seconds, visit, folder
            ),
        ]
    print(f"{'endpoint':<36} {'req/s':>8} {'p99 ms':>8} {'p50 1 conn':>11}")
    for load in loads:
        print(f"{load.name:<36} {load.rps:>8.0f} {load.p99_ms:>8.1f} {load.p50_one_ms:>11.2f}")
    print(f"journeys on / bare heartbeat: {loads[1].rps / loads[0].rps:.0%}")


def heartbeats(base: str, visit_ids: list[str], body: dict[str, object], tmp: Path) -> Request:
    """Heartbeats to random visits of the seeded set (each request its own visit)."""
    ids = tmp / f"ids-{len(body)}.lua"
    ids.write_text("ids = {" + ",".join(f'"{v}"' for v in visit_ids) + "}\n")
    return Request(
        "POST",
        json.dumps(body),
        "application/json",
        lines=None,
        headers=(),
        as_visitors=False,
        script_extra=(
            f'dofile("{ids}")',
            "math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))",
            "request = function()",
            '  local path = "/v1/visits/" .. ids[math.random(#ids)] .. "/heartbeat"',
            "  return wrk.format(nil, path, nil, wrk.body)",
            "end",
        ),
    )


def seed(url: str, count: int) -> tuple[str, list[str]]:
    """A site with a pool as large as the visits, and `count` visits holding its numbers."""
    storage = Storage.connect(url)
    now = datetime.now(UTC)
    account, _ = create_account(storage, "bench", now)
    site = create_site(storage, account.id, SiteDraft("bench", "+15550100199"), now)
    with storage.write() as uow:
        for i in range(count):
            uow.numbers.add(site.id, f"+1555{3000000 + i:07d}", NumberKind.POOL, None, None, now)
        uow.commit()
    rng = random.Random(1)
    visit_ids = []
    for i in range(count):
        request = VisitRequest(site.site_key, "https://a.example/", visitor_id=f"v{i}")
        found = start_visit(storage, request, 3600, now, rng=rng, leases_per_client=None)
        assert found.visit is not None
        visit_ids.append(found.visit.id)
    storage.close()
    return site.site_key, visit_ids


if __name__ == "__main__":
    main()
