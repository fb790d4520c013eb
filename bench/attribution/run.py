"""Attribution accuracy against pool size, for callscope's allocation policy and the baselines,
all driven through the same `callscope replay` code over one synthetic trace.

Run from the repository root: `python -m bench.attribution.run` (add `--quick` for a smoke run).
Writes the tables into docs/attribution.md (between its bench markers), the plot into
docs/attribution.svg, and prints the tables.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # `python bench/attribution/run.py` finds `bench`

from bench.attribution import report  # noqa: E402
from callscope.adapters.storage import Storage  # noqa: E402
from callscope.domain.allocation import POLICIES  # noqa: E402
from callscope.domain.sizing import peak_concurrency  # noqa: E402
from callscope.entrypoints.demo import tracking_site  # noqa: E402
from callscope.replay.driver import ReplaySetup, replay  # noqa: E402
from callscope.replay.generate import Trace, TraceParams, generate_trace  # noqa: E402
from callscope.replay.scoring import summary  # noqa: E402

EPOCH = report.EPOCH
# Calls do not change who holds which number, so a high call rate buys statistical precision
# on the same traffic: 40% of visits call (real sites see a few percent).
TRACE = TraceParams(days=2, visits_per_day=1000, call_probability=0.4)
QUICK = TraceParams(days=1, visits_per_day=400, call_probability=0.3)
SEED = 11
MULTIPLES = (0.8, 1.0, 1.1, 1.2, 1.25, 1.5, 2.0, 3.0, 4.0, 5.0)
LEASE_SECONDS = 900


@dataclass(frozen=True)
class Point:
    policy: str
    pool_size: int
    figures: dict[str, Any]


def measure(params: TraceParams, policy: str, pool_size: int) -> Point:
    """One replay of the seeded trace: fresh in-memory SQLite, a site with `pool_size` numbers."""
    trace = generate_trace(params, seed=SEED)
    storage = Storage.connect("sqlite://")
    site_key = tracking_site(storage, EPOCH, pool_size, extension=False)
    setup = ReplaySetup(site_key, EPOCH, LEASE_SECONDS, policy=POLICIES[policy])
    figures = summary(replay(storage, trace, setup))
    storage.close()
    return Point(policy, pool_size, figures)


def pool_sizes(bound: int, multiples: Sequence[float]) -> list[int]:
    return sorted({max(1, math.ceil(bound * m)) for m in multiples})


def lower_bound_curve(trace: Trace, sizes: Sequence[int]) -> dict[int, float]:
    """In-visit accuracy of a clairvoyant pool that holds a number exactly while its visitor is
    on the site: an in-visit call is right iff its visit found a number. No policy does better."""
    return {size: _clairvoyant(trace, size) for size in sizes}


def _clairvoyant(trace: Trace, size: int) -> float:
    ends: list[float] = []
    served: set[str] = set()
    for visit in sorted(trace.visits, key=lambda v: v.start):
        ends = [end for end in ends if end > visit.start]
        if len(ends) < size:
            ends.append(visit.end)
            served.add(visit.visit_id)
    spans = {v.visit_id: (v.start, v.end) for v in trace.visits}
    in_visit = [
        c.visit_id
        for c in trace.calls
        if c.visit_id and spans[c.visit_id][0] <= c.at <= spans[c.visit_id][1]
    ]
    return sum(v in served for v in in_visit) / len(in_visit) if in_visit else 1.0


def run(params: TraceParams, workers: int) -> report.Results:
    trace = generate_trace(params, seed=SEED)
    bound = peak_concurrency((v.start, v.end) for v in trace.visits)
    sizes = pool_sizes(bound, MULTIPLES)
    jobs = [(name, size) for name in POLICIES for size in sizes]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(measure, params, name, size) for name, size in jobs]
        points = []
        for done, future in enumerate(futures, 1):
            points.append(future.result())
            print(f"{done}/{len(jobs)} replays", file=sys.stderr, flush=True)
    return report.Results(
        trace=trace,
        params=params,
        bound=bound,
        sizes=sizes,
        points={(p.policy, p.pool_size): p.figures for p in points},
        clairvoyant=lower_bound_curve(trace, sizes),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a small trace, for a smoke run")
    parser.add_argument("--workers", type=int, default=2, help="replays run in parallel")
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="where to write")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    results = run(QUICK if args.quick else TRACE, args.workers)
    elapsed = time.perf_counter() - started
    markdown = report.markdown(results, elapsed)
    args.out.mkdir(parents=True, exist_ok=True)
    report.update_doc(args.out / "attribution.md", markdown)
    (args.out / "attribution.svg").write_text(report.svg(results), encoding="utf-8")
    print(markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
