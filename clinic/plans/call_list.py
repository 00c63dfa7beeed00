"""The call list: patients whose plan needs a call (a session to book, a results check-in)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

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
from clinic.scheduling.status import AppointmentStatus


@dataclass(frozen=True)
class CallListEntry:
    plan: Plan
    reason: str
    due_on: date


def call_list(clinic: Clinic, today: date, *, horizon_days: int = 30) -> list[CallListEntry]:
    """Plans needing action: sessions due in the next 30 days and not booked, check-ins
    overdue, plans ending within 30 days; soonest first."""
    plans = active_plans()
    soon = today + timedelta(days=horizon_days)
    entries: list[CallListEntry] = []
    for plan in plans:
        for planned in plan.sessions:
            status = status_of(planned, today)
            if status is SessionStatus.DUE and planned.window_start <= soon:
                entries.append(
                    CallListEntry(
                        plan,
                        f"Session {planned.number} of {plan.sessions_per_year} to book "
                        f"(window {planned.window_start:%-d %b}–{planned.window_end:%-d %b})",
                        planned.window_start,
                    )
                )
                break
            if status is SessionStatus.MISSED:
                entries.append(
                    CallListEntry(
                        plan,
                        f"Session {planned.number} was missed; offer a new time",
                        planned.window_end,
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
            entries.append(CallListEntry(plan, "Results check-in overdue", window.end))
        if today <= plan.end_date - timedelta(days=1) <= soon:
            entries.append(
                CallListEntry(plan, "Plan year ends soon: propose renewal", plan.end_date)
            )
    return sorted(entries, key=lambda e: (e.due_on, e.plan.id))
