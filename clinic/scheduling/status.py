"""An appointment's status and the changes allowed between them (API.md, "Status changes").

booked -> checked_in     on the visit's clinic-local day; microneedling also needs a
                         screening from the last days (health changes between booking and
                         visit: a cold sore, a sunburn)
booked -> completed      not before the start: a visit cannot be done before it begins
checked_in -> completed  not before the start
booked -> no_show        not before the start: she is not late until the time has come
booked -> cancelled      any time; under the late-cancel hours before the start it is
                         flagged late (health services ask for notice, DOMAIN.md)

Anything else is refused (a 422): completed, cancelled and no-show visits are history, and a
checked-in patient is in the building, so her visit is completed rather than cancelled.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"

    @property
    def holds_time(self) -> bool:
        """Booked, checked-in and completed visits hold their time; the others free it."""
        return self in HOLDING_TIME


HOLDING_TIME = frozenset(
    {AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN, AppointmentStatus.COMPLETED}
)

TRANSITIONS: dict[AppointmentStatus, frozenset[AppointmentStatus]] = {
    AppointmentStatus.BOOKED: frozenset(
        {
            AppointmentStatus.CHECKED_IN,
            AppointmentStatus.COMPLETED,
            AppointmentStatus.NO_SHOW,
            AppointmentStatus.CANCELLED,
        }
    ),
    AppointmentStatus.CHECKED_IN: frozenset({AppointmentStatus.COMPLETED}),
    AppointmentStatus.COMPLETED: frozenset(),
    AppointmentStatus.CANCELLED: frozenset(),
    AppointmentStatus.NO_SHOW: frozenset(),
}
"""Every allowed change, by current status; the timing rules come on top."""

_VERBS = {
    AppointmentStatus.CHECKED_IN: "checked in",
    AppointmentStatus.COMPLETED: "completed",
    AppointmentStatus.NO_SHOW: "marked as a no-show",
    AppointmentStatus.CANCELLED: "cancelled",
    AppointmentStatus.BOOKED: "booked again",
}

_STATES = {
    AppointmentStatus.BOOKED: "booked",
    AppointmentStatus.CHECKED_IN: "checked in",
    AppointmentStatus.COMPLETED: "completed",
    AppointmentStatus.CANCELLED: "cancelled",
    AppointmentStatus.NO_SHOW: "a no-show",
}


def transition_refusal(
    current: AppointmentStatus,
    target: AppointmentStatus,
    *,
    starts_at: datetime,
    now: datetime,
    tz: ZoneInfo,
) -> str | None:
    """None when the change is allowed now (by status and time), else one sentence saying
    why not. A microneedling check-in also needs a fresh screening: that is judged with
    the screening's answers (scheduling.screenings.check_in_screening_problem)."""
    if target not in TRANSITIONS[current]:
        if current == target:
            return f"The visit is already {_STATES[current]}."
        return f"A visit that is {_STATES[current]} cannot be {_VERBS[target]}."
    if target is AppointmentStatus.CHECKED_IN:
        visit_day = starts_at.astimezone(tz).date()
        if now.astimezone(tz).date() != visit_day:
            return f"A visit can be checked in only on its day, {visit_day.isoformat()}."
    if target in (AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW) and now < starts_at:
        return f"A visit cannot be {_VERBS[target]} before it starts."
    return None


def is_late_cancellation(starts_at: datetime, now: datetime, late_hours: int) -> bool:
    """True when a cancellation comes under `late_hours` before the start (or after it).

    Late cancellations are flagged because a slot freed at short notice is rarely filled.
    """
    return starts_at - now < timedelta(hours=late_hours)


# A patient a few minutes late is not a no-show yet, and a no-show cannot be undone: the
# desk's button waits this long after the start (the API, as API.md, allows it at the start).
NO_SHOW_GRACE = timedelta(minutes=15)


def no_show_offered_from(starts_at: datetime) -> datetime:
    return starts_at + NO_SHOW_GRACE
