"""Personal data on request: retention (`purge`) and erasing one caller's number."""

from __future__ import annotations

from datetime import datetime

from callscope.domain.progress import Progress, unreported
from callscope.services import rollups
from callscope.services.ports import Storage


def purge(storage: Storage, cutoff: datetime, progress: Progress = unreported) -> dict[str, int]:
    """Delete what is older than `cutoff`, in every account; returns rows deleted per table.
    `progress` hears the tables done."""
    with storage.write() as uow:
        deleted = uow.privacy.purge_before(cutoff, progress)
        uow.commit()
    return deleted


def erase_caller(storage: Storage, account_id: int, caller: str) -> int:
    """Erase `caller` (E.164) from the account's data; returns how many calls carried it."""
    with storage.write() as uow:
        erased = uow.privacy.erase_caller(account_id, caller)
        sites = [site.id for site in uow.sites.for_account(account_id)] if erased else []
        uow.commit()
    for site_id in sites:
        # Unique callers in the rollups counted the erased number: count again without it.
        rollups.rebuild(storage, site_id)
    return erased
