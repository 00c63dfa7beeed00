"""Which booked visits on the calendar no longer fit the clinic's setup, and why, in words
the day and week views put on each visit: the day became a closure, the opening or working
hours shrank, the provider took time off or no longer works here, the room went out of use.

The day and week views judge all their visits at once from what they already loaded (the
visits, and the setup of load_setup for the days shown), so it adds no query per visit;
the visit page judges its one visit the same way.
The predicates are the booking check's: a closure hides the opening hours; [start, room
cleaned] lies inside the opening hours and [start, end] inside the provider's working
hours minus breaks (booked_visits.find_unfit, containment closed at both ends), and
touches none of her time off. As on the visit page, only visits still booked and yet to
begin are judged: a checked-in patient is already in the building, the rest is history.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from clinic.scheduling.booked_visits import find_unfit
from clinic.scheduling.models import Appointment
from clinic.scheduling.schedule import ClinicSetup
from clinic.scheduling.status import AppointmentStatus

CLOSED = "the clinic is closed that day"
OUTSIDE_OPENING_HOURS = "it does not fit in the opening hours (cleaning included)"
PROVIDER_INACTIVE = "the provider no longer works here"
OUTSIDE_WORKING_HOURS = "it falls outside the provider's working hours or in a break"
TIME_OFF = "the provider has time off then"
ROOM_OUT_OF_USE = "the room is out of use"


def find_setup_misfits(
    visits: Iterable[Appointment], setup: ClinicSetup, tz: ZoneInfo, now: datetime
) -> dict[int, tuple[str, ...]]:
    """{visit id: why it no longer fits}, for the booked visits yet to begin that the setup
    no longer allows; the others are left out. `setup` must cover the visits' days."""
    judged = [v for v in visits if v.status is AppointmentStatus.BOOKED and v.starts_at >= now]
    if not judged:
        return {}
    schedules = {schedule.provider_id: schedule for schedule in setup.providers}
    closed = {v.id for v in judged if v.starts_at.astimezone(tz).date() in setup.closures}
    outside_opening = set(
        find_unfit(
            ((v.id, v.starts_at, v.room_busy_until) for v in judged if v.id not in closed),
            setup.opening_hours,
            (),
            tz,
        )
    )
    outside_working: set[int] = set()
    for provider_id, theirs in _by_provider(judged).items():
        schedule = schedules.get(provider_id)
        if schedule is not None:
            outside_working.update(
                find_unfit(
                    ((v.id, v.starts_at, v.ends_at) for v in theirs),
                    schedule.working_hours,
                    schedule.breaks,
                    tz,
                )
            )
    rooms = set(setup.room_ids)
    found: dict[int, tuple[str, ...]] = {}
    for visit in judged:
        schedule = schedules.get(visit.provider_id)
        reasons: list[str] = []
        if visit.id in closed:
            reasons.append(CLOSED)
        elif visit.id in outside_opening:
            reasons.append(OUTSIDE_OPENING_HOURS)
        if schedule is None:
            reasons.append(PROVIDER_INACTIVE)
        else:
            if visit.id in outside_working:
                reasons.append(OUTSIDE_WORKING_HOURS)
            if any(
                visit.starts_at < off.ends_at and visit.ends_at > off.starts_at
                for off in schedule.time_off
            ):
                reasons.append(TIME_OFF)
        if visit.room_id not in rooms:
            reasons.append(ROOM_OUT_OF_USE)
        if reasons:
            found[visit.id] = tuple(reasons)
    return found


def needs_attention(reasons: Sequence[str]) -> str:
    """The sentence a misfit's badge stands for: "Needs attention: the clinic is closed
    that day; the room is out of use"."""
    return "Needs attention: " + "; ".join(reasons)


def _by_provider(visits: Iterable[Appointment]) -> dict[int, list[Appointment]]:
    grouped: dict[int, list[Appointment]] = {}
    for visit in visits:
        grouped.setdefault(visit.provider_id, []).append(visit)
    return grouped
