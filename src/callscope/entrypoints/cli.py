"""The `callscope` command: the same settings and services as the server."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from callscope.domain.errors import DomainError
from callscope.entrypoints.backup_cli import add_backup, add_restore
from callscope.entrypoints.progress import progress_bar
from callscope.entrypoints.replay_cli import add_pool_size, add_replay, add_trace
from callscope.settings import Settings

Command = Callable[[argparse.Namespace, Settings], int]


def main(argv: Sequence[str] | None = None) -> None:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        sys.exit(2)
    try:
        sys.exit(args.run(args, Settings()))
    except DomainError as exc:
        print(f"callscope: {exc}", file=sys.stderr)
        sys.exit(2)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="callscope",
        description="Self-hostable call tracking. Settings come from "
        "CALLSCOPE_* environment variables or a .env file (see README).",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for register in _COMMANDS:
        register(commands)
    return parser


def _add_serve(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve.add_argument("--workers", type=int, default=1, help="server processes")
    serve.set_defaults(run=_serve)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from callscope.adapters.storage import Storage
    from callscope.entrypoints.http.factory import serve

    # Migrate (or refuse with a clear message) once, before any worker starts.
    Storage.connect(settings.database_url, settings.auto_migrate).close()
    serve(settings, args.host, args.port, args.workers)
    return 0


def _add_demo(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser("demo", help="create demo data and serve the demo site")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--days", type=int, default=7, help="days of simulated traffic")
    demo.add_argument("--no-serve", action="store_true", help="only create the data")
    demo.set_defaults(run=_demo)


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from callscope.entrypoints.demo import run_demo

    return run_demo(settings, args.host, args.port, args.days, serve=not args.no_serve)


def _add_account(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    account = commands.add_parser("account", help="manage accounts")
    actions = account.add_subparsers(title="actions", metavar="ACTION")
    create = actions.add_parser("create", help="create an account; prints its API key last")
    create.add_argument("name", help="the account's name")
    create.set_defaults(run=_account_create)


def _account_create(args: argparse.Namespace, settings: Settings) -> int:
    from callscope.adapters.storage import Storage
    from callscope.services.accounts import create_account

    storage = Storage.connect(settings.database_url, settings.auto_migrate)
    account, key = create_account(storage, args.name, datetime.now(UTC))
    print(f"account {account.id} created: {account.name}")
    print("API key (shown once, keep it safe):")
    print(key)
    return 0


def _add_user(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user = commands.add_parser("user", help="people who sign in to the dashboard")
    actions = user.add_subparsers(title="actions", metavar="ACTION")
    create = actions.add_parser(
        "create", help="add a person to an account; prints a link to set their password last"
    )
    create.add_argument("email", help="their e-mail address (what they sign in with)")
    create.add_argument("--account", type=int, required=True, help="the account's id")
    create.add_argument("--role", required=True, choices=["owner", "admin", "analyst"])
    create.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input instead of printing a set-password link",
    )
    create.set_defaults(run=_user_create)
    reset = actions.add_parser(
        "reset-password", help="print a single-use link (valid 1 hour) that sets a new password"
    )
    reset.add_argument("email")
    reset.set_defaults(run=_user_reset)


def _password_url(settings: Settings, token: str) -> str:
    return f"{settings.public_url.rstrip('/')}/dashboard/password?token={token}"


def _user_create(args: argparse.Namespace, settings: Settings) -> int:
    from callscope.adapters.storage import Storage
    from callscope.domain.users import Role
    from callscope.services import users

    storage = Storage.connect(settings.database_url, settings.auto_migrate)
    now = datetime.now(UTC)
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    user = users.create_user(storage, args.account, args.email, Role(args.role), now, password)
    print(f"user {user.id} created: {user.email} ({user.role.value} of account {args.account})")
    if password is not None:
        print("password set from standard input; sign in at:")
        print(f"{settings.public_url.rstrip('/')}/dashboard/signin")
        return 0
    token = users.password_link(storage, user.email, now, users.WELCOME_LIFETIME)
    print("set-password link (single use, valid 7 days):")
    print(_password_url(settings, token))
    return 0


def _user_reset(args: argparse.Namespace, settings: Settings) -> int:
    from callscope.adapters.storage import Storage
    from callscope.services import users

    storage = Storage.connect(settings.database_url, settings.auto_migrate)
    token = users.password_link(storage, args.email, datetime.now(UTC))
    print("password reset link (single use, valid 1 hour):")
    print(_password_url(settings, token))
    return 0


def _add_workspace(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    workspace = commands.add_parser(
        "workspace", help="client workspaces: an agency's clients, each with its sites and people"
    )
    actions = workspace.add_subparsers(title="actions", metavar="ACTION")
    create = actions.add_parser("create", help="a new workspace; prints its id last")
    create.add_argument("name")
    create.add_argument("--account", type=int, required=True)
    create.set_defaults(run=_workspace_create)
    place = actions.add_parser("add-site", help="put one of the account's sites in a workspace")
    place.add_argument("workspace", type=int)
    place.add_argument("--site", type=int, required=True)
    place.add_argument("--account", type=int, required=True)
    place.set_defaults(run=_workspace_add_site)
    grant = actions.add_parser(
        "grant", help="grant a person a workspace: from then on they see only their workspaces"
    )
    grant.add_argument("workspace", type=int)
    grant.add_argument("email")
    grant.add_argument("--account", type=int, required=True)
    grant.set_defaults(run=_workspace_grant)


def _workspace_create(args: argparse.Namespace, settings: Settings) -> int:
    from callscope.adapters.storage import Storage
    from callscope.services import workspaces

    storage = Storage.connect(settings.database_url, settings.auto_migrate)
    made = workspaces.create_workspace(storage, args.account, args.name, datetime.now(UTC))
    print(f"workspace created: {made.name}")
    print(made.id)
    return 0


def _workspace_add_site(args: argparse.Namespace, settings: Settings) -> int:
    from callscope.adapters.storage import Storage
    from callscope.services import workspaces

    storage = Storage.connect(settings.database_url, settings.auto_migrate)
    site = workspaces.place_site(storage, args.account, args.site, args.workspace)
    print(f"site {site.id} ({site.name}) is in workspace {args.workspace}")
    return 0


def _workspace_grant(args: argparse.Namespace, settings: Settings) -> int:
    from callscope.adapters.storage import Storage
    from callscope.services import workspaces

    storage = Storage.connect(settings.database_url, settings.auto_migrate)
    workspaces.grant(storage, args.account, args.workspace, args.email)
    print(f"{args.email} is granted workspace {args.workspace}")
    return 0


def _add_numbers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    numbers = commands.add_parser(
        "numbers", help="buy and release tracking numbers with the account's Twilio credentials"
    )
    actions = numbers.add_subparsers(title="actions", metavar="ACTION")
    search = actions.add_parser("search", help="numbers Twilio offers, one per line")
    search.add_argument("--account", type=int, required=True)
    search.add_argument("--country", default="US", help="ISO country code (default US)")
    search.add_argument("--area-code", default=None)
    search.add_argument("--contains", default=None, help="digits (or letters) the number holds")
    search.add_argument("--limit", type=int, default=20)
    search.set_defaults(run=_numbers_search)
    buy = actions.add_parser(
        "buy", help="buy numbers into a site, their voice and SMS webhooks set to callscope"
    )
    buy.add_argument("numbers", nargs="+", help="E.164 numbers from a search")
    buy.add_argument("--account", type=int, required=True)
    buy.add_argument("--site", type=int, required=True)
    buy.add_argument("--kind", choices=["static", "pool", "extension"], default="pool")
    buy.add_argument("--source", default=None, help="a static number's channel source")
    buy.add_argument("--medium", default=None, help="a static number's channel medium")
    buy.add_argument("--campaign", default=None)
    buy.set_defaults(run=_numbers_buy)
    release = actions.add_parser(
        "release", help="release a number at Twilio and stop tracking it, once no visit holds it"
    )
    release.add_argument("number")
    release.add_argument("--account", type=int, required=True)
    release.add_argument("--site", type=int, required=True)
    release.set_defaults(run=_numbers_release)


def _provider(settings: Settings, account: int) -> tuple[Any, Any]:
    from callscope.adapters.storage import Storage
    from callscope.adapters.twilio_numbers import TwilioNumbers
    from callscope.services import provisioning

    storage = Storage.connect(settings.database_url, settings.auto_migrate)

    def make(sid: str, token: str) -> TwilioNumbers:
        return TwilioNumbers(sid, token, settings.twilio_api_base)

    return storage, provisioning.provider_for(storage, account, make)


def _numbers_search(args: argparse.Namespace, settings: Settings) -> int:
    from callscope.domain.numbers import NumberSearch
    from callscope.services import provisioning

    _, provider = _provider(settings, args.account)
    query = NumberSearch(args.country.upper(), args.area_code, args.contains, args.limit)
    for found in provisioning.search(provider, query):
        where = ", ".join(p for p in (found.locality, found.region) if p)
        print(f"{found.number}\t{found.friendly_name}\t{where}")
    return 0


def _numbers_buy(args: argparse.Namespace, settings: Settings) -> int:
    from callscope.domain.channel import Channel
    from callscope.domain.sites import NumberKind
    from callscope.phone import to_e164
    from callscope.services import provisioning
    from callscope.services.sites import NumberDraft

    storage, provider = _provider(settings, args.account)
    channel = None
    if args.source:
        channel = Channel(args.source.lower(), (args.medium or "(none)").lower(), args.campaign)
    hooks = provisioning.Webhooks.of(settings.public_url)
    for raw in args.numbers:
        number = to_e164(raw, settings.default_region)
        draft = NumberDraft(number, NumberKind(args.kind), channel)
        bought = provisioning.buy(
            storage, provider, args.account, args.site, draft, hooks, datetime.now(UTC)
        )
        print(f"bought {bought.number} ({bought.kind.value}), number id {bought.id}")
    return 0


def _numbers_release(args: argparse.Namespace, settings: Settings) -> int:
    from callscope.phone import to_e164
    from callscope.services import provisioning, sites

    storage, provider = _provider(settings, args.account)
    number = to_e164(args.number, settings.default_region)
    tracked = [
        n for n in sites.list_numbers(storage, args.account, args.site) if n.number == number
    ]
    if not tracked:
        print(f"callscope: {number} is not a tracking number of site {args.site}", file=sys.stderr)
        return 2
    provisioning.release(
        storage, provider, args.account, args.site, tracked[0].id, datetime.now(UTC)
    )
    print(f"released {number}")
    return 0


def _add_worker(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    worker = commands.add_parser(
        "worker",
        help="run background jobs (recording fetch, transcription) and webhooks until stopped",
    )
    worker.set_defaults(run=_worker)


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from callscope.entrypoints.worker import run_worker

    return run_worker(settings)


def _add_jobs(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    jobs = commands.add_parser("jobs", help="background jobs")
    actions = jobs.add_subparsers(title="actions", metavar="ACTION")
    listing = actions.add_parser("list", help="the latest jobs with their status")
    listing.add_argument("--status", choices=["queued", "running", "done", "failed"], default=None)
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(run=_jobs_list)


def _jobs_list(args: argparse.Namespace, settings: Settings) -> int:
    from callscope.adapters.storage import Storage
    from callscope.domain.jobs import JobStatus

    storage = Storage.connect(settings.database_url, settings.auto_migrate)
    status = JobStatus(args.status) if args.status else None
    with storage.read() as uow:
        found = uow.jobs.recent(status, args.limit)
    for job in found:
        error = f"  {job.last_error}" if job.last_error else ""
        print(f"{job.id}\t{job.kind}\t{job.key}\t{job.status.value}\t{job.attempts}{error}")
    return 0


def _add_db(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = commands.add_parser("db", help="the database schema")
    actions = db.add_subparsers(title="actions", metavar="ACTION")
    actions.add_parser("upgrade", help="migrate the schema to this version").set_defaults(
        run=_db_upgrade
    )
    actions.add_parser("current", help="print the schema revision").set_defaults(run=_db_current)
    rebuild = actions.add_parser(
        "rebuild-rollups",
        help="recompute the report rollups (after a bulk import or a time zone change)",
    )
    rebuild.add_argument("--site", type=int, default=None, help="only this site")
    rebuild.set_defaults(run=_db_rebuild_rollups)


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from callscope.adapters.database import make_engine
    from callscope.adapters.schema import current_revision, upgrade

    engine = make_engine(settings.database_url)
    upgrade(engine)
    print(f"schema at revision {current_revision(engine)}")
    return 0


def _db_current(args: argparse.Namespace, settings: Settings) -> int:
    from callscope.adapters.database import make_engine
    from callscope.adapters.schema import current_revision, head_revision

    engine = make_engine(settings.database_url)
    print(f"current: {current_revision(engine) or 'none'}  head: {head_revision(engine)}")
    return 0


def _add_purge(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    purge = commands.add_parser(
        "purge",
        help="delete calls, visits, recordings and their personal data older than N days",
    )
    purge.add_argument(
        "--older-than", type=int, required=True, metavar="DAYS", help="keep this many days"
    )
    purge.set_defaults(run=_purge)


def _purge(args: argparse.Namespace, settings: Settings) -> int:
    from callscope.adapters.storage import Storage
    from callscope.entrypoints.worker import recording_files
    from callscope.services.privacy import purge

    if args.older_than < 1:
        print("callscope: --older-than must be at least 1 day", file=sys.stderr)
        return 2
    storage = Storage.connect(settings.database_url, settings.auto_migrate)
    cutoff = datetime.now(UTC) - timedelta(days=args.older_than)
    with progress_bar("purge (tables)") as report:
        deleted = purge(storage, cutoff, recording_files(settings), report)
    print(", ".join(f"{table}: {count}" for table, count in deleted.items()))
    return 0


def _add_webhooks(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    hooks = commands.add_parser("webhooks", help="outgoing webhooks")
    actions = hooks.add_subparsers(title="actions", metavar="ACTION")
    deliver = actions.add_parser("deliver", help="deliver the webhooks that are due, once")
    deliver.set_defaults(run=_webhooks_deliver)


def _webhooks_deliver(args: argparse.Namespace, settings: Settings) -> int:
    from callscope.adapters.storage import Storage
    from callscope.services.webhooks import deliver_due

    storage = Storage.connect(settings.database_url, settings.auto_migrate)
    outcome = deliver_due(storage, datetime.now(UTC))
    print(f"delivered {outcome.delivered}, failed {outcome.failed}")
    return 0


def _db_rebuild_rollups(args: argparse.Namespace, settings: Settings) -> int:
    from callscope.adapters.storage import Storage
    from callscope.services.rollups import rebuild

    storage = Storage.connect(settings.database_url, settings.auto_migrate)
    with progress_bar("rebuild-rollups (sites)") as report:
        rebuilt = rebuild(storage, args.site, report)
    print(f"rebuilt rollups of {rebuilt} site(s)")
    return 0


def _add_kamailio(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    kamailio = commands.add_parser("kamailio-config", help="print a kamailio.cfg for callscope")
    kamailio.add_argument(
        "--listen", required=True, help="HOST:PORT Kamailio listens on (UDP and TCP)"
    )
    kamailio.add_argument("--gateway", required=True, help="HOST:PORT calls are forwarded to")
    kamailio.add_argument("--url", default=None, help="callscope base URL (CALLSCOPE_PUBLIC_URL)")
    kamailio.add_argument(
        "--fallback", default=None, help="agent number used when callscope does not answer"
    )
    kamailio.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="IP|CIDR",
        help="accept calls only from these addresses (repeatable); default: from anywhere",
    )
    kamailio.set_defaults(run=_kamailio)


def _kamailio(args: argparse.Namespace, settings: Settings) -> int:
    from callscope.telephony.kamailio import render_config

    url = (args.url or settings.public_url).rstrip("/")
    config = render_config(
        args.listen,
        args.gateway,
        url,
        settings.telephony_secret,
        fallback=args.fallback,
        trusted_sources=args.trust,
    )
    print(config)
    return 0


_COMMANDS = (
    _add_serve,
    _add_worker,
    _add_jobs,
    _add_db,
    _add_demo,
    _add_account,
    _add_user,
    _add_workspace,
    _add_numbers,
    add_replay,
    add_trace,
    add_pool_size,
    _add_purge,
    _add_webhooks,
    _add_kamailio,
    add_backup,
    add_restore,
)
