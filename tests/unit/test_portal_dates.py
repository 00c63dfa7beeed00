"""Days in the portal's words: "today" and "tomorrow" where a date would make her count,
the year only when it is not this year's."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from clinic.portal.dates import on_day

LA = ZoneInfo("America/Los_Angeles")


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (date(2026, 12, 31), "today"),
        (date(2027, 1, 1), "tomorrow"),  # across the new year
        (date(2027, 1, 2), "on Saturday 2 January 2027"),
        (date(2026, 12, 30), "on Wednesday 30 December"),
    ],
)
def test_on_day(day: date, words: str) -> None:
    assert on_day(day, today=date(2026, 12, 31), tz=LA) == words
