"""Patient details: search terms and age."""

from __future__ import annotations

from datetime import date

import pytest

from clinic.patients.rules import age_on, search_terms


@pytest.mark.parametrize(
    ("typed", "text", "digits"),
    [
        ("Rivera, Elena", "elena rivera", ""),  # as the lists show names
        ("  maya   LINDQVIST ", "maya lindqvist", ""),
        ("(415) 555-0134", "(415) 555-0134", "4155550134"),
    ],
)
def test_search_terms(typed: str, text: str, digits: str) -> None:
    assert search_terms(typed) == (text, digits)


def test_a_leap_day_birthday_ages_on_the_first_of_march() -> None:
    born = date(2008, 2, 29)
    assert age_on(born, date(2026, 2, 28)) == 17
    assert age_on(born, date(2026, 3, 1)) == 18
