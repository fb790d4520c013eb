"""CLI commands about attribution accuracy: `replay`, `trace generate` and `pool-size`."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

from callscope.adapters.storage import Storage
from callscope.domain.allocation import POLICIES
from callscope.domain.sizing import TrafficFigures, figures_from_visits, recommend_pool
from callscope.entrypoints.progress import progress_bar
from callscope.replay.driver import ReplaySetup, replay
from callscope.replay.generate import TraceParams, generate_trace, read_trace, write_trace
from callscope.replay.scoring import summary
from callscope.services.replay import visit_spans
from callscope.settings import Settings

TRACE_EPOCH = datetime(2026, 1, 5, tzinfo=UTC)


def add_replay(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = commands.add_parser("replay", help="measure attribution accuracy over trace files")
    run.add_argument("--visits", required=True, help="visits CSV (visit_id,start,end,...)")
    run.add_argument("--calls", required=True, help="calls CSV (call_id,at,visit_id,caller)")
    run.add_argument("--pool-size", type=int, required=True, help="pool numbers to lease")
    run.add_argument(
        "--policy",
        choices=sorted(POLICIES),
        default="callscope",
        help="allocation policy: ours (callscope) or a baseline to compare it with",
    )
    run.add_argument(
        "--extension",
        action="store_true",
        help="add an extension number used when the pool is exhausted",
    )
    run.add_argument(
        "--lease-seconds",
        type=int,
        default=None,
        help="lease length after the last heartbeat (default: the setting)",
    )
    run.set_defaults(run=_replay)


def _replay(args: argparse.Namespace, settings: Settings) -> int:
    from callscope.entrypoints.demo import tracking_site

    trace = read_trace(args.visits, args.calls)
    storage = Storage.connect("sqlite://")
    site_key = tracking_site(storage, TRACE_EPOCH, args.pool_size, args.extension)
    lease = args.lease_seconds or settings.lease_seconds
    setup = ReplaySetup(site_key, TRACE_EPOCH, lease_seconds=lease, policy=POLICIES[args.policy])
    with progress_bar("replay (trace minutes)") as report:
        score = replay(storage, trace, setup, report)
    print(
        json.dumps(
            {
                **summary(score),
                "pool_size": args.pool_size,
                "policy": args.policy,
                "lease_seconds": lease,
            },
            indent=2,
        )
    )
    return 0


def add_trace(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    trace = commands.add_parser("trace", help="synthetic traces for replay")
    actions = trace.add_subparsers(title="actions", metavar="ACTION")
    generate = actions.add_parser("generate", help="write a synthetic visits/calls trace")
    generate.add_argument("--visits", required=True, help="visits CSV to write")
    generate.add_argument("--calls", required=True, help="calls CSV to write")
    generate.add_argument("--days", type=int, default=7)
    generate.add_argument("--visits-per-day", type=float, default=1000.0)
    generate.add_argument("--call-probability", type=float, default=0.05)
    generate.add_argument("--seed", type=int, default=1)
    generate.set_defaults(run=_trace_generate)


def _trace_generate(args: argparse.Namespace, settings: Settings) -> int:
    params = TraceParams(
        days=args.days, visits_per_day=args.visits_per_day, call_probability=args.call_probability
    )
    with progress_bar("trace generate (trace hours)") as report:
        trace = generate_trace(params, seed=args.seed, progress=report)
    write_trace(trace, args.visits, args.calls)
    print(f"{len(trace.visits)} visits -> {args.visits}, {len(trace.calls)} calls -> {args.calls}")
    return 0


def add_pool_size(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    size = commands.add_parser(
        "pool-size",
        help="recommend a pool size for a target accuracy",
        description="From given figures, or from a site's stored visits with --site.",
    )
    size.add_argument(
        "--target",
        type=float,
        default=0.99,
        help="share of visitors who must get a number of their own",
    )
    size.add_argument("--peak-visits-per-hour", type=float, help="visits in the busiest hour")
    size.add_argument("--mean-visit-minutes", type=float, help="mean visit length")
    size.add_argument(
        "--lease-grace-minutes",
        type=float,
        default=None,
        help="lease time after the last heartbeat (default: the setting)",
    )
    size.add_argument("--site", type=int, help="size from this site's stored visits instead")
    size.set_defaults(run=_pool_size)


def _pool_size(args: argparse.Namespace, settings: Settings) -> int:
    grace = args.lease_grace_minutes
    if grace is None:
        grace = settings.lease_seconds / 60
    if args.site is not None:
        spans = visit_spans(Storage.connect(settings.database_url), args.site)
        figures = figures_from_visits(spans, grace)
    elif args.peak_visits_per_hour is None or args.mean_visit_minutes is None:
        print("callscope: give --peak-visits-per-hour and --mean-visit-minutes, or --site")
        return 2
    else:
        figures = TrafficFigures(args.peak_visits_per_hour, args.mean_visit_minutes, grace)
    advice = recommend_pool(figures, args.target)
    print("\n".join(advice.reasoning))
    print(f"recommended pool: {advice.numbers} numbers")
    return 0
