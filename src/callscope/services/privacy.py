"""Personal data on request: retention (`purge`) and erasing one caller's number."""

from __future__ import annotations

from datetime import datetime

from callscope.domain.progress import Progress, unreported
from callscope.services import rollups
from callscope.services.ports import RecordingFiles, Storage


def purge(
    storage: Storage, cutoff: datetime, files: RecordingFiles, progress: Progress = unreported
) -> dict[str, int]:
    """Delete what is older than `cutoff`, in every account, recordings and transcripts
    included; returns what was deleted per table (and audio files). `progress` hears the
    tables done."""
    with storage.write() as uow:
        audio = uow.recordings.remove_before(cutoff)
        deleted = uow.privacy.purge_before(cutoff, progress)
        uow.commit()
    # After the commit: a failed transaction leaves the files its rows still point to.
    return {**deleted, "recordings": len(audio), "audio files": files.delete(audio)}


def erase_caller(storage: Storage, account_id: int, caller: str, files: RecordingFiles) -> int:
    """Erase `caller` (E.164) from the account's data, their recordings and transcripts too;
    returns how many calls carried it."""
    with storage.write() as uow:
        audio = uow.recordings.remove_for_caller(account_id, caller)
        erased = uow.privacy.erase_caller(account_id, caller)
        sites = [site.id for site in uow.sites.for_account(account_id)] if erased else []
        uow.commit()
    files.delete(audio)
    for site_id in sites:
        # Unique callers in the rollups counted the erased number: count again without it.
        rollups.rebuild(storage, site_id)
    return erased
