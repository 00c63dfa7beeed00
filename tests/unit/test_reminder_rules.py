"""When aftercare goes: each message on the day its words are about, never in quiet hours."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from clinic.reminders.rules import MessageKind, MessagePolicy, aftercare_messages

LA = ZoneInfo("America/Los_Angeles")


def _planned(ends: datetime) -> dict[MessageKind, str]:
    return {
        p.kind: p.send_at.astimezone(LA).strftime("%Y-%m-%d %H:%M")
        for p in aftercare_messages(ends, LA, MessagePolicy())
    }


@pytest.mark.parametrize(
    ("ends", "same_day"),
    [
        ("2027-03-25 11:20", "2027-03-25 12:20"),  # an hour after she leaves
        ("2027-03-25 19:59", "2027-03-25 20:59"),  # the last minute before the quiet hours
        ("2027-03-25 20:15", None),  # "no makeup today" would wait until tomorrow: not sent
        ("2027-03-14 11:00", "2027-03-14 12:00"),  # the spring change's day
        ("2027-11-07 11:00", "2027-11-07 12:00"),  # the autumn change's day
        ("2027-03-31 16:00", "2027-03-31 17:00"),  # the next day is in April
        ("2028-02-28 16:00", "2028-02-28 17:00"),  # the next day is the leap day
    ],
)
def test_aftercare_goes_on_its_own_day_or_not_at_all(ends: str, same_day: str | None) -> None:
    visit_end = datetime.strptime(ends, "%Y-%m-%d %H:%M").replace(tzinfo=LA)
    planned = _planned(visit_end)
    assert planned.get(MessageKind.AFTERCARE_SAME_DAY) == same_day
    day = visit_end.date()
    assert planned[MessageKind.AFTERCARE_NEXT_DAY] == f"{day + timedelta(days=1)} 09:00"
    assert planned[MessageKind.AFTERCARE_DAY_3] == f"{day + timedelta(days=3)} 09:00"
