"""The `plans` blueprint (the staff's plan builder, plan page, session booking and call
list) and what its views share: the clinic's day, a plan's sessions as the pages show them,
and the plan summary on the patient page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint

from clinic.clock import local_today, utcnow
from clinic.errors import NotFound
from clinic.patients.models import Patient
from clinic.patients.views import page_part
from clinic.plans.forms import INDICATION_LABELS
from clinic.plans.models import Plan, PlannedSession, PlanStatus
from clinic.plans.rules import DateWindow, SessionStatus
from clinic.plans.service import (
    UNBOOKED,
    check_in_too_soon,
    list_patient_plans,
    results_check_in_window,
    status_of,
)
from clinic.practice.models import Clinic
from clinic.practice.service import clinic_zone, get_clinic
from clinic.scheduling.models import Appointment
from clinic.scheduling.status import AppointmentStatus

bp = Blueprint("plans", __name__)


@dataclass(frozen=True)
class Moment:
    """The request's clinic, instant and clinic-local day."""

    clinic: Clinic
    now: datetime
    today: date
    tz: ZoneInfo


def moment() -> Moment:
    clinic, now = get_clinic(), utcnow()
    tz = ZoneInfo(clinic.timezone)
    return Moment(clinic, now, local_today(tz, now), tz)


@dataclass(frozen=True)
class SessionLine:
    """One session as the plan page shows it."""

    session: PlannedSession
    status: SessionStatus
    visit: Appointment | None  # the visit that holds (or held) the session's time
    visit_on: date | None

    @property
    def is_bookable(self) -> bool:
        return self.status in UNBOOKED and self.session.plan.status is PlanStatus.ACTIVE


@dataclass(frozen=True)
class CheckIn:
    """The results check-in: its window, its visit if booked, and whether it is overdue."""

    window: DateWindow
    visit: Appointment | None
    visit_on: date | None
    is_done: bool
    is_overdue: bool
    is_early: bool  # booked before its window: the last session moved later since


def visit_day(appointment: Appointment | None, tz: ZoneInfo) -> date | None:
    """The local day of a visit that holds time or was done; None for a freed one."""
    if appointment is None or not (
        appointment.status.holds_time or appointment.status is AppointmentStatus.COMPLETED
    ):
        return None
    return appointment.starts_at.astimezone(tz).date()


def session_lines(plan: Plan, today: date, tz: ZoneInfo) -> list[SessionLine]:
    lines = []
    for session in plan.sessions:
        on = visit_day(session.appointment, tz)
        lines.append(
            SessionLine(session, status_of(session, today), session.appointment if on else None, on)
        )
    return lines


def check_in_of(plan: Plan, clinic: Clinic, today: date, tz: ZoneInfo) -> CheckIn:
    window = results_check_in_window(plan, clinic)
    on = visit_day(plan.results_appointment, tz)
    visit = plan.results_appointment if on else None
    is_done = visit is not None and visit.status is AppointmentStatus.COMPLETED
    return CheckIn(
        window,
        visit,
        on,
        is_done,
        is_overdue=visit is None and window.end < today,
        is_early=check_in_too_soon(plan, clinic),
    )


def session_by_number(plan: Plan, number: int) -> PlannedSession:
    for session in plan.sessions:
        if session.number == number:
            return session
    raise NotFound(f"Plan {plan.id} has no session {number}.")


def indication_names(codes: list[str]) -> str:
    return ", ".join(INDICATION_LABELS.get(code, code) for code in codes)


@dataclass(frozen=True)
class PlanProgress:
    """The open plan on the patient page: "session 2 of 5"."""

    plan: Plan
    done: int
    next: SessionLine | None


@dataclass(frozen=True)
class PatientPlans:
    open: PlanProgress | None
    earlier: list[Plan]


@page_part("plans")
def patient_plans(patient: Patient) -> PatientPlans:
    """For the patient page: her open plan's progress, and her other plans, newest first."""
    tz = clinic_zone()  # the patient page shows before the clinic is set up, too
    today = local_today(tz)
    plans = list_patient_plans(patient.id)
    open_plan = next((p for p in plans if p.status in (PlanStatus.ACTIVE, PlanStatus.PAUSED)), None)
    progress = None
    if open_plan is not None:
        lines = session_lines(open_plan, today, tz)
        done = sum(1 for line in lines if line.status is SessionStatus.DONE)
        upcoming = next((line for line in lines if line.status is not SessionStatus.DONE), None)
        progress = PlanProgress(open_plan, done, upcoming)
    return PatientPlans(progress, [p for p in plans if p is not open_plan])


bp.add_app_template_filter(indication_names, "indication_names")
