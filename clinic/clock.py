"""The one place that reads the clock, and the conversions between UTC and clinic time.

Everything else takes `now` as an argument. Instants are aware UTC; a clinic-local wall
time becomes an instant only here, where DST gaps and repeats are decided once:
a local time in the spring gap does not exist (NonexistentLocalTime), and a local time
in the autumn repeat means its first occurrence (fold=0).
"""

from __future__ import annotations

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
