"""Use cases that span capabilities, in one place for every face (pages, API, portal).

Booking a visit touches scheduling (the calendar, screening, age), plans (the session's
window, the gap between sessions, the plan year's cap) and reminders (what the patient is
told, and when). Each
function here runs all of it in the caller's transaction; the caller commits once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from clinic.audit.service import Actor
from clinic.errors import RuleBroken
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.plans.models import Plan, PlannedSession, PlanStatus
from clinic.plans.rules import PlanYear, SessionStatus, long_day, spacing_problems
from clinic.plans.service import (
    find_open_plan,
    not_bookable_sentence,
    plan_policy,
    results_check_in_window,
    session_done,
    status_of,
    unbooked_sessions,
)
from clinic.practice.models import Clinic, Service, ServiceKind
from clinic.reminders import service as reminders
from clinic.scheduling import service as scheduling
from clinic.scheduling.availability import AvailabilityQuery, find_availability
from clinic.scheduling.booking_guard import serialise_bookings
from clinic.scheduling.models import Appointment
from clinic.scheduling.schedule import Slot
from clinic.scheduling.service import BookingRequest, Clearance
from clinic.scheduling.slots import BookingProblem
from clinic.scheduling.status import HOLDING_TIME, AppointmentStatus


@dataclass(frozen=True)
class VisitRequest:
    patient_id: int
    service_id: int
    starts_at: datetime
    provider_id: int | None = None
    planned_session_id: int | None = None
    clearance: Clearance | None = None


def book_visit(
    request: VisitRequest, *, clinic: Clinic, actor: Actor, now: datetime
) -> Appointment:
    """Book a visit with every rule: the plan's (window, gap, cap) first, then the
    calendar's. A microneedling visit inside a due session's window becomes that session;
    a results check-in for a patient with an active plan becomes its check-in."""
    tz = ZoneInfo(clinic.timezone)
    _refuse_past(request.starts_at, now)
    service = db.session.get(Service, request.service_id)
    patient = _lock_patient(request.patient_id)
    visit_on = request.starts_at.astimezone(tz).date()
    session = None
    if request.planned_session_id is not None:
        session = _planned_session_for(request, patient, service, visit_on)
    plan = find_open_plan(request.patient_id)
    if patient is not None and service is not None and service.kind is ServiceKind.MICRONEEDLING:
        _refuse_spacing(patient, plan, visit_on, clinic=clinic, tz=tz, ignore=None)
    if service is not None and service.kind is ServiceKind.RESULTS_CHECK_IN:
        _refuse_second_check_in(plan, tz)
        _refuse_early_check_in(plan, visit_on, clinic)
    appointment = scheduling.book_appointment(
        BookingRequest(
            request.patient_id,
            request.service_id,
            request.starts_at,
            request.provider_id,
            request.clearance,
        ),
        clinic=clinic,
        actor=actor,
        now=now,
    )
    if plan is not None and plan.status is PlanStatus.ACTIVE:
        if appointment.service.kind is ServiceKind.RESULTS_CHECK_IN:
            plan.results_appointment_id = appointment.id
        elif session is None:
            session = _due_session_on(plan, visit_on, today=now.astimezone(tz).date())
    if session is not None:
        session.appointment_id = appointment.id
    reminders.visit_booked(appointment, clinic=clinic, now=now)
    return appointment


def move_visit(
    appointment: Appointment,
    starts_at: datetime,
    provider_id: int | None,
    *,
    clinic: Clinic,
    actor: Actor,
    now: datetime,
) -> Appointment:
    """Move a visit with every rule: the plan's (its session's window, the gap) and the
    calendar's. A move onto the time it has is judged the same way (a time since passed is
    refused) and then changes nothing: no history entry, no message to the patient."""
    tz = ZoneInfo(clinic.timezone)
    _refuse_past(starts_at, now)
    visit_on = starts_at.astimezone(tz).date()
    _lock_patient(appointment.patient_id)
    session = db.session.scalar(
        select(PlannedSession).where(PlannedSession.appointment_id == appointment.id)
    )
    if session is not None and not session.window_start <= visit_on <= session.window_end:
        raise RuleBroken(_outside_window(session), {"start": _outside_window(session)})
    if appointment.service.kind is ServiceKind.RESULTS_CHECK_IN:
        _refuse_early_check_in(find_open_plan(appointment.patient_id), visit_on, clinic)
    if appointment.service.kind is ServiceKind.MICRONEEDLING:
        _refuse_spacing(
            appointment.patient,
            find_open_plan(appointment.patient_id),
            visit_on,
            clinic=clinic,
            tz=tz,
            ignore=appointment.id,
        )
    if scheduling.reschedule_appointment(
        appointment, starts_at, provider_id, clinic=clinic, actor=actor, now=now
    ):
        reminders.visit_moved(appointment, clinic=clinic, now=now)
    return appointment


def _refuse_second_check_in(plan: Plan | None, tz: ZoneInfo) -> None:
    """A course has one results check-in: with one booked, the desk moves that visit (a
    second would leave the first booked and no longer the plan's)."""
    booked = plan.results_appointment if plan is not None else None
    if booked is not None and booked.status in (
        AppointmentStatus.BOOKED,
        AppointmentStatus.CHECKED_IN,
    ):
        on = booked.starts_at.astimezone(tz)
        sentence = (
            f"The results check-in of this plan is booked for {long_day(on.date())} at "
            f"{on:%H:%M}; move that visit instead."
        )
        raise RuleBroken(sentence, {"service_id": sentence})


def _refuse_early_check_in(plan: Plan | None, visit_on: date, clinic: Clinic) -> None:
    """An active plan's results check-in is not before its window: the results show six to
    eight weeks after the last session (DOMAIN.md), so an earlier look sees none of them.
    Later than the window is allowed: a late check-in is better than none."""
    if plan is None or plan.status is not PlanStatus.ACTIVE:
        return
    window = results_check_in_window(plan, clinic)
    if visit_on < window.start:
        sentence = (
            "The results check-in is six to eight weeks after the last session: between "
            f"{long_day(window.start)} and {long_day(window.end)}."
        )
        raise RuleBroken(sentence, {"start": sentence})


def _refuse_past(starts_at: datetime, now: datetime) -> None:
    """A time already past is refused for that alone: the plan's window or gap would only
    distract from it (the calendar's check says the same, later, for every other case)."""
    if starts_at < now:
        sentence = BookingProblem.IN_THE_PAST.sentence
        raise RuleBroken(sentence, {BookingProblem.IN_THE_PAST.field: sentence})


def cancel_visit(
    appointment: Appointment, reason: str, *, clinic: Clinic, actor: Actor, now: datetime
) -> Appointment:
    """Cancel; its pending messages are cancelled and a cancellation notice goes."""
    scheduling.cancel_appointment(appointment, reason, clinic=clinic, actor=actor, now=now)
    reminders.visit_cancelled(appointment, now=now)
    return appointment


def change_visit_status(
    appointment: Appointment,
    target: AppointmentStatus,
    *,
    clinic: Clinic,
    actor: Actor,
    now: datetime,
) -> Appointment:
    """Check in, complete (aftercare follows; a planned session moves the later targets)
    or mark a no-show (its pending messages are cancelled)."""
    if target is AppointmentStatus.COMPLETED:
        return complete_visit(appointment, clinic=clinic, actor=actor, now=now)
    scheduling.change_status(appointment, target, clinic=clinic, actor=actor, now=now)
    if target is AppointmentStatus.NO_SHOW:
        reminders.visit_missed(appointment)
    return appointment


def complete_visit(
    appointment: Appointment, *, clinic: Clinic, actor: Actor, now: datetime
) -> Appointment:
    """Complete a visit; a planned session done early or late moves the later targets."""
    scheduling.change_status(
        appointment, AppointmentStatus.COMPLETED, clinic=clinic, actor=actor, now=now
    )
    session = db.session.scalar(
        select(PlannedSession).where(PlannedSession.appointment_id == appointment.id)
    )
    if session is not None:
        done_on = appointment.starts_at.astimezone(ZoneInfo(clinic.timezone)).date()
        session_done(session, done_on, clinic=clinic)
    reminders.visit_completed(appointment, clinic=clinic, now=now)
    return appointment


def find_open_times(
    query: AvailabilityQuery,
    *,
    clinic: Clinic,
    now: datetime,
    planned_session: PlannedSession | None = None,
) -> list[Slot]:
    """Availability with every rule a booking would apply: for a patient, the calendar's
    (her visits, screening, age) and the plan's (gap, cap, the session's window, and no
    results check-in before its window)."""
    slots = find_availability(query, clinic=clinic, now=now)
    patient = query.patient
    if patient is None:
        return slots
    tz = ZoneInfo(clinic.timezone)
    if query.service.kind is ServiceKind.RESULTS_CHECK_IN:
        plan = find_open_plan(patient.id)
        if plan is None or plan.status is not PlanStatus.ACTIVE:
            return slots
        opens = results_check_in_window(plan, clinic).start
        return [slot for slot in slots if slot.start_utc.astimezone(tz).date() >= opens]
    if query.service.kind is not ServiceKind.MICRONEEDLING:
        return slots
    allows = session_day_rule(
        patient, clinic=clinic, planned_session=planned_session, ignore=query.ignore_appointment_id
    )
    return [slot for slot in slots if allows(slot.start_utc.astimezone(tz).date())]


def session_day_rule(
    patient: Patient,
    *,
    clinic: Clinic,
    planned_session: PlannedSession | None = None,
    ignore: int | None = None,
) -> Callable[[date], bool]:
    """Whether the plan's rules let the patient have a microneedling session on a day:
    inside the planned session's window (when booking one), and no gap or cap problem.
    find_open_times filters its slots by this; a page finds the earliest allowed day by it."""
    others, plan_year = _spacing_inputs(
        patient, find_open_plan(patient.id), ZoneInfo(clinic.timezone), ignore=ignore
    )
    policy = plan_policy(clinic)
    allowed: dict[date, bool] = {}

    def allows(day: date) -> bool:
        if planned_session is not None and not (
            planned_session.window_start <= day <= planned_session.window_end
        ):
            return False
        if day not in allowed:
            allowed[day] = not spacing_problems(day, others, plan=plan_year, policy=policy)
        return allowed[day]

    return allows


# The gap and the cap free a day within a year or two of the visits she already has.
EARLIEST_SESSION_REACH_DAYS = 3 * 366


def earliest_session_day(
    patient: Patient,
    from_on: date,
    *,
    clinic: Clinic,
    planned_session: PlannedSession | None = None,
) -> date | None:
    """The first day from `from_on` on which session_day_rule allows a session (None if
    none does within reach, or within the planned session's window)."""
    allows = session_day_rule(patient, clinic=clinic, planned_session=planned_session)
    last_on = from_on + timedelta(days=EARLIEST_SESSION_REACH_DAYS)
    if planned_session is not None:
        last_on = min(last_on, planned_session.window_end)
    day = from_on
    while day <= last_on:
        if allows(day):
            return day
        day += timedelta(days=1)
    return None


def spacing_reasons(patient: Patient, visit_on: date, *, clinic: Clinic) -> list[str]:
    """Why a microneedling session on `visit_on` would break the gap or the cap (for a page
    to explain an empty search)."""
    others, plan_year = _spacing_inputs(
        patient, find_open_plan(patient.id), ZoneInfo(clinic.timezone), ignore=None
    )
    return spacing_problems(visit_on, others, plan=plan_year, policy=plan_policy(clinic))


# -- the steps -------------------------------------------------------------------------


def _lock_patient(patient_id: int) -> Patient | None:
    """Serialise one patient's bookings, so two bookings racing on different providers
    cannot both pass the gap and cap checks: a row lock on PostgreSQL; on SQLite the
    database's one write lock, taken before anything is read."""
    serialise_bookings()
    return db.session.scalar(select(Patient).where(Patient.id == patient_id).with_for_update())


def _spacing_inputs(
    patient: Patient, plan: Plan | None, tz: ZoneInfo, ignore: int | None
) -> tuple[list[date], PlanYear | None]:
    starts = db.session.scalars(
        select(Appointment.starts_at)
        .join(Service)
        .where(
            Appointment.patient_id == patient.id,
            Appointment.status.in_(HOLDING_TIME),
            Service.kind == ServiceKind.MICRONEEDLING,
            Appointment.id != (ignore or 0),
        )
    )
    others = [start.astimezone(tz).date() for start in starts]
    plan_year = PlanYear(plan.start_date, plan.end_date, plan.sessions_per_year) if plan else None
    return others, plan_year


def _refuse_spacing(
    patient: Patient,
    plan: Plan | None,
    visit_on: date,
    *,
    clinic: Clinic,
    tz: ZoneInfo,
    ignore: int | None,
) -> None:
    others, plan_year = _spacing_inputs(patient, plan, tz, ignore)
    problems = spacing_problems(visit_on, others, plan=plan_year, policy=plan_policy(clinic))
    if problems:
        raise RuleBroken(problems[0], {"start": " ".join(problems)})


def _planned_session_for(
    request: VisitRequest, patient: Patient | None, service: Service | None, visit_on: date
) -> PlannedSession:
    session = db.session.get(PlannedSession, request.planned_session_id)
    if session is None or patient is None or session.plan.patient_id != patient.id:
        message = f"There is no planned session {request.planned_session_id} for this patient."
        raise RuleBroken(message, {"planned_session_id": message})
    if service is not None and service.kind is not ServiceKind.MICRONEEDLING:
        message = "A planned session is a microneedling visit."
        raise RuleBroken(message, {"service_id": message})
    if session.plan.status is not PlanStatus.ACTIVE:
        message = not_bookable_sentence(session.plan.status)
        raise RuleBroken(message, {"planned_session_id": message})
    status = status_of(session, visit_on)
    if status in (SessionStatus.BOOKED, SessionStatus.DONE):
        message = f"Session {session.number} is already {status.value}."
        raise RuleBroken(message, {"planned_session_id": message})
    if not session.window_start <= visit_on <= session.window_end:
        raise RuleBroken(_outside_window(session), {"start": _outside_window(session)})
    return session


def _outside_window(session: PlannedSession) -> str:
    return (
        f"Session {session.number} books between {long_day(session.window_start)} and "
        f"{long_day(session.window_end)}."
    )


def _due_session_on(plan: Plan, visit_on: date, *, today: date) -> PlannedSession | None:
    """The session still to book whose window holds the visit's day, if any."""
    return next(
        (
            session
            for session in unbooked_sessions(plan, today)
            if session.window_start <= visit_on <= session.window_end
        ),
        None,
    )
