"""Numbers that provision themselves: bought from the account's telephony platform with their
webhooks pointed at callscope, added to a site; released only once no visit holds them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from callscope.domain.errors import Conflict, InvalidInput, NotFound
from callscope.domain.numbers import AvailableNumber, NumberSearch
from callscope.domain.sites import TrackingNumber
from callscope.logs import log_event
from callscope.services import sites
from callscope.services.ports import NumberProvider, Storage

LATEST = timedelta(days=366)
# The account's provider from its stored credentials: (account_sid, auth_token) -> provider.
ProviderFactory = Callable[[str, str], NumberProvider]


@dataclass(frozen=True)
class Webhooks:
    """Where the platform sends a bought number's calls and texts."""

    voice_url: str
    sms_url: str

    @classmethod
    def of(cls, public_url: str) -> Webhooks:
        base = public_url.rstrip("/")
        return cls(f"{base}/v1/twilio/voice", f"{base}/v1/twilio/sms")


def provider_for(storage: Storage, account_id: int, make: ProviderFactory) -> NumberProvider:
    """The account's provider; InvalidInput when it stored no Twilio credentials."""
    with storage.read() as uow:
        found = uow.twilio.credentials(account_id)
    if found is None:
        raise InvalidInput(
            "store the account's Twilio credentials first (PUT /v1/twilio/credentials)"
        )
    return make(*found)


def search(provider: NumberProvider, query: NumberSearch) -> list[AvailableNumber]:
    if query.area_code and not query.area_code.isdigit():
        raise InvalidInput("area code: digits only")
    return provider.search(query)


def buy(
    storage: Storage,
    provider: NumberProvider,
    account_id: int,
    site_id: int,
    draft: sites.NumberDraft,
    hooks: Webhooks,
    now: datetime,
) -> TrackingNumber:
    """Buy `draft.number` with its webhooks set to callscope, then track it on the site. A
    number that cannot be tracked (another site's, a second extension) is not bought."""
    sites.get_site(storage, account_id, site_id)
    with storage.read() as uow:
        if uow.numbers.by_number(draft.number) is not None:
            raise Conflict("that number is already a tracking number")
    provider.buy(draft.number, hooks.voice_url, hooks.sms_url)
    number = sites.add_number(storage, account_id, site_id, draft, now)
    log_event("number_bought", number=draft.number, site_id=site_id)
    return number


def live_until(
    storage: Storage, account_id: int, site_id: int, number_id: int, now: datetime
) -> datetime | None:
    """Until when a visit holds the number (None: nobody holds it now)."""
    with storage.read() as uow:
        site = sites.owned_site(uow, account_id, site_id)
        number = uow.numbers.get(number_id)
        if number is None or number.site_id != site.id:
            raise NotFound("unknown number")
        # The number's latest lease, whenever it began (one that began after `now` was read
        # still counts: a clock a little behind must not release a number just leased).
        lease = uow.leases.holder_at(number_id, now + LATEST)
        codes = uow.leases.live_codes(number_id, now)
    if lease is not None and lease.expires_at > now:
        return lease.expires_at
    return now if codes else None


def release(
    storage: Storage,
    provider: NumberProvider,
    account_id: int,
    site_id: int,
    number_id: int,
    now: datetime,
) -> TrackingNumber:
    """Release a number at the platform and stop tracking it, but only once drained: while a
    visit still holds it (its page may show it, a caller may dial it) Conflict, and nothing is
    released."""
    held = live_until(storage, account_id, site_id, number_id, now)
    if held is not None:
        raise Conflict(f"a visit holds that number until {held.isoformat()}; release it after")
    number = next(n for n in sites.list_numbers(storage, account_id, site_id) if n.id == number_id)
    provider.release(number.number)
    sites.remove_number(storage, account_id, site_id, number_id)
    log_event("number_released", number=number.number, site_id=site_id)
    return number
