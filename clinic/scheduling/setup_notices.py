"""Her booked visits that the clinic's setup no longer allows, in words for her.

When the clinic closes a day, shortens its hours, or a provider or room stops being
available after she booked, the visit stays booked (the front desk decides what to do),
but she should not come to a closed door: the portal says so on the visit and offers to
move it, and the message asking her to choose a new time gives the same reason. The
judging is the desk's own (clinic.scheduling.setup_fit.find_setup_misfits, with load_setup
for the visits' days, as the desk's visit page does); only the words differ, and she gets
one sentence, the reason that matters most to her, not the list.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from clinic.clock import local_day_bounds
from clinic.practice.models import Clinic
from clinic.scheduling.availability import load_setup
from clinic.scheduling.models import Appointment
from clinic.scheduling.setup_fit import (
    CLOSED,
    OUTSIDE_OPENING_HOURS,
    OUTSIDE_WORKING_HOURS,
    PROVIDER_INACTIVE,
    ROOM_OUT_OF_USE,
    TIME_OFF,
    find_setup_misfits,
)
from clinic.scheduling.status import AppointmentStatus


def _in_her_words(reasons: Sequence[str], visit: Appointment) -> str:
    if CLOSED in reasons:
        return "The clinic is closed on this day."
    if OUTSIDE_OPENING_HOURS in reasons:
        return "The clinic's opening hours on this day have changed, and your visit no longer fits."
    if {PROVIDER_INACTIVE, OUTSIDE_WORKING_HOURS, TIME_OFF} & set(reasons):
        return f"{visit.provider.name} is no longer available at this time."
    if ROOM_OUT_OF_USE in reasons:
        return "The treatment room for your visit is no longer available at this time."
    return "Your visit can no longer take place at this time."


def find_setup_notices(
    visits: Sequence[Appointment], clinic: Clinic, now: datetime
) -> dict[int, str]:
    """{visit id: why it cannot go ahead as booked}, for her visits still booked and yet to
    begin that the setup no longer allows; one setup read covers all their days."""
    judged = [v for v in visits if v.status is AppointmentStatus.BOOKED and v.starts_at >= now]
    if not judged:
        return {}
    tz = ZoneInfo(clinic.timezone)
    days = [v.starts_at.astimezone(tz).date() for v in judged]
    setup = load_setup(
        clinic, local_day_bounds(min(days), tz)[0], local_day_bounds(max(days), tz)[1]
    )
    by_id = {v.id: v for v in judged}
    return {
        visit_id: _in_her_words(reasons, by_id[visit_id])
        for visit_id, reasons in find_setup_misfits(judged, setup, tz, now).items()
    }
