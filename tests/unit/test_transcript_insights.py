"""Redaction, tolerant keyword spotting and the lead score, on words as an engine gives them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from callscope.domain.calls import UNATTRIBUTED, Call
from callscope.domain.keywords import KeywordRule, marked, similar, spot
from callscope.domain.redaction import luhn, masked_spans, redact, redact_text
from callscope.domain.scoring import qualified, score_call
from callscope.domain.transcripts import Word, segments_of

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("said", "kept"),
    [
        ("my card is 4111 1111 1111 1111 thanks", "my card is [card] [card] [card] [card] thanks"),
        ("card four one one one one one one one one one one one one one one one ok",
         "card " + "[card] " * 16 + "ok"),
        ("the security code is one two three", "the security code is [code] [code] [code]"),
        ("cvv 737 please", "cvv [code] please"),
        ("my social is 078-05-1120", "my social is [ssn]"),
        ("it is one two three four five six seven eight nine", "it is" + " [ssn]" * 9),
        ("mail john.doe@example.com today", "mail [email] today"),
        ("john at example dot com", "[email] [email] [email] [email] [email]"),
    ],
)  # fmt: skip
def test_sensitive_spans_are_masked(said: str, kept: str) -> None:
    assert redact_text(said) == kept


@pytest.mark.parametrize(
    "said",
    [
        "call me at five five five one two three four",  # a phone number: 7 digits
        "order 4111 1111 1111 1112",  # 16 typed digits failing the Luhn check
        "we open at nine and the code is on the door",
    ],
)
def test_ordinary_numbers_and_words_stay(said: str) -> None:
    assert redact_text(said) == said


def test_luhn() -> None:
    assert luhn("4111111111111111") and luhn("79927398713") and not luhn("79927398710")


@pytest.mark.parametrize(
    ("heard", "wanted", "same"),
    [
        ("appointments", "appointment", True),
        ("booking", "booked", True),
        ("apointment", "appointment", True),  # one letter missed
        ("price", "prize", False),  # words under 6 letters must match exactly
        ("plumber", "number", False),
    ],
)
def test_words_match_by_stem_and_one_edit(heard: str, wanted: str, same: bool) -> None:
    assert similar(heard, wanted) is same


def words(text: str, start: float = 0.0) -> list[Word]:
    return [Word(t, start + i * 0.5, start + i * 0.5 + 0.4) for i, t in enumerate(text.split())]


def test_a_phrase_is_spotted_with_its_time_and_only_for_its_speaker() -> None:
    rules = [
        KeywordRule(1, 1, "book an appointment", "appointment", 30, "caller"),
        KeywordRule(2, 1, "too expensive", "price", -10),
    ]
    said = words("hi i would like to book an apointment but it is too expensive", start=10)
    tags = spot(rules, "caller", said)
    assert [(t.tag, t.at) for t in tags] == [("appointment", 12.5), ("price", 15.5)]
    assert [t.tag for t in spot(rules, "agent", said)] == ["price"]
    assert [t.tag for t in spot(rules, "call", said)] == ["appointment", "price"]  # one channel


def test_segments_break_at_pauses() -> None:
    said = words("hello there") + words("how can i help", start=5)
    assert [(s.start, s.end, s.text) for s in segments_of("agent", said)] == [
        (0.0, 0.9, "hello there"),
        (5.0, 6.9, "how can i help"),
    ]


def call(duration: int | None, answered: bool = True, first_time: bool = True) -> Call:
    return Call(
        "CA1", 1, 1, "+15550100101", "+15550100777", T0, UNATTRIBUTED, first_time,
        answered_at=T0 if answered else None,
        ended_at=T0 if duration is not None else None,
        duration=duration,
    )  # fmt: skip


def test_the_score_adds_its_documented_parts_and_stays_within_0_100() -> None:
    assert score_call(call(200), [("appointment", 30)]).value == 30 + 30 + 10 + 30
    assert score_call(call(200), [("a", 50), ("b", 50)]).value == 100
    missed = score_call(call(0, answered=False, first_time=False), [("spam", -50)])
    assert (missed.value, missed.reasons) == (0, ("spam -50",))


def test_qualified_from_the_score_or_else_the_duration_rule() -> None:
    assert qualified(call(20), 70) is True
    assert qualified(call(300), 40) is False
    assert qualified(call(61), None) is True and qualified(call(59), None) is False


def test_the_masked_words_times_are_the_spans_to_silence_padded_and_merged() -> None:
    words = [Word("code", 0.5, 0.8), Word("is", 0.8, 1.0)]
    words += [Word(d, 1.0 + 0.4 * i, 1.3 + 0.4 * i) for i, d in enumerate(["one", "two", "three"])]
    words += [Word("and", 2.5, 2.7), Word("mail", 3.0, 3.2), Word("jo@example.com", 4.0, 4.6)]
    cued = [Word("security", 0.1, 0.5), *words]
    spans = masked_spans(cued, redact(cued), pad=0.1)
    assert spans == [pytest.approx((0.9, 2.2)), pytest.approx((3.9, 4.7))]
    assert masked_spans(words, redact(words), pad=0.0) == [(4.0, 4.6)]  # no cue: no code
    assert masked_spans(words[:2], redact(words[:2])) == []


def test_every_match_of_a_rule_is_marked_for_its_speaker_only() -> None:
    rules = [
        KeywordRule(1, 1, "book an appointment", "a", 20, "caller"),
        KeywordRule(2, 1, "cost", "c", 5),
    ]
    said = "book an appointments now, what does it cost? Book an appointment"
    hits = [word for word, hit in marked(rules, "caller", said) if hit]
    assert hits == ["book", "an", "appointments", "cost?", "Book", "an", "appointment"]
    assert [word for word, hit in marked(rules, "agent", said) if hit] == ["cost?"]
    assert " ".join(word for word, _ in marked(rules, "caller", said)) == said
