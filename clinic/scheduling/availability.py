"""The clinic's calendar as the pure slot rules need it, loaded from the database.

`load_setup` and `busy_visits` turn rows into the frozen records of clinic.scheduling.schedule
that clinic.scheduling.slots reads;
`find_availability` is what the front desk's finder, the API and the portal call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy import (
    ColumnElement,
    Date,
    Executable,
    Integer,
    Select,
    Time,
    bindparam,
    cast,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import selectinload

from clinic.clock import local_day_bounds
from clinic.db import UTCDateTime
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.practice.models import (
    Clinic,
    Closure,
    OpeningHours,
    Provider,
    ProviderBreak,
    Room,
    Service,
    ServiceKind,
    TimeOff,
    WorkingHours,
)
from clinic.scheduling.hours import WeeklyHours
from clinic.scheduling.models import Appointment
from clinic.scheduling.schedule import (
    BookingPolicy,
    BusyVisit,
    ClinicSetup,
    Interval,
    ProviderSchedule,
    ServiceTiming,
    Slot,
)
from clinic.scheduling.screening import judge_microneedling
from clinic.scheduling.screenings import latest_screening, screening_facts, screening_policy
from clinic.scheduling.slots import find_slots
from clinic.scheduling.status import HOLDING_TIME

# No visit is longer than this; it bounds the index range scanned for busy visits.
LONGEST_VISIT = timedelta(hours=12)


def _plain_rows(statement: Executable, params: dict[str, Any]) -> Sequence[Any]:
    """The rows of a select of columns, read on the session's connection (its transaction)
    without the ORM's per-statement bookkeeping: every search and booking makes these.
    Pending changes are flushed first, as the ORM would, so the read sees them."""
    db.session.flush()
    return db.session.connection().execute(statement, params).all()  # one fetch, not per row


def earliest_bookable_day(clinic: Clinic, now: datetime) -> date:
    """The first clinic-local day that can still take a booking: today, or tomorrow once
    the lead time reaches past midnight. Searches for free times start here."""
    later = now + timedelta(minutes=clinic.lead_time_minutes)
    return later.astimezone(ZoneInfo(clinic.timezone)).date()


def booking_policy(clinic: Clinic) -> BookingPolicy:
    return BookingPolicy(
        slot_grid_minutes=clinic.slot_grid_minutes,
        lead_time_minutes=clinic.lead_time_minutes,
        horizon_months=clinic.booking_horizon_months,
    )


def service_timing(service: Service) -> ServiceTiming:
    return ServiceTiming(
        procedure_minutes=service.procedure_minutes,
        numbing_minutes=service.numbing_minutes,
        buffer_minutes=service.buffer_minutes,
        provider_free_while_numbing=service.provider_free_while_numbing,
    )


class _SetupReads(NamedTuple):
    weekly: Executable
    dated: Executable


def _setup_reads(one_provider: bool) -> _SetupReads:
    """The two reads of load_setup, with bound parameters (clinic_id, provider_id when
    `one_provider`, reach_from/reach_until for time off, first_day/last_day for closures).

    Built once at import: composing these UNION ALLs costs more than running them."""
    wanted: list[ColumnElement[bool]] = [Provider.is_active.is_(True)]
    if one_provider:
        wanted.append(Provider.id == bindparam("provider_id"))
    active = select(Provider.id).where(*wanted)
    no_time, no_id = cast(null(), Time), cast(null(), Integer)
    weekly: Executable = union_all(
        *(
            select(
                literal_column(f"'{tag}'").label("tag"),
                table.provider_id,
                table.weekday,
                table.starts_at,
                table.ends_at,
            ).where(table.provider_id.in_(active))
            for tag, table in (("hours", WorkingHours), ("break", ProviderBreak))
        ),
        select(
            literal_column("'open'"),
            no_id,
            OpeningHours.weekday,
            OpeningHours.opens_at,
            OpeningHours.closes_at,
        ).where(OpeningHours.clinic_id == bindparam("clinic_id")),
        select(literal_column("'provider'"), Provider.id, no_id, no_time, no_time).where(*wanted),
        select(literal_column("'room'"), Room.id, no_id, no_time, no_time).where(
            Room.is_active.is_(True)
        ),
    )
    no_instant = cast(null(), UTCDateTime())
    dated = union_all(
        select(TimeOff.provider_id, TimeOff.starts_at, TimeOff.ends_at, cast(null(), Date)).where(
            TimeOff.provider_id.in_(active),
            TimeOff.starts_at < bindparam("reach_until"),
            TimeOff.ends_at > bindparam("reach_from"),
        ),
        select(no_id, no_instant, no_instant, Closure.on).where(
            Closure.on >= bindparam("first_day"), Closure.on <= bindparam("last_day")
        ),
    )
    return _SetupReads(weekly, dated)


_SETUP_READS = {one: _setup_reads(one) for one in (False, True)}


def load_setup(
    clinic: Clinic, starts_at: datetime, ends_at: datetime, provider_id: int | None = None
) -> ClinicSetup:
    """Opening hours, active providers (weekly hours, breaks) and rooms, with the closures
    and time off that touch [starts_at, ends_at) only, so the cost does not grow with years
    of history. With `provider_id`, that provider only (a search for one provider).

    Every search and every booking reads this, so it is two queries (the weekly setup, then
    the dated exceptions), each a UNION ALL of small tables tagged by row kind: seven round
    trips cost more than the rows themselves.
    """
    tz = ZoneInfo(clinic.timezone)
    reads = _SETUP_READS[provider_id is not None]
    chosen = {"provider_id": provider_id} if provider_id is not None else {}
    opening: list[WeeklyHours] = []
    room_ids: list[int] = []
    hours: dict[int, list[WeeklyHours]] = {}
    breaks: dict[int, list[WeeklyHours]] = {}
    for tag, owner, weekday, begins, finishes in _plain_rows(
        reads.weekly, {"clinic_id": clinic.id, **chosen}
    ):
        if tag == "provider":
            hours.setdefault(owner, [])
        elif tag == "room":
            room_ids.append(owner)
        elif tag == "open":
            opening.append(WeeklyHours(weekday, begins, finishes))
        else:
            into = hours if tag == "hours" else breaks
            into.setdefault(owner, []).append(WeeklyHours(weekday, begins, finishes))

    window = {
        "reach_from": starts_at - LONGEST_VISIT,
        "reach_until": ends_at + LONGEST_VISIT,
        "first_day": starts_at.astimezone(tz).date() - timedelta(days=1),
        "last_day": ends_at.astimezone(tz).date() + timedelta(days=1),
    }
    away: dict[int, list[Interval]] = {}
    closures: set[date] = set()
    for away_id, away_from, away_until, closed_on in _plain_rows(reads.dated, {**window, **chosen}):
        if closed_on is not None:
            closures.add(closed_on)
        else:
            away.setdefault(away_id, []).append(Interval(away_from, away_until))
    return ClinicSetup(
        opening_hours=tuple(opening),
        closures=frozenset(closures),
        providers=tuple(
            ProviderSchedule(
                pid, tuple(hours[pid]), tuple(breaks.get(pid, ())), tuple(away.get(pid, ()))
            )
            for pid in sorted(hours)
        ),
        room_ids=tuple(sorted(room_ids)),
    )


# Bounded on the indexed start column (a visit starting LONGEST_VISIT before the window can
# still reach into it), so the read stays an index range scan at any table size.
_BUSY_VISITS = select(
    Appointment.id,
    Appointment.patient_id,
    Appointment.provider_id,
    Appointment.room_id,
    Appointment.starts_at,
    Appointment.ends_at,
    Appointment.provider_busy_from,
    Appointment.room_busy_until,
).where(
    Appointment.starts_at >= bindparam("reach_from"),
    Appointment.starts_at < bindparam("until"),
    Appointment.status.in_(HOLDING_TIME),
)


def _busy_window(starts_at: datetime, ends_at: datetime) -> dict[str, datetime]:
    return {"reach_from": starts_at - LONGEST_VISIT, "until": ends_at}


def busy_visits_query(starts_at: datetime, ends_at: datetime) -> Select[*tuple[Any, ...]]:
    """The read behind busy_visits, with its window bound (the benchmark explains it to
    show it uses an index)."""
    return _BUSY_VISITS.params(_busy_window(starts_at, ends_at))


def busy_visits(starts_at: datetime, ends_at: datetime) -> list[BusyVisit]:
    """Visits holding time that overlap [starts_at, ends_at), read as plain tuples."""
    return [
        BusyVisit(visit, provider, room, patient, Interval(busy_from, end), Interval(start, until))
        for visit, patient, provider, room, start, end, busy_from, until in _plain_rows(
            _BUSY_VISITS, _busy_window(starts_at, ends_at)
        )
    ]


@dataclass(frozen=True)
class AvailabilityQuery:
    service: Service
    from_on: date
    to_on: date
    provider_id: int | None = None
    patient: Patient | None = None
    ignore_appointment_id: int | None = None
    # Moving a visit a clinician cleared (her sign-off goes with it, scheduling.service), or
    # a clinician's search for times she will book with her sign-off.
    is_cleared: bool = False


def find_availability(query: AvailabilityQuery, *, clinic: Clinic, now: datetime) -> list[Slot]:
    """Free slots for the query, earliest first.

    With a patient: her own visits are busy time, and for microneedling the days her
    screening or age would refuse (without a clinician's clearance) are left out, so that
    booking any slot offered succeeds unless someone takes it first.
    """
    tz = ZoneInfo(clinic.timezone)
    policy = booking_policy(clinic)
    # Nothing is offered before today or past the horizon: read only what lies between.
    today = now.astimezone(tz).date()
    from_on = max(query.from_on, today)
    to_on = min(query.to_on, today + relativedelta(months=policy.horizon_months, days=1))
    if from_on > to_on:
        return []
    window_start, _ = local_day_bounds(from_on, tz)
    _, window_end = local_day_bounds(to_on, tz)
    slots = find_slots(
        load_setup(clinic, window_start, window_end, query.provider_id),
        service_timing(query.service),
        busy_visits(window_start, window_end),
        from_on=from_on,
        to_on=to_on,
        tz=tz,
        now=now,
        policy=policy,
        provider_id=query.provider_id,
        patient_id=query.patient.id if query.patient else None,
        ignore_appointment_id=query.ignore_appointment_id,
    )
    if query.patient is None or query.service.kind is not ServiceKind.MICRONEEDLING:
        return slots
    patient = query.patient
    facts = screening_facts(latest_screening(patient.id))
    screening_rules = screening_policy(clinic)
    allowed_days: dict[date, bool] = {}

    def allowed(slot: Slot) -> bool:
        day = slot.start_utc.astimezone(tz).date()
        if day not in allowed_days:
            allowed_days[day] = judge_microneedling(
                screening=facts,
                born_on=patient.date_of_birth,
                visit_on=day,
                is_cleared=query.is_cleared,
                policy=screening_rules,
            ).allowed
        return allowed_days[day]

    return [slot for slot in slots if allowed(slot)]


def list_day(day: date, tz: ZoneInfo, provider_id: int | None = None) -> list[Appointment]:
    """Every visit starting on a clinic-local day, cancelled ones included, by start."""
    return list(db.session.scalars(day_visits_query(day, tz, provider_id)))


def day_visits_query(
    day: date, tz: ZoneInfo, provider_id: int | None = None
) -> Select[Appointment]:
    """The read behind list_day (the benchmark explains it)."""
    start, end = local_day_bounds(day, tz)
    query = (
        select(Appointment)
        .where(Appointment.starts_at >= start, Appointment.starts_at < end)
        .options(
            selectinload(Appointment.patient),
            selectinload(Appointment.service),
            selectinload(Appointment.provider),
            selectinload(Appointment.room),
        )
        .order_by(Appointment.starts_at, Appointment.provider_id, Appointment.id)
    )
    if provider_id is not None:
        query = query.where(Appointment.provider_id == provider_id)
    return query


def list_patient_visits(patient_id: int, limit: int = 200) -> list[Appointment]:
    """A patient's visits, cancelled ones included, latest first (her page shows them)."""
    return list(
        db.session.scalars(
            select(Appointment)
            .where(Appointment.patient_id == patient_id)
            .options(
                selectinload(Appointment.service),
                selectinload(Appointment.provider),
                selectinload(Appointment.room),
            )
            .order_by(Appointment.starts_at.desc(), Appointment.id.desc())
            .limit(limit)
        )
    )


def find_closure(on: date) -> Closure | None:
    return db.session.scalar(select(Closure).where(Closure.on == on))
