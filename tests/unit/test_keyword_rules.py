"""The keyword rules at their edges: stems keep three letters, one edit only for long words,
a phrase must be heard whole, and a tag says who said it and which rule found it."""

from __future__ import annotations

import pytest

from callscope.domain.keywords import KeywordRule, Tag, similar, spot, stem
from callscope.domain.transcripts import Word


@pytest.mark.parametrize(
    ("word", "stemmed"),
    [
        ("jobs", "job"),  # three letters left: the suffix goes
        ("wanted", "want"),
        ("red", "red"),  # "ed" would leave one letter: kept whole
        ("bus", "bus"),  # "s" would leave two letters
        ("tries", "tri"),  # "ies" would leave two; "es" leaves three
    ],
)
def test_a_suffix_is_cut_only_when_three_letters_remain(word: str, stemmed: str) -> None:
    assert stem(word) == stemmed


@pytest.mark.parametrize(
    ("heard", "wanted", "same"),
    [
        ("plumbar", "plumber", True),  # one letter changed, seven letters
        ("plxmbar", "plumber", False),  # two letters changed
        ("plumbber", "plumber", True),  # one letter more in what was heard
        ("plumber", "plumbber", True),  # one letter more in the rule
        ("plumbeerr", "plumber", False),  # two letters more
        ("gardenia", "garden", False),
    ],
)
def test_long_words_may_differ_by_one_edit_only(heard: str, wanted: str, same: bool) -> None:
    assert similar(heard, wanted) is same


def words(text: str, start: float = 1.0) -> list[Word]:
    return [Word(t, start + i, start + i + 0.5) for i, t in enumerate(text.split())]


def test_a_tag_names_the_speaker_and_the_rule() -> None:
    rule = KeywordRule(7, 1, "book an appointment", "appointment", 20)
    found = spot([rule], "caller", words("can i book an appointment"))
    assert found == [Tag("appointment", 3.0, "caller", 7)]


@pytest.mark.parametrize("said", ["", "call", "please call", "hello call"])
def test_a_phrase_longer_than_what_is_left_is_not_found(said: str) -> None:
    rule = KeywordRule(1, 1, "call back", "callback", 20)
    assert spot([rule], "caller", words(said)) == []


def test_a_phrase_heard_at_the_very_end_is_found_where_it_starts() -> None:
    rule = KeywordRule(1, 1, "call back", "callback", 20)
    assert spot([rule], "caller", words("please call back")) == [Tag("callback", 2.0, "caller", 1)]
