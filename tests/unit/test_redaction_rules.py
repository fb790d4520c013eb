"""Redaction at its edges: card lengths 13-19 with the Luhn check, a code of 3-4 digits within
eight words of its cue, written numbers with dashes, and spoken e-mails masked exactly."""

from __future__ import annotations

import pytest

from callscope.domain.redaction import luhn, redact_text


def with_check_digit(body: str) -> str:
    """`body` and the digit that makes it pass the Luhn check (computed the textbook way)."""
    total = 0
    for position, char in enumerate(reversed(body)):
        doubled = int(char) * 2 if position % 2 == 0 else int(char)
        total += doubled // 10 + doubled % 10
    return body + str((10 - total % 10) % 10)


def test_luhn_folds_a_doubled_five_into_one() -> None:
    assert luhn("5555555555554444") is True  # a Mastercard test number: doubled 5s count 1
    assert luhn("59") is True and luhn("58") is False


@pytest.mark.parametrize("length", [13, 16, 19])
def test_a_written_card_number_of_13_to_19_digits_is_masked(length: int) -> None:
    number = with_check_digit("4" + "1" * (length - 2))
    assert len(number) == length and luhn(number)
    assert redact_text(f"card {number} ok") == "card [card] ok"


@pytest.mark.parametrize("length", [12, 20])
def test_longer_or_shorter_written_numbers_are_not_cards(length: int) -> None:
    number = with_check_digit("4" + "1" * (length - 2))
    assert luhn(number)
    assert redact_text(f"ref {number} ok") == f"ref {number} ok"


def test_a_card_written_with_dashes_is_masked() -> None:
    assert redact_text("card 4111-1111-1111-1111 ok") == "card [card] ok"


@pytest.mark.parametrize(
    ("said", "kept"),
    [
        ("cvv 1234 ok", "cvv [code] ok"),
        ("cvv 12345 ok", "cvv 12345 ok"),
        ("security code is a b c d e f 123", "security code is a b c d e f [code]"),
        ("security code is a b c d e f g 123", "security code is a b c d e f g 123"),
    ],
)
def test_a_code_is_3_or_4_digits_within_eight_words_of_its_cue(said: str, kept: str) -> None:
    assert redact_text(said) == kept


@pytest.mark.parametrize(
    ("said", "kept"),
    [
        ("write john at example dot com thanks", "write" + " [email]" * 5 + " thanks"),
        ("at example dot com now", "at example dot com now"),  # no name before "at"
        ("visit our site dot com", "visit our site dot com"),  # no "at"
        ("see the dot com era", "see the dot com era"),
        ("meet john at example dot", "meet john at example dot"),  # no domain after "dot"
        ("meet john at example", "meet john at example"),
    ],
)
def test_a_spoken_email_masks_the_name_host_and_domain_only(said: str, kept: str) -> None:
    assert redact_text(said) == kept
