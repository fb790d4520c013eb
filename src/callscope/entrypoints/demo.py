"""`callscope demo`: a demo account and site with a week of simulated traffic, its latest
answered calls spoken (see `demo_calls`), then the server, whose job thread fetches and
transcribes them."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from callscope.adapters.storage import Storage
from callscope.domain.channel import Channel
from callscope.domain.flows import DEFAULT_NOTICE
from callscope.domain.sites import NumberKind
from callscope.domain.users import Role
from callscope.entrypoints.demo_calls import speak_calls
from callscope.replay.driver import ReplaySetup, replay
from callscope.replay.generate import Trace, TraceParams, generate_trace
from callscope.services.accounts import authenticate, create_account
from callscope.services.flows import set_flow
from callscope.services.sites import NumberDraft, SiteDraft, add_number, create_site, list_sites
from callscope.services.users import create_user
from callscope.settings import Settings

DEMO_FORWARD = "+15550100199"
STATIC = (
    ("+15550100101", Channel("radio", "offline", "morning-show")),
    ("+15550100102", Channel("billboard", "offline", "route-9")),
)
POOL_SIZE = 8
EXTENSION = "+15550100300"
# The demo site's call flow: two people in turn, voicemail, and the recording notice on.
DEMO_FLOW = {
    "targets": [DEMO_FORWARD, "+15550100197"],
    "strategy": "in_order",
    "ring_seconds": [20, 20],
    "announcement": {"text": DEFAULT_NOTICE},
    "record": True,
    "voicemail": {"greeting": "Sorry we missed you. Please leave a message after the tone."},
}


def run_demo(settings: Settings, host: str, port: int, days: int, serve: bool = True) -> int:
    storage = Storage.connect(settings.database_url, settings.auto_migrate)
    now = datetime.now(UTC)
    site_key, api_key = seed_demo(storage, now, days)
    spoken = speak_calls(storage, settings, key_holder(storage, api_key), port, now)
    email, password = demo_owner(storage, site_key, now)
    print(f"demo site key: {site_key}")
    print(f"spoken calls:  {len(spoken)} (transcribed, tagged and scored once the server runs)")
    print(f"landing page:  http://{host}:{port}/")
    print(f"dashboard:     http://{host}:{port}/dashboard")
    print(f"  sign in as   {email}")
    print(f"  password     {password}  (this run's; change it with callscope user reset-password)")
    print(f"API docs:      http://{host}:{port}/docs")
    print("API key (shown once):")
    print(api_key)
    if not serve:
        return 0
    from callscope.entrypoints.http import factory

    factory.serve(settings.model_copy(update={"demo_site_key": site_key}), host, port)
    return 0


def demo_owner(storage: Storage, site_key: str, now: datetime) -> tuple[str, str]:
    """The demo account's owner: an e-mail to sign in with and a fresh random password."""
    with storage.read() as uow:
        site = uow.sites.by_key(site_key)
    assert site is not None
    account_id = site.account_id
    email = "owner@demo.example" if account_id == 1 else f"owner{account_id}@demo.example"
    password = secrets.token_urlsafe(12)
    create_user(storage, account_id, email, Role.OWNER, now, password=password)
    return email, password


def seed_demo(storage: Storage, now: datetime, days: int) -> tuple[str, str]:
    """A fresh demo account each run; its site gets `days` of traffic ending at `now`."""
    account, api_key = create_account(storage, "Demo account", now)
    site_key = tracking_site(storage, now, POOL_SIZE, extension=True, account_id=account.id)
    (site,) = list_sites(storage, account.id)
    set_flow(storage, account.id, site.id, None, DEMO_FLOW, now)
    start = (now - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
    params = TraceParams(
        days=days,
        visits_per_day=240,
        call_probability=0.08,
        outside_calls_per_day=2,
        site_url="https://northside-heating.example",
    )
    trace = generate_trace(params, seed=7)
    horizon = (now - start).total_seconds()
    past = Trace(
        visits=tuple(v for v in trace.visits if v.end < horizon),
        calls=tuple(c for c in trace.calls if c.at < horizon - 3600),
    )
    replay(storage, past, ReplaySetup(site_key, start, full_calls=True, seed=7))
    return site_key, api_key


def tracking_site(
    storage: Storage,
    now: datetime,
    pool_size: int,
    extension: bool,
    account_id: int | None = None,
) -> str:
    """The demo business: two static channel numbers, a pool, maybe an extension number."""
    if account_id is None:
        account_id = create_account(storage, "Replay", now)[0].id
    draft = SiteDraft("Northside Heating", DEMO_FORWARD, replace_numbers=("+15550100198",))
    site = create_site(storage, account_id, draft, now)
    numbers = [NumberDraft(number, NumberKind.STATIC, channel) for number, channel in STATIC]
    numbers += [NumberDraft(f"+1555{2000000 + i:07d}", NumberKind.POOL) for i in range(pool_size)]
    if extension:
        numbers.append(NumberDraft(EXTENSION, NumberKind.EXTENSION))
    for number in numbers:
        add_number(storage, account_id, site.id, number, now)
    return site.site_key


def key_holder(storage: Storage, api_key: str) -> int:
    return authenticate(storage, api_key).account_id
