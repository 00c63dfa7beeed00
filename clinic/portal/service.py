"""What the portal reads and changes, always scoped to the signed-in patient.

Every lookup by id takes the patient's id too, and anything that is not hers is a
NotFound (404), the same answer as an id that does not exist, so ids reveal nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from clinic.audit.service import Actor, record
from clinic.errors import NotFound, RuleBroken
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.plans.models import Plan, PlannedSession, PlanStatus
from clinic.plans.rules import SessionStatus
from clinic.plans.service import (
    is_course_settled,
    list_patient_plans,
    results_check_in_window,
    session_to_book_again,
    status_of,
)
from clinic.portal.dates import DateStyle, on_day, readable_date
from clinic.practice.models import Clinic, Service, ServiceKind
from clinic.reminders.models import Message
from clinic.reminders.rules import MessageStatus
from clinic.reminders.service import list_messages
from clinic.scheduling.availability import list_patient_visits
from clinic.scheduling.models import Appointment
from clinic.scheduling.screening import judge_microneedling, screening_allows_check_in
from clinic.scheduling.screenings import latest_screening, screening_facts, screening_policy
from clinic.scheduling.status import AppointmentStatus


def portal_actor(patient_id: int) -> Actor:
    """The audit's name for her: an id, never a name (logs stay safe for health data)."""
    return Actor(label=f"patient portal (patient #{patient_id})")


def get_own_visit(patient_id: int, appointment_id: int) -> Appointment:
    visit = db.session.get(Appointment, appointment_id)
    if visit is None or visit.patient_id != patient_id:
        raise NotFound("There is no such visit.")
    return visit


def get_own_session(patient_id: int, session_id: int) -> PlannedSession:
    session = db.session.get(PlannedSession, session_id)
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
    )


@dataclass(frozen=True)
class ToDo:
    """One thing to do now; with no endpoint, the thing to do is to call the clinic."""

    text: str
    endpoint: str | None
    args: dict[str, object] = field(default_factory=dict)
    action: str = "Open"


@dataclass(frozen=True)
class BookingHold:
    """Why she cannot book microneedling online, in her words: answering the health
    questions lifts it (`by_screening`), or the clinic must talk with her first."""

    text: str
    by_screening: bool


def microneedling_hold(
    patient: Patient, *, clinic: Clinic, on: date, is_cleared: bool = False
) -> BookingHold | None:
    """What keeps her from microneedling on `on` by screening or age (the booking rules'
    own verdict; `is_cleared` for a visit a clinician signed off), or None. Only a missing
    or outdated screening is hers to fix; a "yes" in her answers, or her age, needs a talk
    with the clinic."""
    verdict = judge_microneedling(
        screening=screening_facts(latest_screening(patient.id)),
        born_on=patient.date_of_birth,
        visit_on=on,
        is_cleared=is_cleared,
        policy=screening_policy(clinic),
    )
    if verdict.allowed:
        return None
    if verdict.only_needs_new_screening:
        return BookingHold(
            "Before you book, please answer the health questions, so that we know the "
            "treatment is right for you now.",
            by_screening=True,
        )
    return BookingHold(
        "Before you book, we would like to talk with you about your treatment. Please call us.",
        by_screening=False,
    )


def talk_first(visit: Appointment, *, clinic: Clinic, now: datetime) -> BookingHold | None:
    """For her booked microneedling visit yet to come: why the clinic must talk with her
    before it (a "yes" in answers given since she booked, or her age), or None. A screening
    merely due again is left to the to-do list."""
    if visit.service.kind is not ServiceKind.MICRONEEDLING or visit.starts_at < now:
        return None
    hold = microneedling_hold(
        visit.patient,
        clinic=clinic,
        on=visit.starts_at.astimezone(ZoneInfo(clinic.timezone)).date(),
        is_cleared=bool(visit.clearance_reason),
    )
    return None if hold is None or hold.by_screening else hold


