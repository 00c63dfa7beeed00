"""Visits as iCalendar: one event per visit, for a download or the private feed.

Times carry the clinic's zone (TZID, with its VTIMEZONE), so a phone shows the right hour
whatever its own zone and across DST. Titles name the clinic, never the treatment, because
calendars sync everywhere (DOMAIN.md); the details stay in the portal.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from clinic.practice.models import Clinic
from clinic.scheduling.models import Appointment
from clinic.scheduling.status import AppointmentStatus


def event_title(clinic: Clinic) -> str:
    return f"Visit at {clinic.name}"


def visits_calendar(
    visits: Iterable[Appointment],
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
    for visit in visits:
        event = Event()
        event.add("uid", f"visit-{visit.id}@{uid_domain}")
        event.add("dtstamp", now)
        event.add("dtstart", visit.starts_at.astimezone(tz))
        event.add("dtend", visit.ends_at.astimezone(tz))
        event.add("summary", event_title(clinic))
        if clinic.address:
            event.add("location", clinic.address)
        event.add(
            "description",
            f"Details and how to prepare: {base_url}/portal/appointments/{visit.id}\n"
            f"To change it, call {clinic.phone}.",
        )
        cancelled = visit.status in (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW)
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
