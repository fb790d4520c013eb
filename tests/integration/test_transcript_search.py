"""Full-text search over transcripts finds the same calls on SQLite (FTS5) and PostgreSQL
(to_tsvector 'simple'): every word of the query, whole words, any case, no stemming."""

from __future__ import annotations

import pytest

from callscope.adapters.storage import Storage
from callscope.domain.transcripts import Segment, Transcript
from callscope.services.insights import search
from tests.recording_calls import T0, completed_call, recorded_site

SAID = {
    "CA-1": "caller: my water heater warranty expired last May",
    "CA-2": "caller: is the Warranty transferable? agent: yes, it is",
    "CA-3": "caller: I'd like a quote for two warranties",
    "CA-4": "agent: thank you for calling",
}


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("warranty", {"CA-1", "CA-2"}),  # whole words: "warranties" is another word
        ("WARRANTY expired", {"CA-1"}),  # every word, any case
        ("warranties", {"CA-3"}),
        ("i'd", {"CA-3"}),
        ("calling thank", {"CA-4"}),
        ("heater refund", set()),
        ("?!", set()),
        ('warranty" OR "quote', set()),  # quotes and operators are plain words: all three
    ],
)
def test_search_finds_calls_whose_transcript_holds_every_word(
    storage: Storage, query: str, found: set[str]
) -> None:
    site = recorded_site(storage)
    for call_id in SAID:
        completed_call(storage, call_id, None)
    with storage.write() as uow:
        for call_id, text in SAID.items():
            segments = (Segment("call", 0.0, 1.0, text),)
            uow.transcripts.save(Transcript(call_id, site.site_id, segments, "test", T0))
        uow.commit()

    assert search(storage, site.account_id, site.site_id, query) == found
