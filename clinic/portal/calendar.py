"""Visits as iCalendar: one event per visit, for a download or the private feed.

Times carry the clinic's zone (TZID, with its VTIMEZONE), so a phone shows the right hour
whatever its own zone and across DST. Titles name the clinic, never the treatment, because
calendars sync everywhere (DOMAIN.md); the details stay in the portal. An event keeps its
UID for good; its SEQUENCE counts the changes a calendar must take over (a move, a
cancellation, a no-show: RFC 5545 3.8.7.4), so a phone replaces the old time instead of
keeping it, and LAST-MODIFIED is the visit's latest change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from sqlalchemy import case, func, select

from clinic.display import phone_as_read
from clinic.extensions import db
from clinic.practice.models import Clinic
from clinic.scheduling.models import Appointment, AppointmentEvent
from clinic.scheduling.status import AppointmentStatus


def event_title(clinic: Clinic) -> str:
    return f"Visit at {clinic.name}"


# The events of a visit's history that change what a calendar shows.
CALENDAR_CHANGES = ("rescheduled", "cancelled", "no_show")


class Revision(NamedTuple):
    sequence: int
    last_modified: datetime | None


def visit_revisions(visit_ids: Sequence[int]) -> dict[int, Revision]:
    """Each visit's SEQUENCE and LAST-MODIFIED, from its history, in one read."""
    if not visit_ids:
        return {}
    event = AppointmentEvent
    changes = func.sum(case((event.kind.in_(CALENDAR_CHANGES), 1), else_=0))
    rows = db.session.execute(
        select(event.appointment_id, changes, func.max(event.at))
        .where(event.appointment_id.in_(visit_ids))
        .group_by(event.appointment_id)
    )
    return {visit_id: Revision(int(count or 0), latest) for visit_id, count, latest in rows}


def visits_calendar(
    visits: Sequence[Appointment],
    *,
    clinic: Clinic,
    now: datetime,
    base_url: str,
    uid_domain: str,
) -> bytes:
    tz = ZoneInfo(clinic.timezone)
    calendar = Calendar()
    calendar.add("prodid", "-//clinic//patient portal//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", clinic.name)
    calendar.add("x-wr-timezone", clinic.timezone)
    revisions = visit_revisions([visit.id for visit in visits])
    for visit in visits:
        revision = revisions.get(visit.id, Revision(0, None))
        event = Event()
        event.add("uid", f"visit-{visit.id}@{uid_domain}")
        event.add("dtstamp", now)
        event.add("sequence", revision.sequence)
        if revision.last_modified is not None:
            event.add("last-modified", revision.last_modified)
        event.add("dtstart", visit.starts_at.astimezone(tz))
        event.add("dtend", visit.ends_at.astimezone(tz))
        event.add("summary", event_title(clinic))
        if clinic.address:
            event.add("location", clinic.address)
        event.add(
            "description",
            f"Details and how to prepare: {base_url}/portal/appointments/{visit.id}\n"
            f"To change it, call {phone_as_read(clinic.phone)}.",
        )
        cancelled = visit.status in (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW)
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
