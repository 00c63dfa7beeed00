"""When each message goes, in the clinic's wall-clock time; pure.

Every time of day is clinic-local and becomes an instant only here, per day, so a 09:00
message goes at 09:00 in March and in November. Nothing goes in quiet hours (21:00–08:00 by
default): a message due then, or made late by an outage, goes at the next 08:00.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from clinic.scheduling.hours import wall_instant
from clinic.scheduling.intervals import from_micros


class MessageKind(StrEnum):
    CONFIRMATION = "confirmation"
    PREPARATION = "preparation"
    REMINDER = "reminder"
    RESCHEDULED = "rescheduled"
    CANCELLATION = "cancellation"
    # The clinic can no longer hold the visit as booked (a closure, time off, narrower
    # hours); sent when the front desk asks her to choose a new time.
    NEW_TIME_NEEDED = "new_time_needed"
    # After a request to choose a new time went, the setup allows the visit again (a
    # closure lifted): she is told it goes ahead as booked.
    VISIT_GOES_AHEAD = "visit_goes_ahead"
    AFTERCARE_SAME_DAY = "aftercare_same_day"
    AFTERCARE_NEXT_DAY = "aftercare_next_day"
    AFTERCARE_DAY_3 = "aftercare_day_3"
    NEXT_SESSION_DUE = "next_session_due"
    RESULTS_CHECK_IN_DUE = "results_check_in_due"

    @property
    def is_notice(self) -> bool:
        """Notices of a change to a visit still go after an unsubscribe (DOMAIN.md)."""
        return self in NOTICES


NOTICES = frozenset(
    {
        MessageKind.CONFIRMATION,
        MessageKind.RESCHEDULED,
        MessageKind.CANCELLATION,
        MessageKind.NEW_TIME_NEEDED,
        MessageKind.VISIT_GOES_AHEAD,
    }
)
VISIT_REMINDERS = (MessageKind.PREPARATION, MessageKind.REMINDER)
AFTERCARE = (
    MessageKind.AFTERCARE_SAME_DAY,
    MessageKind.AFTERCARE_NEXT_DAY,
    MessageKind.AFTERCARE_DAY_3,
)


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class MessageStatus(StrEnum):
    SCHEDULED = "scheduled"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class MessagePolicy:
    """The clinic's message settings (Clinic.quiet_hours_start and kin)."""

    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    preparation_days_before: int = 7
    preparation_at: time = time(10, 0)
    reminder_days_before: int = 2
    aftercare_at: time = time(9, 0)
    aftercare_same_day_delay: timedelta = timedelta(hours=1)
    nudge_at: time = time(10, 0)
    max_attempts: int = 5


def local_at(day: date, at: time, tz: ZoneInfo) -> datetime:
    """`at` on `day` in the clinic's zone as aware UTC; a time in the spring gap becomes
    the end of the gap, an ambiguous one its first occurrence (clinic.scheduling.hours)."""
    return from_micros(wall_instant(day, at, tz))


def in_quiet_hours(instant: datetime, tz: ZoneInfo, policy: MessagePolicy) -> bool:
    wall = instant.astimezone(tz).time()
    if policy.quiet_start > policy.quiet_end:  # across midnight, the usual case
        return wall >= policy.quiet_start or wall < policy.quiet_end
    return policy.quiet_start <= wall < policy.quiet_end


def out_of_quiet_hours(instant: datetime, tz: ZoneInfo, policy: MessagePolicy) -> datetime:
    """`instant`, or the end of the quiet hours it falls in (the next 08:00 local)."""
    if not in_quiet_hours(instant, tz, policy):
        return instant
    local_day = instant.astimezone(tz).date()
    end_today = local_at(local_day, policy.quiet_end, tz)
    return (
        end_today
        if end_today > instant
        else local_at(local_day + timedelta(days=1), policy.quiet_end, tz)
    )


@dataclass(frozen=True)
class Planned:
    kind: MessageKind
    send_at: datetime


