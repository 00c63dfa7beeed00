"""The call list: patients to call, soonest first. From their plans: a session to book or
missed, a results check-in overdue, a plan year ending. From their booked visits
(clinic.scheduling.visit_calls): a visit that needs a new time, or one that what is known
of her now stops (a "yes" on a screening answered since she booked)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from clinic.patients.models import Patient
from clinic.plans.models import Plan
from clinic.plans.rules import (
    SessionStatus,
)
from clinic.plans.service import (
    active_plans,
    is_course_settled,
    results_check_in_window,
    status_of,
)
from clinic.practice.models import Clinic
from clinic.scheduling.models import Appointment, Screening
from clinic.scheduling.screening import judge_microneedling
from clinic.scheduling.screenings import latest_screenings, screening_facts, screening_policy
from clinic.scheduling.status import AppointmentStatus
from clinic.scheduling.visit_calls import visits_to_call_about


@dataclass(frozen=True)
class CallListEntry:
    patient: Patient
    reason: str
    due_on: date
    plan: Plan | None = None
    visit: Appointment | None = None  # a visit entry opens the visit, a plan entry the plan


def call_list(clinic: Clinic, now: datetime, *, horizon_days: int = 30) -> list[CallListEntry]:
    """Whom to call: plans with sessions due in the next 30 days and not booked, missed
    sessions, check-ins overdue, plans ending within 30 days; booked visits of the next 30
    days that need a word first. Soonest first."""
    tz = ZoneInfo(clinic.timezone)
    today = now.astimezone(tz).date()
    entries = [
        CallListEntry(
            call.visit.patient,
            call.reason,
            call.visit.starts_at.astimezone(tz).date(),
            visit=call.visit,
        )
        for call in visits_to_call_about(clinic, now, horizon_days)
    ]
    entries += _plan_entries(clinic, today, today + timedelta(days=horizon_days))
    return sorted(
        entries, key=lambda e: (e.due_on, e.visit.starts_at if e.visit else now, e.patient.id)
    )


def _plan_entries(clinic: Clinic, today: date, soon: date) -> list[CallListEntry]:
    plans = active_plans()
    screenings = latest_screenings(plan.patient_id for plan in plans)
    entries: list[CallListEntry] = []
    for plan in plans:
        for planned in plan.sessions:
            status = status_of(planned, today)
            if status is SessionStatus.DUE and planned.window_start <= soon:
                hold = _talk_first(
                    plan, screenings.get(plan.patient_id), max(planned.window_start, today), clinic
                )
                entries.append(
                    CallListEntry(
                        plan.patient,
                        f"Session {planned.number} of {plan.sessions_per_year} to book "
                        f"(window {planned.window_start:%-d %b}–{planned.window_end:%-d %b})"
                        + (f"; talk with the patient first: {hold}" if hold else ""),
                        planned.window_start,
                        plan,
                    )
                )
                break
            if status is SessionStatus.MISSED:
                entries.append(
                    CallListEntry(
                        plan.patient,
                        f"Session {planned.number} was missed; offer a new time",
                        planned.window_end,
                        plan,
                    )
                )
                break
        window = results_check_in_window(plan, clinic)
        booked = plan.results_appointment is not None and plan.results_appointment.status in (
            AppointmentStatus.BOOKED,
            AppointmentStatus.CHECKED_IN,
            AppointmentStatus.COMPLETED,
        )
        if not booked and window.end < today and is_course_settled(plan, today):
            entries.append(
                CallListEntry(plan.patient, "Results check-in overdue", window.end, plan)
            )
        if today <= plan.end_date - timedelta(days=1) <= soon:
            entries.append(
                CallListEntry(
                    plan.patient, "Plan year ends soon: propose renewal", plan.end_date, plan
                )
            )
    return entries


def _talk_first(plan: Plan, screening: Screening | None, on: date, clinic: Clinic) -> str | None:
    """What in her answers or her age needs a word before her session can be booked (the
    portal asks her to call), or None; a screening merely due again is not (she answers it
    herself)."""
    verdict = judge_microneedling(
        screening=screening_facts(screening),
        born_on=plan.patient.date_of_birth,
        visit_on=on,
        is_cleared=False,
        policy=screening_policy(clinic),
    )
    if verdict.allowed or verdict.only_needs_new_screening:
        return None
    return " ".join(verdict.reasons)
