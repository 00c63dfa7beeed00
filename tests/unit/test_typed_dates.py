"""A typed date is read, or refused with why it is no date."""

from __future__ import annotations

from datetime import date

import pytest

from clinic.clock import NotADate, read_typed_date


def test_a_real_date_is_read_spaces_and_all() -> None:
    assert read_typed_date(" 2028-02-29 ") == date(2028, 2, 29)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("2027-02-30", "2027-02-30 is not a date: February 2027 has 28 days."),
        ("2027-02-29", "2027-02-29 is not a date: February 2027 has 28 days."),
        ("2027-04-31", "2027-04-31 is not a date: April 2027 has 30 days."),
        ("2027-13-01", "There is no month 13: months go from 01 to 12."),
        ("2027-00-10", "There is no month 00: months go from 01 to 12."),
        ("0000-01-01", "There is no year 0000."),
        ("20270423", "Use the form YYYY-MM-DD, for example 1988-04-23."),
        ("2027-W16-6", "Use the form YYYY-MM-DD, for example 1988-04-23."),
        ("04/23/2027", "Use the form YYYY-MM-DD, for example 1988-04-23."),
        ("２０２７-０１-０１", "Use the form YYYY-MM-DD, for example 1988-04-23."),
        ("", "Use the form YYYY-MM-DD, for example 1988-04-23."),
    ],
)
def test_what_is_no_date_says_why(text: str, why: str) -> None:
    with pytest.raises(NotADate) as refusal:
        read_typed_date(text)
    assert str(refusal.value) == why
