"""Sub-pools: pool numbers reserved for one channel (source / medium), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callscope.adapters.storage import Storage
from callscope.domain.calls import AttributionMethod, CallEvent, EventKind
from callscope.domain.channel import Channel
from callscope.domain.sites import NumberKind
from callscope.services.accounts import create_account
from callscope.services.calls import record_call_event
from callscope.services.sites import NumberDraft, SiteDraft, add_number, create_site
from callscope.services.visits import VisitRequest, start_visit

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
LEASE = 900
SHARED = "+15550100201"
RESERVED = "+15550100251"
FORWARD = "+15550100199"
CPC = "https://a/?utm_source=google&utm_medium=cpc&gclid=x"
ORGANIC = "https://a/"


def site_with_a_google_cpc_number(storage: Storage) -> str:
    account, _ = create_account(storage, "acme", T0)
    site = create_site(storage, account.id, SiteDraft("acme", FORWARD), T0)
    google = Channel("google", "cpc")
    for draft in (
        NumberDraft(SHARED, NumberKind.POOL),
        NumberDraft(RESERVED, NumberKind.POOL, google),
    ):
        add_number(storage, account.id, site.id, draft, T0)
    return site.site_key


def shown(storage: Storage, key: str, landing: str, seconds: int) -> str:
    request = VisitRequest(key, landing, "https://www.google.com/")
    return start_visit(storage, request, LEASE, T0 + timedelta(seconds=seconds)).number


def test_a_channel_visit_takes_its_reserved_number_first_then_the_shared_pool(
    storage: Storage,
) -> None:
    key = site_with_a_google_cpc_number(storage)
    assert [shown(storage, key, CPC, i) for i in range(3)] == [RESERVED, SHARED, FORWARD]


def test_other_channels_never_get_a_reserved_number(storage: Storage) -> None:
    key = site_with_a_google_cpc_number(storage)
    assert [shown(storage, key, ORGANIC, i) for i in range(2)] == [SHARED, FORWARD]
    assert shown(storage, key, CPC, 5) == RESERVED


def test_a_call_days_later_on_a_reserved_number_still_names_its_channel(storage: Storage) -> None:
    key = site_with_a_google_cpc_number(storage)
    shown(storage, key, CPC, 0)
    later = T0 + timedelta(days=3)
    event = CallEvent("c1", EventKind.STARTED, later, RESERVED, "+12125550123")
    found = record_call_event(storage, event, LEASE, later).attribution
    assert (found.method, found.visit_id, found.confidence) == (AttributionMethod.POOL, None, 0.7)
    assert found.channel is not None
    assert (found.channel.source, found.channel.medium) == ("google", "cpc")