def things_to_do(
    patient: Patient,
    upcoming: list[Appointment],
    view: PlanView | None,
    *,
    clinic: Clinic,
    now: datetime,
) -> list[ToDo]:
    """What she should do now: the screening before a visit within the check-in days,
    a session or the results check-in to book."""
    tz = ZoneInfo(clinic.timezone)
    today = now.astimezone(tz).date()
    todo = []
    screening = latest_screening(patient.id)
    taken_on = screening.taken_on if screening else None
    for visit in upcoming:
        if visit.service.kind is not ServiceKind.MICRONEEDLING:
            continue
        visit_on = visit.starts_at.astimezone(tz).date()
        soon = visit_on - today <= timedelta(days=clinic.check_in_screening_days)
        fresh = screening_allows_check_in(taken_on, visit_on, screening_policy(clinic))
        if soon and not fresh:
            todo.append(
                ToDo(
                    "Answer the health questions before your visit "
                    f"{on_day(visit_on, today=today, tz=tz)}.",
                    "portal.screening",
                    {"appointment_id": visit.id},
                    "Answer the questions",
                )
            )
    if view is not None and view.missed_to_rebook is not None:
        number = view.missed_to_rebook.number
        todo.append(
            ToDo(
                f"The days for session {number} have passed. Please call us to find it a new time.",
                None,
                action="Call us",
            )
        )
    if view is not None and view.next_to_book is not None:
        s = view.next_to_book.session
        days = f"any day from {_day(s.window_start, today, tz)} to {_day(s.window_end, today, tz)}"
        hold = microneedling_hold(patient, clinic=clinic, on=max(s.window_start, today))
        if hold is None:
            todo.append(
                ToDo(
                    f"Book session {s.number}: {days}.",
                    "portal.book_session",
                    {"session_id": s.id},
                    f"Book session {s.number}",
                )
            )
        elif hold.by_screening:
            todo.append(
                ToDo(
                    f"Answer the health questions, then book session {s.number}: {days}.",
                    "portal.screening",
                    {},
                    "Answer the questions",
                )
            )
        else:
            todo.append(ToDo(f"Session {s.number}: {hold.text}", None, action="Call us"))
    if view is not None and view.results_bookable:
        todo.append(
            ToDo(
                "Book your results check-in: any day from "
                f"{_day(view.results_start, today, tz)} to {_day(view.results_end, today, tz)}.",
                "portal.book_results",
                {},
                "Book the check-in",
            )
        )
    return todo


def _day(day: date, today: date, tz: ZoneInfo) -> str:
    return readable_date(day, today=today, tz=tz, style=DateStyle.DAY)


def book_again(visit: Appointment, *, clinic: Clinic, today: date) -> ToDo | None:
    """Where she can book a cancelled or missed visit again herself: its planned session
    while that is still due, else her plan's next due session (a microneedling visit) or
    its results check-in while that can be booked. None when only the clinic can (no active
    plan, or its window has closed): the page gives the clinic's number instead."""
    if visit.status not in (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW):
        return None
    tz = ZoneInfo(clinic.timezone)
    session = session_to_book_again(visit.id, today)
    if session is not None:
        return _book_session_again(session, visit, today=today, tz=tz)
    plan = current_plan(visit.patient_id)
    if plan is None or plan.status is not PlanStatus.ACTIVE:
        return None
    view = plan_view(plan, clinic=clinic, today=today)
    if visit.service.kind is ServiceKind.MICRONEEDLING and view.next_to_book is not None:
        return _book_session_again(view.next_to_book.session, visit, today=today, tz=tz)
    if visit.service.kind is ServiceKind.RESULTS_CHECK_IN and view.results_bookable:
        return ToDo(
            "Book your results check-in again: any day from "
            f"{readable_date(view.results_start, today=today, tz=tz)} "
            f"to {readable_date(view.results_end, today=today, tz=tz)}.",
            "portal.book_results",
            {"service_id": visit.service_id},
            "Book again",
        )
    return None


def _book_session_again(
    session: PlannedSession, visit: Appointment, *, today: date, tz: ZoneInfo
) -> ToDo:
    again = session.appointment_id == visit.id
    return ToDo(
        f"Book session {session.number}{' again' if again else ''}: any day from "
        f"{readable_date(session.window_start, today=today, tz=tz)} to "
        f"{readable_date(session.window_end, today=today, tz=tz)}.",
        "portal.book_session",
        {"session_id": session.id, "service_id": visit.service_id},
        "Book again" if again else f"Book session {session.number}",
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
            f"Patient #{patient.id} changed her message choices in the portal",
            now=now,
            changes={
                "email_consent": [before[0], after[0]],
                "sms_consent": [before[1], after[1]],
                "reminders": [before[2], after[2]],
            },
        )
