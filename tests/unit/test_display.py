"""How stored values read on pages (clinic.display): phones, spans of clinic time and
short days."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from clinic.clock import to_utc
from clinic.display import readable_phone, readable_span, short_day
from tests.clinics import LA


@pytest.mark.parametrize(
    ("stored", "region", "shown"),
    [
        ("+14155550123", "US", "(415) 555-0123"),
        ("+16045550123", "US", "(604) 555-0123"),  # Canada shares +1: dialled the same way
        ("+442079460958", "US", "+44 20 7946 0958"),
        ("+447700900123", "US", "+44 7700 900123"),
        ("+442079460958", "GB", "020 7946 0958"),
        ("+14155550123", "GB", "+1 415-555-0123"),
        ("ines@example.com", "US", "ines@example.com"),  # not a phone: unchanged
        ("+1", "US", "+1"),
        ("", "US", ""),
        (None, "US", ""),
    ],
)
def test_readable_phone(stored: str | None, region: str, shown: str) -> None:
    assert readable_phone(stored, region) == shown


def local(text: str) -> datetime:
    return to_utc(datetime.fromisoformat(text), LA)


@pytest.mark.parametrize(
    ("starts", "ends", "shown"),
    [
        ("2027-03-01T00:00", "2027-03-02T00:00", "all day, Monday 1 March 2027"),
        (
            "2027-03-01T00:00",
            "2027-03-04T00:00",
            "Monday 1 March – Wednesday 3 March 2027 (all day)",
        ),
        (
            "2027-12-30T00:00",
            "2028-01-03T00:00",
            "Thursday 30 December 2027 – Sunday 2 January 2028 (all day)",
        ),
        # Spring forward and fall back: 23 and 25 hours, still one whole day each.
        ("2027-03-14T00:00", "2027-03-15T00:00", "all day, Sunday 14 March 2027"),
        ("2027-11-07T00:00", "2027-11-08T00:00", "all day, Sunday 7 November 2027"),
        ("2027-03-01T09:00", "2027-03-01T13:00", "Mon 1 Mar 2027, 09:00 – 13:00"),
        ("2027-03-01T00:00", "2027-03-01T12:00", "Mon 1 Mar 2027, 00:00 – 12:00"),
        ("2027-03-01T13:00", "2027-03-03T00:00", "Mon 1 Mar 2027, 13:00 – Wed 3 Mar 2027, 00:00"),
    ],
)
def test_readable_span(starts: str, ends: str, shown: str) -> None:
    assert readable_span(local(starts), local(ends), LA) == shown


@pytest.mark.parametrize(
    ("value", "with_time", "shown"),
    [
        (date(2026, 5, 10), False, "Sun 10 May"),
        (date(2027, 5, 10), False, "Mon 10 May 2027"),
        (date(2025, 12, 30), False, "Tue 30 Dec 2025"),
        (datetime(2026, 5, 10, 16, 30, tzinfo=UTC), True, "Sun 10 May, 09:30"),
        (datetime(2027, 5, 10, 16, 30, tzinfo=UTC), True, "Mon 10 May 2027, 09:30"),
        # 05:00 UTC on New Year's Day is still 31 December in Los Angeles: this year.
        (datetime(2027, 1, 1, 5, 0, tzinfo=UTC), True, "Thu 31 Dec, 21:00"),
        (datetime(2027, 1, 1, 5, 0, tzinfo=UTC), False, "Thu 31 Dec"),
        (date(2027, 1, 1), True, "Fri 1 Jan 2027"),  # a date has no time to add
    ],
)
def test_short_day_shows_the_year_only_outside_the_current_one(
    value: date, with_time: bool, shown: str
) -> None:
    assert short_day(value, today=date(2026, 11, 25), zone=LA, with_time=with_time) == shown
