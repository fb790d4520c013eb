"""Transcripts of calls, and full-text search over them (SQLite FTS5, PostgreSQL full text).

Both databases tokenize alike for search: words of letters and digits, lower-cased, no
stemming (FTS5's unicode61 tokenizer; PostgreSQL's 'simple' configuration); every word of the
query must occur. So the same query finds the same calls on both."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import RowMapping, delete, func, insert, select, text
from sqlalchemy.engine import Connection

from callscope.adapters.tables.recordings import transcripts
from callscope.domain.transcripts import Segment, Transcript

QUERY_WORD = re.compile(r"\w+")


class TranscriptRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._sqlite = conn.dialect.name == "sqlite"

    def save(self, transcript: Transcript) -> None:
        """Store the call's transcript, replacing an earlier one."""
        self.remove([transcript.call_id])
        segments = [s.__dict__ for s in transcript.segments]
        values = {
            "call_id": transcript.call_id,
            "site_id": transcript.site_id,
            "text": transcript.text,
            "segments": segments,
            "engine": transcript.engine,
            "created_at": transcript.created_at,
        }
        self._conn.execute(insert(transcripts).values(values))
        if self._sqlite:
            self._conn.execute(
                text("INSERT INTO transcripts_fts (call_id, text) VALUES (:call_id, :text)"),
                {"call_id": transcript.call_id, "text": transcript.text},
            )

    def get(self, call_id: str) -> Transcript | None:
        query = select(transcripts).where(transcripts.c.call_id == call_id)
        row = self._conn.execute(query).mappings().first()
        return _transcript(row) if row else None

    def remove(self, call_ids: Iterable[str]) -> None:
        ids = list(call_ids)
        self._conn.execute(delete(transcripts).where(transcripts.c.call_id.in_(ids)))
        if self._sqlite and ids:
            marks = ", ".join(f":id{i}" for i in range(len(ids)))
            self._conn.execute(
                text(f"DELETE FROM transcripts_fts WHERE call_id IN ({marks})"),
                {f"id{i}": call_id for i, call_id in enumerate(ids)},
            )

    def search(self, site_id: int, query: str) -> set[str]:
        """Call ids of the site whose transcript holds every word of `query`."""
        words = QUERY_WORD.findall(query.lower())
        if not words:
            return set()
        if self._sqlite:
            match = " ".join('"' + w.replace('"', "") + '"' for w in words)
            found = self._conn.execute(
                text("SELECT call_id FROM transcripts_fts WHERE transcripts_fts MATCH :q"),
                {"q": match},
            ).scalars()
            ids = set(found)
            mine = select(transcripts.c.call_id).where(
                transcripts.c.site_id == site_id, transcripts.c.call_id.in_(ids)
            )
            return set(self._conn.execute(mine).scalars())
        vector = func.to_tsvector("simple", transcripts.c.text)
        wanted = func.to_tsquery("simple", " & ".join(words))
        query_ = select(transcripts.c.call_id).where(
            transcripts.c.site_id == site_id, vector.bool_op("@@")(wanted)
        )
        return set(self._conn.execute(query_).scalars())


def _transcript(r: RowMapping) -> Transcript:
    segments = tuple(Segment(**s) for s in r["segments"])
    return Transcript(r["call_id"], int(r["site_id"]), segments, r["engine"], r["created_at"])