def visit_messages(
    starts_at: datetime, booked_at: datetime, tz: ZoneInfo, policy: MessagePolicy
) -> list[Planned]:
    """The confirmation now; preparation seven days before at 10:00 when the visit is
    further away than that; the reminder two days before at the visit's own local time.
    Messages whose time has already passed at booking are not planned: the confirmation
    carries what still matters."""
    visit_local = starts_at.astimezone(tz)
    planned = [Planned(MessageKind.CONFIRMATION, booked_at)]
    preparation = local_at(
        visit_local.date() - timedelta(days=policy.preparation_days_before),
        policy.preparation_at,
        tz,
    )
    if preparation > booked_at:
        planned.append(Planned(MessageKind.PREPARATION, preparation))
    reminder = local_at(
        visit_local.date() - timedelta(days=policy.reminder_days_before),
        visit_local.time().replace(tzinfo=None),
        tz,
    )
    if reminder > booked_at:
        planned.append(Planned(MessageKind.REMINDER, reminder))
    return [Planned(p.kind, out_of_quiet_hours(p.send_at, tz, policy)) for p in planned]


# The clinic-local day each aftercare message is about, counted from the visit's day: its
# words ("no makeup today", "from today you may...") are true on that day only.
AFTERCARE_DAY = {
    MessageKind.AFTERCARE_SAME_DAY: 0,
    MessageKind.AFTERCARE_NEXT_DAY: 1,
    MessageKind.AFTERCARE_DAY_3: 3,
}


def aftercare_day(kind: MessageKind, ends_at: datetime, tz: ZoneInfo) -> date:
    """The day an aftercare message speaks of; after it, the message helps nobody."""
    return ends_at.astimezone(tz).date() + timedelta(days=AFTERCARE_DAY[kind])


def aftercare_messages(ends_at: datetime, tz: ZoneInfo, policy: MessagePolicy) -> list[Planned]:
    """An hour after the visit ends; then 09:00 the next day and on day 3. Each goes on its
    own day or not at all: a visit ending late in the evening gets no same-day message,
    since the quiet hours would hold "no makeup today" until the next morning."""
    visit_day = ends_at.astimezone(tz).date()
    planned = [
        Planned(MessageKind.AFTERCARE_SAME_DAY, ends_at + policy.aftercare_same_day_delay),
        Planned(
            MessageKind.AFTERCARE_NEXT_DAY,
            local_at(visit_day + timedelta(days=1), policy.aftercare_at, tz),
        ),
        Planned(
            MessageKind.AFTERCARE_DAY_3,
            local_at(visit_day + timedelta(days=3), policy.aftercare_at, tz),
        ),
    ]
    timed = [Planned(p.kind, out_of_quiet_hours(p.send_at, tz, policy)) for p in planned]
    return [
        p for p in timed if p.send_at.astimezone(tz).date() == aftercare_day(p.kind, ends_at, tz)
    ]


def nudge_at(day: date, tz: ZoneInfo, policy: MessagePolicy) -> datetime:
    return out_of_quiet_hours(local_at(day, policy.nudge_at, tz), tz, policy)


def retry_at(now: datetime, attempts: int) -> datetime:
    """Exponential backoff: 1, 2, 4, 8… minutes after the attempt, at most six hours."""
    return now + min(timedelta(minutes=2 ** max(0, attempts - 1)), timedelta(hours=6))


def describe_when(starts_at: datetime, tz: ZoneInfo, *, today: date) -> str:
    """A visit's time in words people use: "Tuesday 9 March at 10:00", with the year when
    it is not this year's ("Tuesday 4 January 2028 at 10:00", read in late December)."""
    local = starts_at.astimezone(tz)
    return f"{describe_day(local.date(), today=today)} at {local:%H:%M}"


def describe_day(day: date, *, today: date, weekday: bool = True) -> str:
    """A day in words: "Tuesday 9 March", or "9 March" without the weekday; the year is
    added when it is not the year of `today`."""
    words = f"{day:%A} {day.day} {day:%B}" if weekday else f"{day.day} {day:%B}"
    return words if day.year == today.year else f"{words} {day.year}"
