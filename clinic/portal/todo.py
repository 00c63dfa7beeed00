"""What the portal asks her to do now, and what holds her back: the to-do list of her
home page (the screening before a visit, a session or the results check-in to book, a
session whose days passed), why she cannot book microneedling online (a screening to
answer, or a talk with the clinic first), and how to book a cancelled or missed visit
again."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from clinic.patients.models import Patient
from clinic.plans.models import PlannedSession, PlanStatus
from clinic.plans.service import session_to_book_again
from clinic.portal.dates import DateStyle, on_day, readable_date
from clinic.portal.service import PlanView, current_plan, plan_view
from clinic.practice.models import Clinic, ServiceKind
from clinic.practice.service import open_span
from clinic.scheduling.models import Appointment
from clinic.scheduling.screening import screening_allows_check_in
from clinic.scheduling.screenings import latest_screening, microneedling_verdict, screening_policy
from clinic.scheduling.status import AppointmentStatus


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
    verdict = microneedling_verdict(patient, on, clinic, is_cleared=is_cleared)
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
        days = _any_day(s.window_start, s.window_end, today, tz)
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
                "Book your results check-in: "
                f"{_any_day(view.results_start, view.results_end, today, tz)}.",
                "portal.book_results",
                {},
                "Book the check-in",
            )
        )
    return todo


def _any_day(first: date, last: date, today: date, tz: ZoneInfo) -> str:
    """ "any day from ... to ...", named by the days the clinic opens in between."""
    first, last = open_span(first, last)
    return (
        f"any day from {readable_date(first, today=today, tz=tz, style=DateStyle.DAY)} "
        f"to {readable_date(last, today=today, tz=tz, style=DateStyle.DAY)}"
    )


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
        first, last = open_span(view.results_start, view.results_end)
        return ToDo(
            "Book your results check-in again: any day from "
            f"{readable_date(first, today=today, tz=tz)} "
            f"to {readable_date(last, today=today, tz=tz)}.",
            "portal.book_results",
            {"service_id": visit.service_id},
            "Book again",
        )
    return None


def _book_session_again(
    session: PlannedSession, visit: Appointment, *, today: date, tz: ZoneInfo
) -> ToDo:
    again = session.appointment_id == visit.id
    first, last = open_span(session.window_start, session.window_end)
    return ToDo(
        f"Book session {session.number}{' again' if again else ''}: any day from "
        f"{readable_date(first, today=today, tz=tz)} to "
        f"{readable_date(last, today=today, tz=tz)}.",
        "portal.book_session",
        {"session_id": session.id, "service_id": visit.service_id},
        "Book again" if again else f"Book session {session.number}",
    )
