"""How the portal writes a date for a patient: the one helper every portal page, message
and to-do line goes through.

"Tuesday 18 May" reads well for a date this year, but for a date in another year it is
wrong by a year as easily as right, so the year is added whenever the date is not in the
current clinic-local year: "Tuesday 18 May 2027". Instants are shown in the clinic's zone.

readable_date is pure (today and the zone come in as arguments); `portal_date`, the
pages' filter, takes them from the request.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from clinic.clock import local_today, utcnow
from clinic.practice.service import clinic_zone


class DateStyle(StrEnum):
    LONG = "long"  # Tuesday 18 May
    SHORT = "short"  # Tue 18 May
    DAY = "day"  # 18 May (the month in full)
    DAY_SHORT = "day_short"  # 18 May (the month abbreviated), for the day chips


def readable_date(
    value: date | datetime,
    *,
    today: date,
    tz: ZoneInfo,
    style: DateStyle | str = DateStyle.LONG,
    with_time: bool = False,
) -> str:
    """`value` in words, the year only when it is not today's year; `with_time` adds the
    clinic-local time of an instant ("Tue 18 May 2027, 10:00")."""
    moment = value.astimezone(tz) if isinstance(value, datetime) else None
    day = moment.date() if moment is not None else value
    chosen = DateStyle(style)
    if chosen is DateStyle.LONG:
        text = f"{day:%A} {day.day} {day:%B}"
    elif chosen is DateStyle.SHORT:
        text = f"{day:%a} {day.day} {day:%b}"
    elif chosen is DateStyle.DAY:
        text = f"{day.day} {day:%B}"
    else:
        text = f"{day.day} {day:%b}"
    if day.year != today.year:
        text += f" {day.year}"
    if with_time and moment is not None:
        text += f", {moment:%H:%M}"
    return text


def on_day(day: date, *, today: date, tz: ZoneInfo) -> str:
    """ "today", "tomorrow", or "on Monday 7 December": for the days close at hand, a date
    alone makes her count."""
    if day == today:
        return "today"
    if day == today + timedelta(days=1):
        return "tomorrow"
    return f"on {readable_date(day, today=today, tz=tz)}"


def portal_date(
    value: date | datetime | None, style: str = DateStyle.LONG, with_time: bool = False
) -> str:
    """The `portal_date` filter: {{ visit.starts_at|portal_date }},
    {{ day|portal_date('short') }}, {{ visit.starts_at|portal_date('long', with_time=True) }};
    today is the clinic-local date of this request."""
    if value is None:
        return ""
    tz = clinic_zone()
    return readable_date(
        value, today=local_today(tz, utcnow()), tz=tz, style=style, with_time=with_time
    )
