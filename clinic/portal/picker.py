"""The portal's time picker: what is being booked or moved, the free times by day, and the
one time she chose, read back from a link or a form.

Choosing a time only opens a confirm step (a GET with `start` and `provider_id`); the
confirm form's POST is what books or moves, so one stray tap on a phone changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from clinic.clock import local_today
from clinic.db import is_possible_id
from clinic.errors import RuleBroken
from clinic.extensions import db
from clinic.operations import find_open_times
from clinic.patients.models import Patient
from clinic.plans.models import PlannedSession
from clinic.practice.models import Clinic, Provider, Service
from clinic.scheduling.availability import AvailabilityQuery
from clinic.scheduling.models import Appointment
from clinic.web import is_sane_date

LONGEST_SEARCH = timedelta(days=62)
CHOOSE_AGAIN = "Choose one of the times shown."


@dataclass(frozen=True)
class Choice:
    start_utc: datetime
    provider_id: int
    provider_name: str


@dataclass(frozen=True)
class Target:
    """What is being booked or moved (`current`: the visit being moved), and the days it
    may fall on."""

    title: str
    window_start: date
    window_end: date
    services: list[Service]
    service: Service
    planned_session: PlannedSession | None = None
    current: Appointment | None = None

    @property
    def ignore_appointment_id(self) -> int | None:
        return self.current.id if self.current is not None else None


@dataclass(frozen=True)
class Picked:
    """The time she chose: an instant and the provider offered with it."""

    starts_at: datetime
    provider_id: int


def search_days(target: Target, today: date) -> tuple[date, date] | None:
    """The days to look for times in: the window from today on, at most LONGEST_SEARCH."""
    from_on = max(target.window_start, today)
    to_on = min(target.window_end, from_on + LONGEST_SEARCH)
    return (from_on, to_on) if from_on <= to_on else None


def open_choices(
    target: Target, patient: Patient, *, clinic: Clinic, now: datetime, on: date | None = None
) -> dict[date, list[Choice]]:
    """Free times by clinic-local day, one per start time (her usual provider first); with
    `on`, that day's only (the confirm step checks one time: no need to search the window)."""
    tz = ZoneInfo(clinic.timezone)
    days = search_days(target, local_today(tz, now))
    if days is None or (on is not None and not days[0] <= on <= days[1]):
        return {}
    if on is not None:
        days = (on, on)
    slots = find_open_times(
        AvailabilityQuery(
            target.service,
            days[0],
            days[1],
            patient=patient,
            ignore_appointment_id=target.ignore_appointment_id,
            is_cleared=target.current is not None and target.current.clearance_reason is not None,
        ),
        clinic=clinic,
        now=now,
        planned_session=target.planned_session,
    )
    usual = _usual_provider(patient.id)
    names = {p.id: p.name for p in db.session.scalars(db.select(Provider))}
    by_day: dict[date, dict[datetime, Choice]] = {}
    for slot in slots:
        day = slot.start_utc.astimezone(tz).date()
        times = by_day.setdefault(day, {})
        if slot.start_utc not in times or slot.provider_id == usual:
            times[slot.start_utc] = Choice(
                slot.start_utc, slot.provider_id, names.get(slot.provider_id, "")
            )
    return {day: sorted(times.values(), key=lambda c: c.start_utc) for day, times in by_day.items()}


def _usual_provider(patient_id: int) -> int | None:
    visit = db.session.scalar(
        db.select(Appointment)
        .where(Appointment.patient_id == patient_id)
        .order_by(Appointment.starts_at.desc())
        .limit(1)
    )
    return visit.provider_id if visit else None


def opening_day(days: list[date], *, asked: str, current_on: date | None) -> date | None:
    """The day the picker shows: the one she asked for (`day=` in the link), else the day of
    the visit she is moving, so her own time is in view among the others, else the first."""
    found = next((d for d in days if d.isoformat() == asked), None)
    if found is None and current_on in days:
        found = current_on
    return found or (days[0] if days else None)


def read_pick(values: Mapping[str, str]) -> Picked:
    """The chosen time from a time link or the confirm form: `start` (ISO 8601 with an
    offset) and `provider_id`. Anything else asks her to choose again."""
    refusal = RuleBroken(CHOOSE_AGAIN, {"start": "Choose a time."})
    try:
        starts_at = datetime.fromisoformat(values.get("start", ""))
        provider_id = int(values.get("provider_id", ""))
    except ValueError as error:
        raise refusal from error
    if starts_at.tzinfo is None or not is_possible_id(provider_id):
        raise refusal
    if not is_sane_date(starts_at.date()):
        raise refusal
    return Picked(starts_at, provider_id)


def find_choice(choices: dict[date, list[Choice]], picked: Picked, tz: ZoneInfo) -> Choice | None:
    """The offered time she picked, or None when it is not (or no longer) free."""
    day = picked.starts_at.astimezone(tz).date()
    return next(
        (
            c
            for c in choices.get(day, [])
            if c.start_utc == picked.starts_at and c.provider_id == picked.provider_id
        ),
        None,
    )
