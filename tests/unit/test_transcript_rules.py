"""Who a channel is, and where segments break: a pause longer than PAUSE, or MAX_WORDS words."""

from __future__ import annotations

from callscope.domain.transcripts import MAX_WORDS, PAUSE, Segment, Word, segments_of, speaker_of


def test_one_channel_is_the_call_two_are_caller_then_agent() -> None:
    assert speaker_of(0, 1) == "call"
    assert speaker_of(0, 2) == "caller"
    assert speaker_of(1, 2) == "agent"


def test_a_pause_of_exactly_pause_seconds_does_not_break_a_segment() -> None:
    heard = [Word("hello", 0.0, 0.5), Word("there", 0.5 + PAUSE, 1.5)]
    assert segments_of("agent", heard) == [Segment("agent", 0.0, 1.5, "hello there")]
    later = [Word("hello", 0.0, 0.5), Word("there", 0.51 + PAUSE, 1.5)]
    assert segments_of("agent", later) == [
        Segment("agent", 0.0, 0.5, "hello"),
        Segment("agent", 0.51 + PAUSE, 1.5, "there"),
    ]


def test_a_segment_holds_at_most_max_words() -> None:
    heard = [Word(f"w{i}", i * 0.1, i * 0.1 + 0.05) for i in range(MAX_WORDS + 1)]
    found = segments_of("caller", heard)
    assert [len(s.text.split()) for s in found] == [MAX_WORDS, 1]
    assert {s.speaker for s in found} == {"caller"}


def test_segment_times_are_rounded_to_hundredths() -> None:
    found = segments_of("caller", [Word("yes", 1.2345, 2.3456)])
    assert found == [Segment("caller", 1.23, 2.35, "yes")]
