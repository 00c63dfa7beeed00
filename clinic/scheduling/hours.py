"""Weekly wall-clock hours, and what they mean as instants on one clinic-local day.

Opening hours, working hours and breaks are stored as local wall-clock times for a weekday
(weekday 0 is Monday), never as instants, so that 09:00 stays 09:00 in summer and winter
(DOMAIN.md: peers shift working hours by an hour at DST changes). They become instants only
here, one day at a time, with two rules for the days the clocks change:

- a boundary in the spring gap (02:30 when the clocks jump from 02:00 to 03:00) is the
  moment the gap ends, the first wall-clock time that exists after it: hours "from 02:30"
  begin at 03:00 that day, hours "until 02:30" end at 03:00;
- an ambiguous boundary (01:30 when the clocks fall back) is its first occurrence, as
  everywhere in clinic (API.md, Conventions).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from clinic.clock import exists_locally
from clinic.scheduling.intervals import MINUTE, Span, from_micros, merge, to_micros

_SECOND = 1_000_000
_DAY = 24 * 60 * MINUTE
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class WeeklyHours:
    """A stretch of one weekday in clinic-local wall-clock time, [starts_at, ends_at)."""

    weekday: int
    starts_at: time
    ends_at: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday {self.weekday} is not 0 (Monday) to 6 (Sunday)")
        if not self.starts_at < self.ends_at:
            raise ValueError(f"{self.starts_at} is not before {self.ends_at}")


def wall_instant(day: date, at: time, tz: ZoneInfo) -> int:
    """The instant (microseconds since the epoch) of the wall-clock time `at` on `day`.

    An ambiguous time is its first occurrence; a time in the spring gap is the moment the gap
    ends (see the module docstring), so hours that straddle or touch the gap keep their
    real length instead of gaining or losing an hour.
    """
    offset = _steady_offset(day, tz)
    if offset is not None:
        return _wall_micros(day, at) - offset
    local = datetime.combine(day, at, tzinfo=tz)
    if exists_locally(local):
        return to_micros(local.astimezone(UTC))
    return _gap_end(local, tz)


def _gap_end(local: datetime, tz: ZoneInfo) -> int:
    """The transition instant of the DST gap that contains the wall time `local`.

    Read with the offset before the change (fold=0) the wall time lands after the
    transition, with the offset after it (fold=1) before, so the transition lies between; a
    bisection over whole seconds finds the first instant with the new offset.
    """
    bounds = sorted(to_micros(local.replace(fold=fold).astimezone(UTC)) for fold in (0, 1))
    low, high = bounds[0] // _SECOND, -(-bounds[1] // _SECOND)
    new_offset = from_micros(high * _SECOND).astimezone(tz).utcoffset()
    while low < high:
        middle = (low + high) // 2
        if from_micros(middle * _SECOND).astimezone(tz).utcoffset() == new_offset:
            high = middle
        else:
            low = middle + 1
    return high * _SECOND


def day_spans(hours: Iterable[WeeklyHours], day: date, tz: ZoneInfo) -> list[Span]:
    """The rows of `hours` for `day`'s weekday as merged instants (sorted, disjoint)."""
    weekday = day.weekday()
    shift = placement(day, tz)
    if shift is not None:
        return place(day_pattern(hours, weekday), shift)
    return merge(
        (wall_instant(day, row.starts_at, tz), wall_instant(day, row.ends_at, tz))
        for row in hours
        if row.weekday == weekday
    )


def day_pattern(hours: Iterable[WeeklyHours], weekday: int) -> list[Span]:
    """The rows of `hours` for `weekday` as merged spans of microseconds after local
    midnight: the shape of such a day, the same every week, before `place` puts it in time."""
    return merge(
        (_micros_of_day(row.starts_at), _micros_of_day(row.ends_at))
        for row in hours
        if row.weekday == weekday
    )


def placement(day: date, tz: ZoneInfo) -> int | None:
    """What `place` adds to a day pattern to give the instants of `day`; None on a day
    whose UTC offset changes (DST), where only wall_instant's careful path is right."""
    offset = _steady_offset(day, tz)
    if offset is None:
        return None
    return (day.toordinal() - _EPOCH_ORDINAL) * _DAY - offset


def place(pattern: list[Span], shift: int) -> list[Span]:
    """A day pattern as instants: each span moved by `shift` (see `placement`)."""
    return [(start + shift, end + shift) for start, end in pattern]


def _micros_of_day(at: time) -> int:
    return ((at.hour * 60 + at.minute) * 60 + at.second) * _SECOND + at.microsecond


def grid_starts(
    hours: Iterable[WeeklyHours], day: date, tz: ZoneInfo, grid_minutes: int
) -> list[int]:
    """Candidate start instants on `day`: every `grid_minutes` of wall-clock time from each
    opening time (09:00, 09:15, ...) while before its closing time, earliest first.

    The grid is local wall-clock time, so patients see round times on DST days too. A wall
    time in the spring gap does not exist and is never offered; an ambiguous one in the
    autumn repeat is offered once, as its first occurrence, because a patient told "01:30"
    could not tell which one is meant.
    """
    if grid_minutes <= 0:
        raise ValueError("the slot grid must be at least one minute")
    step = timedelta(minutes=grid_minutes)
    weekday = day.weekday()
    offset = _steady_offset(day, tz)
    starts: set[int] = set()
    for row in hours:
        if row.weekday != weekday:
            continue
        if offset is not None:
            opens, closes_at = _wall_micros(day, row.starts_at), _wall_micros(day, row.ends_at)
            starts.update(range(opens - offset, closes_at - offset, grid_minutes * MINUTE))
            continue
        wall = datetime.combine(day, row.starts_at)
        closes = datetime.combine(day, row.ends_at)
        while wall < closes:
            local = wall.replace(tzinfo=tz)
            if exists_locally(local):
                starts.add(to_micros(local.astimezone(UTC)))
            wall += step
    return sorted(starts)


@lru_cache(maxsize=4096)
def _steady_offset(day: date, tz: ZoneInfo) -> int | None:
    """The zone's UTC offset on `day` in microseconds, or None when it changes that day.

    Most days have one offset from midnight to midnight; then a wall time is an instant by
    subtraction, which keeps a two-week search fast. DST days take the careful path.
    """
    first = tz.utcoffset(datetime.combine(day, time.min))
    last = tz.utcoffset(datetime.combine(day, time.max))
    if first is None or first != last:
        return None
    return first // _MICROSECOND


def _wall_micros(day: date, at: time) -> int:
    """The wall-clock time as if it were UTC: the zone's offset is subtracted by callers."""
    return to_micros(datetime.combine(day, at, tzinfo=UTC))


def local_day_of(micros: int, tz: ZoneInfo) -> date:
    """The clinic-local date of an instant."""
    return from_micros(micros).astimezone(tz).date()
