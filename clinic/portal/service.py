"""What the portal reads and changes, always scoped to the signed-in patient.

Every lookup by id takes the patient's id too, and anything that is not hers is a
NotFound (404), the same answer as an id that does not exist, so ids reveal nothing. What
she is asked to do, and what holds her back: clinic.portal.todo.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from clinic.audit.service import Actor, record
from clinic.db import is_possible_id
from clinic.errors import NotFound, RuleBroken
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.plans.models import Plan, PlannedSession, PlanStatus
from clinic.plans.rules import SessionStatus
from clinic.plans.service import (
    check_in_too_soon,
    is_course_settled,
    list_patient_plans,
    results_check_in_window,
    status_of,
)
from clinic.practice.models import Clinic, Service, ServiceKind
from clinic.reminders.models import Message
from clinic.reminders.rules import MessageStatus
from clinic.reminders.service import list_messages
from clinic.scheduling.availability import list_patient_visits
from clinic.scheduling.models import Appointment
from clinic.scheduling.status import AppointmentStatus


def portal_actor(patient_id: int) -> Actor:
    """The audit's name for her: an id, never a name (logs stay safe for health data)."""
    return Actor(label=f"patient portal (patient #{patient_id})")


def get_own_visit(patient_id: int, appointment_id: int) -> Appointment:
    visit = db.session.get(Appointment, appointment_id) if is_possible_id(appointment_id) else None
    if visit is None or visit.patient_id != patient_id:
        raise NotFound("There is no such visit.")
    return visit


def get_own_session(patient_id: int, session_id: int) -> PlannedSession:
    session = db.session.get(PlannedSession, session_id) if is_possible_id(session_id) else None
    if session is None or session.plan.patient_id != patient_id:
        raise NotFound("There is no such planned session.")
    return session


def list_own_visits(patient_id: int) -> list[Appointment]:
    return list_patient_visits(patient_id)


def upcoming_visits(patient_id: int, now: datetime) -> list[Appointment]:
    return sorted(
        (
            v
            for v in list_patient_visits(patient_id)
            if v.status in (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN)
            and v.ends_at >= now
        ),
        key=lambda v: v.starts_at,
    )


def current_plan(patient_id: int) -> Plan | None:
    """Her open plan, else her latest one."""
    plans = list_patient_plans(patient_id)
    for plan in plans:
        if plan.status in (PlanStatus.ACTIVE, PlanStatus.PAUSED):
            return plan
    return plans[0] if plans else None


def sent_messages(patient_id: int) -> list[Message]:
    return list_messages(patient_id=patient_id, status=MessageStatus.SENT.value, limit=100)


@dataclass(frozen=True)
class SessionView:
    session: PlannedSession
    status: SessionStatus
    visit_on: date | None

    @property
    def number(self) -> int:
        return self.session.number


@dataclass(frozen=True)
class PlanView:
    plan: Plan
    sessions: list[SessionView]
    results_start: date
    results_end: date
    results_visit: Appointment | None
    next_to_book: SessionView | None
    results_bookable: bool
    missed_to_rebook: SessionView | None = None
    """A session whose window passed unbooked, with nothing done or booked after it: only
    the clinic can find it a new time (the desk books a missed session late)."""
    results_too_soon: bool = False
    """The booked check-in falls before its window: the last session moved later."""

    @property
    def done(self) -> int:
        return sum(1 for s in self.sessions if s.status is SessionStatus.DONE)

    @property
    def booked(self) -> int:
        """Sessions with a visit booked and yet to happen: not done, and never drawn so."""
        return sum(1 for s in self.sessions if s.status is SessionStatus.BOOKED)

    @property
    def total(self) -> int:
        return len(self.sessions)

    @property
    def current_number(self) -> int:
        """The session she is at: the first not done (or the last, when all are)."""
        for s in self.sessions:
            if s.status is not SessionStatus.DONE:
                return s.number
        return self.total


def plan_view(plan: Plan, *, clinic: Clinic, today: date) -> PlanView:
    tz = ZoneInfo(clinic.timezone)
    sessions = []
    for session in plan.sessions:
        visit = session.appointment
        visit_on = visit.starts_at.astimezone(tz).date() if visit is not None else None
        status = status_of(session, today)
        if status not in (SessionStatus.DONE, SessionStatus.BOOKED):
            visit_on = None
        sessions.append(SessionView(session, status, visit_on))
    window = results_check_in_window(plan, clinic)
    results_visit = plan.results_appointment
    if results_visit is not None and not (
        results_visit.status.holds_time or results_visit.status is AppointmentStatus.COMPLETED
    ):
        results_visit = None
    active = plan.status is PlanStatus.ACTIVE
    next_to_book = None
    if active:
        next_to_book = next(
            (
                s
                for s in sessions
                if s.status is SessionStatus.DUE and s.session.window_end >= today
            ),
            None,
        )
    results_bookable = (
        active and is_course_settled(plan, today) and results_visit is None and window.end >= today
    )
    missed_to_rebook = None
    if active:
        for index, view in enumerate(sessions):
            later = sessions[index + 1 :]
            if view.status is SessionStatus.MISSED and not any(
                s.status in (SessionStatus.DONE, SessionStatus.BOOKED) for s in later
            ):
                missed_to_rebook = view
                break
    return PlanView(
        plan,
        sessions,
        window.start,
        window.end,
        results_visit,
        next_to_book,
        results_bookable,
        missed_to_rebook,
        results_too_soon=check_in_too_soon(plan, clinic),
    )


def services_of_kind(kind: ServiceKind) -> list[Service]:
    return list(
        db.session.scalars(
            select(Service)
            .where(Service.kind == kind, Service.is_active.is_(True))
            .order_by(Service.name, Service.id)
        )
    )


def update_consent(
    patient: Patient,
    *,
    email_consent: bool,
    sms_consent: bool,
    reminders: bool,
    now: datetime,
) -> None:
    if sms_consent and not patient.phone:
        raise RuleBroken(
            "We have no mobile number for you; call the clinic to add one.",
            {"sms_consent": "We have no mobile number for you."},
        )
    before = (patient.email_consent, patient.sms_consent, patient.unsubscribed_at is None)
    patient.email_consent = email_consent
    patient.sms_consent = sms_consent
    if reminders:
        patient.unsubscribed_at = None
    elif patient.unsubscribed_at is None:
        patient.unsubscribed_at = now
    after = (patient.email_consent, patient.sms_consent, patient.unsubscribed_at is None)
    if before != after:
        patient.updated_at = now
        record(
            portal_actor(patient.id),
            "consent",
            "patient",
            patient.id,
            f"Patient #{patient.id} changed their message choices in the portal",
            now=now,
            changes={
                "email_consent": [before[0], after[0]],
                "sms_consent": [before[1], after[1]],
                "reminders": [before[2], after[2]],
            },
        )
