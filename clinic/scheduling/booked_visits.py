"""The visits still to happen in time that the clinic's setup takes away: a closed day, a
provider's time off, a provider made inactive, opening or working hours made narrower.

Such a change is saved without touching the visits: they stay booked, reminders included,
until the front desk moves or cancels each one with the patient (only she can choose a new
time, and a cancellation sends her a message). These queries list what is left to handle;
they change nothing.

"Booked" means `booked` or `checked_in`: completed visits are history, and cancelled and
no-show ones hold no time. A visit counts when any part of it overlaps the span, since the
patient is in the chair, or arriving, for all of it.

Narrowed hours are judged by the predicates the booking check applies (slots.check_booking:
hours.day_spans and intervals.lies_inside), on each visit's stored instants: with its room
cleaning inside the opening hours of its local day, and [start, end] inside its provider's
working hours minus breaks. Closures and time off are left to their own warnings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import selectinload

from clinic.clock import local_day_bounds
from clinic.extensions import db
from clinic.practice.models import Clinic, Closure, Provider, TimeOff
from clinic.scheduling.availability import LONGEST_VISIT
from clinic.scheduling.hours import WeeklyHours, day_spans
from clinic.scheduling.intervals import lies_inside, subtract, to_micros
from clinic.scheduling.models import Appointment
from clinic.scheduling.status import AppointmentStatus

STILL_TO_HAPPEN = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN)

Span = tuple[datetime, datetime]


def list_booked_between(
    starts_at: datetime, ends_at: datetime, *, provider_id: int | None = None
) -> list[Appointment]:
    """Booked visits overlapping [starts_at, ends_at), of one provider or of anyone."""
    return _booked_in_spans([(starts_at, ends_at)], provider_id)[0]


def list_booked_on(day: date, tz: ZoneInfo) -> list[Appointment]:
    """Booked visits on a clinic-local day (23 or 25 hours long on DST days)."""
    span = _day_span(day, tz)
    return [] if span is None else list_booked_between(*span)


def list_upcoming_booked(provider_id: int, now: datetime) -> list[Appointment]:
    """A provider's booked visits that have not ended by `now`; one in progress counts,
    since its patient is still in the building."""
    a = Appointment
    query = _booked_visits().where(
        a.provider_id == provider_id, a.starts_at >= _reach_back(now), a.ends_at > now
    )
    return list(db.session.scalars(query))


def list_booked_in_closures(
    closures: Sequence[Closure], tz: ZoneInfo
) -> dict[int, list[Appointment]]:
    """{closure id: its booked visits}, for the closures that have any; one query."""
    days = [(closure, _day_span(closure.on, tz)) for closure in closures]
    dated = [(closure, span) for closure, span in days if span is not None]
    found = zip(dated, _booked_in_spans([span for _, span in dated], None), strict=True)
    return {closure.id: visits for (closure, _), visits in found if visits}


def list_booked_in_time_off(
    provider_id: int, absences: Sequence[TimeOff]
) -> dict[int, list[Appointment]]:
    """{time off id: the provider's booked visits in it}, for those that have any; one query."""
    spans = [(absence.starts_at, absence.ends_at) for absence in absences]
    found = zip(absences, _booked_in_spans(spans, provider_id), strict=True)
    return {absence.id: visits for absence, visits in found if visits}


def list_booked_outside_opening_hours(clinic: Clinic, now: datetime) -> list[Appointment]:
    """Booked visits yet to begin, up to the booking horizon, that with the room's cleaning
    after them ([start, room_busy_until]) no longer lie inside the clinic's opening hours of
    their local day, earliest first."""
    hours = [WeeklyHours(h.weekday, h.opens_at, h.closes_at) for h in clinic.opening_hours]
    a = Appointment
    times = _ahead(clinic, now).add_columns(a.starts_at, a.room_busy_until)
    tz = ZoneInfo(clinic.timezone)
    return list_booked_by_id(find_unfit(_rows(times), hours, (), tz))


def list_booked_outside_working_hours(
    provider: Provider, clinic: Clinic, now: datetime
) -> list[Appointment]:
    """A provider's booked visits yet to begin, up to the booking horizon, that
    ([start, end]) no longer lie inside her working hours minus her breaks, earliest first."""
    hours = [WeeklyHours(h.weekday, h.starts_at, h.ends_at) for h in provider.working_hours]
    breaks = [WeeklyHours(b.weekday, b.starts_at, b.ends_at) for b in provider.breaks]
    a = Appointment
    times = (
        _ahead(clinic, now).add_columns(a.starts_at, a.ends_at).where(a.provider_id == provider.id)
    )
    tz = ZoneInfo(clinic.timezone)
    return list_booked_by_id(find_unfit(_rows(times), hours, breaks, tz))


def find_unfit(
    visits: Iterable[tuple[int, datetime, datetime]],
    hours: Sequence[WeeklyHours],
    breaks: Sequence[WeeklyHours],
    tz: ZoneInfo,
) -> list[int]:
    """The ids of the visits (id, start, until) whose [start, until] does not lie inside
    `hours` minus `breaks` on the clinic-local day of its start; pure.

    Containment is closed at both ends, as for a booking: a visit may end, or its cleaning
    finish, the minute the hours close. Each day's hours are worked out once.
    """
    open_on: dict[date, list[tuple[int, int]]] = {}  # microseconds
    unfit: list[int] = []
    for visit_id, starts_at, until in visits:
        day = starts_at.astimezone(tz).date()
        if day not in open_on:
            open_on[day] = subtract(day_spans(hours, day, tz), day_spans(breaks, day, tz))
        if not lies_inside((to_micros(starts_at), to_micros(until)), open_on[day]):
            unfit.append(visit_id)
    return unfit


def _ahead(clinic: Clinic, now: datetime) -> Select[int]:
    """Ids of the booked visits starting from `now` to the booking horizon (calendar months
    of local time, as slots.check_booking counts it).

    A visit under way keeps the hours it was booked in, and none can be booked past the
    horizon, so the read stays an index range scan of a year or so whatever the history.
    """
    tz = ZoneInfo(clinic.timezone)
    horizon = now.astimezone(tz) + relativedelta(months=clinic.booking_horizon_months)
    a = Appointment
    return select(a.id).where(
        a.status.in_(STILL_TO_HAPPEN),
        a.starts_at >= now,
        a.starts_at <= horizon.astimezone(UTC),
    )


def _rows(times: Select[Any]) -> list[tuple[int, datetime, datetime]]:
    """(id, start, until) rows, read without building a visit object per row."""
    return [(visit_id, start, until) for visit_id, start, until in db.session.execute(times)]


_IDS_PER_READ = 500  # well under every driver's limit on bound parameters


def list_booked_by_id(ids: Sequence[int]) -> list[Appointment]:
    """The booked visits with these ids, earliest first, read in batches of ids (ids of
    visits cancelled, missed or completed meanwhile are left out)."""
    found: list[Appointment] = []
    for first in range(0, len(ids), _IDS_PER_READ):
        batch = ids[first : first + _IDS_PER_READ]
        found += db.session.scalars(_booked_visits().where(Appointment.id.in_(batch)))
    return sorted(found, key=lambda visit: (visit.starts_at, visit.id))


def _day_span(day: date, tz: ZoneInfo) -> Span | None:
    """The day's bounds in UTC; None for a day whose end no datetime can hold (9999-12-31,
    a typing mistake closures accepted before their form refused it), where nothing can be
    booked."""
    try:
        return local_day_bounds(day, tz)
    except OverflowError:
        return None


def _booked_in_spans(spans: Sequence[Span], provider_id: int | None) -> list[list[Appointment]]:
    """For each span, in order, the booked visits overlapping it, earliest first.

    One query for all spans. Each span is also bounded on the indexed start column (a visit
    starting LONGEST_VISIT before a span can still reach into it), so the read stays an
    index range scan however many visits the clinic has.
    """
    if not spans:
        return []
    a = Appointment
    overlaps = [
        and_(a.starts_at >= _reach_back(start), a.starts_at < end, a.ends_at > start)
        for start, end in spans
    ]
    query = _booked_visits().where(or_(*overlaps))
    if provider_id is not None:
        query = query.where(a.provider_id == provider_id)
    visits = list(db.session.scalars(query))
    return [[v for v in visits if v.starts_at < end and v.ends_at > start] for start, end in spans]


def _reach_back(start: datetime) -> datetime:
    """The earliest start of a visit that can reach `start`, to bound the index scan. A start
    in year 1 (a typing mistake a time off accepts) has nothing before it to reach back to."""
    try:
        return start - LONGEST_VISIT
    except OverflowError:
        return start


def _booked_visits() -> Select[Appointment]:
    """Visits still to happen, earliest first, with who and what each is for (the pages
    list them by patient, service and provider)."""
    return (
        select(Appointment)
        .where(Appointment.status.in_(STILL_TO_HAPPEN))
        .options(
            selectinload(Appointment.patient),
            selectinload(Appointment.service),
            selectinload(Appointment.provider),
        )
        .order_by(Appointment.starts_at, Appointment.id)
    )
