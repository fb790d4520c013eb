"""Recordings kept in the local store (rows here, audio files in the store)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, delete, insert, select, update
from sqlalchemy.engine import Connection

from callscope.adapters.repositories.transcripts import TranscriptRepository
from callscope.adapters.tables.core import calls, sites
from callscope.adapters.tables.recordings import recordings, transcripts
from callscope.domain.recordings import Recording


class RecordingRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def save(self, recording: Recording) -> None:
        """Store the call's recording, replacing an earlier one (a re-fetch)."""
        self._conn.execute(delete(recordings).where(recordings.c.call_id == recording.call_id))
        self._conn.execute(insert(recordings).values(**recording.__dict__))

    def get(self, call_id: str) -> Recording | None:
        row = (
            self._conn.execute(select(recordings).where(recordings.c.call_id == call_id))
            .mappings()
            .first()
        )
        return _recording(row) if row else None

    def set_redacted(self, call_id: str, path: str) -> None:
        query = update(recordings).where(recordings.c.call_id == call_id)
        self._conn.execute(query.values(redacted_path=path))

    def remove_before(self, cutoff: datetime) -> list[str]:
        """Delete recordings and transcripts of calls started before `cutoff`; their files."""
        old = select(calls.c.call_id).where(calls.c.started_at < cutoff)
        return self._remove(old)

    def remove_for_caller(self, account_id: int, caller: str) -> list[str]:
        """Delete the account's recordings and transcripts of `caller`'s calls; their files."""
        owned = select(sites.c.id).where(sites.c.account_id == account_id)
        theirs = select(calls.c.call_id).where(calls.c.site_id.in_(owned), calls.c.caller == caller)
        return self._remove(theirs)

    def _remove(self, call_ids: Any) -> list[str]:
        paths = self._conn.execute(
            select(recordings.c.path, recordings.c.redacted_path).where(
                recordings.c.call_id.in_(call_ids)
            )
        )
        found = sorted({str(p) for row in paths for p in row if p})
        spoken = self._conn.execute(
            select(transcripts.c.call_id).where(transcripts.c.call_id.in_(call_ids))
        ).scalars()
        TranscriptRepository(self._conn).remove(list(spoken))
        self._conn.execute(delete(recordings).where(recordings.c.call_id.in_(call_ids)))
        return found


def _recording(r: RowMapping) -> Recording:
    return Recording(
        call_id=r["call_id"],
        site_id=int(r["site_id"]),
        path=r["path"],
        content_type=r["content_type"],
        size=int(r["size"]),
        fetched_at=r["fetched_at"],
        redacted_path=r["redacted_path"],
    )
