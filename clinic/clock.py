"""The one place that reads the clock, and the conversions between UTC and clinic time.

Everything else takes `now` as an argument. Instants are aware UTC; a clinic-local wall
time becomes an instant only here, where DST gaps and repeats are decided once:
a local time in the spring gap does not exist (NonexistentLocalTime), and a local time
in the autumn repeat means its first occurrence (fold=0). A date a person typed is read
here too (`read_typed_date`), so that the pages, the API and the portal answer a date that
is no date (2027-02-30) in the same words.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


class NonexistentLocalTime(ValueError):
    """A wall-clock time skipped by a DST change, such as 02:30 on a spring-forward day."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_today(tz: ZoneInfo, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(tz).date()


def exists_locally(local: datetime) -> bool:
    """True unless `local` (naive wall time with tzinfo attached) falls in a DST gap."""
    round_trip = local.astimezone(UTC).astimezone(local.tzinfo)
    return round_trip.replace(tzinfo=None) == local.replace(tzinfo=None)


def to_utc(wall: datetime, tz: ZoneInfo) -> datetime:
    """A naive clinic-local wall time as an aware UTC instant.

    Raises NonexistentLocalTime in a DST gap; an ambiguous time is its first occurrence.
    """
    if wall.tzinfo is not None:
        return wall.astimezone(UTC)
    local = wall.replace(tzinfo=tz, fold=0)
    if not exists_locally(local):
        raise NonexistentLocalTime(f"{wall:%Y-%m-%d %H:%M} does not exist in {tz.key}")
    return local.astimezone(UTC)


def combine_local(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of `at` on `day` in the clinic's zone (see to_utc)."""
    return to_utc(datetime.combine(day, at), tz)


def local_day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a clinic-local day in UTC; 23 or 25 hours long on DST days."""
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return start, end


ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits only, as API.md writes
WRITE_IT_SO = "Use the form YYYY-MM-DD, for example 1988-04-23."


class NotADate(ValueError):
    """The text is no date; its message says why, in a sentence for the person who typed it."""


def read_typed_date(text: str) -> date:
    """The date `text` names, or NotADate with why not. Only YYYY-MM-DD: Python's
    `date.fromisoformat` alone would also take "20270423" or "2027-W16-6"."""
    text = text.strip()
    if not ISO_DATE.fullmatch(text):
        raise NotADate(WRITE_IT_SO)
    year, month, day = (int(part) for part in text.split("-"))
    if year == 0:
        raise NotADate("There is no year 0000.")
    if not 1 <= month <= 12:
        raise NotADate(f"There is no month {month:02d}: months go from 01 to 12.")
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise NotADate(
            f"{text} is not a date: {calendar.month_name[month]} {year} has {days} days."
        )
    return date(year, month, day)
