"""Patient details: search terms and age."""

from __future__ import annotations

from datetime import date

import pytest

from clinic.patients.rules import age_on, day_turning, folded, search_terms


@pytest.mark.parametrize(
    ("typed", "name", "email", "digits"),
    [
        ("Rivera, Elena", "elena rivera", "rivera,elena", ""),  # as the lists show names
        ("  maya   LINDQVIST ", "maya lindqvist", "mayalindqvist", ""),
        ("(415) 555-0134", "(415) 555 0134", "(415)555-0134", "4155550134"),
        ("Thompson-Nguyễn", "thompson nguyen", "thompson-nguyễn", ""),
        ("O’Brien", "obrien", "o’brien", ""),
        ("Maya.Lopez@Example.com", "mayalopez@examplecom", "maya.lopez@example.com", ""),
    ],
)
def test_search_terms(typed: str, name: str, email: str, digits: str) -> None:
    assert search_terms(typed, "US") == (name, email, digits, None)


@pytest.mark.parametrize(
    ("typed", "born"),
    [
        ("1990-05-01", date(1990, 5, 1)),  # as the lists show it
        (" 05/01/1990 ", date(1990, 5, 1)),  # as Americans write it
        ("2008-02-29", date(2008, 2, 29)),
        ("2007-02-29", None),  # no such day: searched as digits
        ("1990", None),
        ("415-555-0134", None),
    ],
)
def test_a_date_of_birth_is_read_from_the_search(typed: str, born: date | None) -> None:
    assert search_terms(typed, "US").born == born


def test_a_date_with_slashes_reads_in_the_clinics_order() -> None:
    assert search_terms("05/01/1990", "US").born == date(1990, 5, 1)
    assert search_terms("05/01/1990", "GB").born == date(1990, 1, 5)
    assert search_terms("1990-05-01", "GB").born == date(1990, 5, 1)
    assert search_terms("05/01/1990", "us").born == date(1990, 5, 1)  # as configured


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("Thompson-Nguyễn", "nguyen"),
        ("Thompson-Nguyễn", "thompson nguyen"),
        ("Zoë Ångström", "zoe angstrom"),
        ("Chloé O'Brien", "chloe obrien"),
        ("St. John-Smith", "st john smith"),
        ("STRASSE", "straße"),
    ],
)
def test_a_name_is_found_without_its_accents_or_punctuation(stored: str, typed: str) -> None:
    assert search_terms(typed, "US").name in folded(stored)


def test_a_leap_day_birthday_ages_on_the_first_of_march() -> None:
    born = date(2008, 2, 29)
    assert age_on(born, date(2026, 2, 28)) == 17
    assert age_on(born, date(2026, 3, 1)) == 18
    assert day_turning(born, 18) == date(2026, 3, 1)
    assert day_turning(born, 20) == date(2028, 2, 29)  # a leap year: her own birthday
    assert day_turning(date(2007, 12, 31), 18) == date(2025, 12, 31)
