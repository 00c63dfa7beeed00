"""Plans read, and their sessions' state: due, booked, done, missed; how many the year has
left; the results check-in's window. Making a plan: creation.py; changing, pausing,
cancelling, outcomes and renewal: lifecycle.py; the call list: call_list.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from clinic.audit.service import Actor, record
from clinic.clock import local_day_bounds
from clinic.errors import NotFound, RuleBroken
from clinic.extensions import db
from clinic.plans.models import Plan, PlannedSession, PlanStatus
from clinic.plans.rules import (
    DateWindow,
    PlanPolicy,
    SessionStatus,
    SessionTarget,
    results_window,
    session_status,
    shift_after,
)
from clinic.practice.models import Clinic, Service, ServiceKind
from clinic.scheduling.models import Appointment
from clinic.scheduling.status import HOLDING_TIME, AppointmentStatus


def plan_policy(clinic: Clinic) -> PlanPolicy:
    return PlanPolicy(
        default_sessions=clinic.sessions_per_year_default,
        max_sessions=clinic.sessions_per_year_max,
        min_gap_days=clinic.min_session_gap_days,
        window_days=clinic.session_window_days,
        results_from_weeks=clinic.results_window_start_weeks,
        results_to_weeks=clinic.results_window_end_weeks,
    )


def services_for_patient(patient_id: int, services: Sequence[Service]) -> list[Service]:
    """The services fit for a patient's next visit, the likeliest first. With an open plan,
    those treating any of its indications (all, when none names one); first the service of
    her latest visit (a course goes on treating the same area), then those treating the
    most of the plan's indications, then the order given. The desk's finder preselects
    the first; the portal offers the list."""
    plan = find_open_plan(patient_id)
    wanted = set(plan.indications) if plan is not None else set()
    fit = [s for s in services if wanted & set(s.indications or [])] or list(services)
    offered = {s.id for s in fit}
    latest = db.session.scalar(  # one row, not her whole visit list with its relations
        select(Appointment.service_id)
        .where(Appointment.patient_id == patient_id, Appointment.service_id.in_(offered))
        .order_by(Appointment.starts_at.desc(), Appointment.id.desc())
        .limit(1)
    )
    ranked = sorted(
        enumerate(fit),
        key=lambda item: (
            item[1].id != latest,
            -len(wanted & set(item[1].indications or [])),
            item[0],
        ),
    )
    return [service for _, service in ranked]


def get_plan(plan_id: int) -> Plan:
    plan = db.session.scalar(
        select(Plan)
        .where(Plan.id == plan_id)
        .options(selectinload(Plan.sessions).selectinload(PlannedSession.appointment))
    )
    if plan is None:
        raise NotFound(f"There is no plan {plan_id}.")
    return plan


def find_open_plan(patient_id: int) -> Plan | None:
    return db.session.scalar(
        select(Plan).where(
            Plan.patient_id == patient_id, Plan.status.in_([PlanStatus.ACTIVE, PlanStatus.PAUSED])
        )
    )


def active_plans() -> list[Plan]:
    """Every active plan with its sessions, their visits, the patient and the results
    check-in loaded (the call list and the nightly nudges walk them all)."""
    return list(
        db.session.scalars(
            select(Plan)
            .where(Plan.status == PlanStatus.ACTIVE)
            .options(
                selectinload(Plan.sessions).selectinload(PlannedSession.appointment),
                selectinload(Plan.patient),
                selectinload(Plan.results_appointment),
            )
        )
    )


def list_patient_plans(patient_id: int) -> list[Plan]:
    return list(
        db.session.scalars(
            select(Plan)
            .where(Plan.patient_id == patient_id)
            .order_by(Plan.start_date.desc(), Plan.id.desc())
            .options(selectinload(Plan.sessions).selectinload(PlannedSession.appointment))
        )
    )


def get_session(session_id: int) -> PlannedSession:
    session = db.session.get(PlannedSession, session_id)
    if session is None:
        raise NotFound(f"There is no planned session {session_id}.")
    return session


def status_of(session: PlannedSession, today: date) -> SessionStatus:
    appointment = session.appointment
    return session_status(
        appointment_status=appointment.status.value if appointment else None,
        window_end=session.window_end,
        today=today,
        plan_cancelled=session.plan.status is PlanStatus.CANCELLED,
    )


def session_to_book_again(appointment_id: int, today: date) -> PlannedSession | None:
    """The planned session a cancelled or missed visit held, while its plan is active and
    the session is due again (both faces' "Book again" book it as that session)."""
    session = db.session.scalar(
        select(PlannedSession).where(PlannedSession.appointment_id == appointment_id)
    )
    if session is None or session.plan.status is not PlanStatus.ACTIVE:
        return None
    return session if status_of(session, today) is SessionStatus.DUE else None


UNBOOKED = (SessionStatus.DUE, SessionStatus.MISSED)
"""A session still to book: the front desk may book it, late too, and a nudge for it still
makes sense. (The portal lets a patient book only a due one: a missed window needs a call.)"""


def sessions_left(plan: Plan, tz: ZoneInfo) -> int:
    """How many more microneedling visits the plan's year allows. Every visit in the year
    that holds time counts, from the plan or not (an extra visit uses up a session, as the
    cap at booking says), so a nudge never asks for a session that would be refused."""
    year_start, _ = local_day_bounds(plan.start_date, tz)
    year_end, _ = local_day_bounds(plan.end_date, tz)  # the year's end date is exclusive
    held = db.session.scalar(
        select(func.count())
        .select_from(Appointment)
        .join(Service, Service.id == Appointment.service_id)
        .where(
            Appointment.patient_id == plan.patient_id,
            Appointment.status.in_(HOLDING_TIME),
            Service.kind == ServiceKind.MICRONEEDLING,
            Appointment.starts_at >= year_start,
            Appointment.starts_at < year_end,
        )
    )
    return max(0, plan.sessions_per_year - (held or 0))


def unbooked_sessions(plan: Plan, today: date) -> list[PlannedSession]:
    """The plan's sessions still to book, in order."""
    return [session for session in plan.sessions if status_of(session, today) in UNBOOKED]


def settled_numbers(plan: Plan, today: date) -> set[int]:
    """The numbers of the sessions done or booked: changes of the plan leave them be."""
    return {
        session.number
        for session in plan.sessions
        if status_of(session, today) in (SessionStatus.DONE, SessionStatus.BOOKED)
    }


def is_course_settled(plan: Plan, today: date) -> bool:
    """Whether every session is done or booked: only then is there a course whose results a
    check-in looks at, so the nudge, the call list and the portal's offer wait for it."""
    return len(settled_numbers(plan, today)) == len(plan.sessions)


def results_check_in_window(plan: Plan, clinic: Clinic) -> DateWindow:
    """Projected from the last session's target until that session is booked, then from
    its visit's day (booked or done)."""
    from zoneinfo import ZoneInfo

    last = plan.sessions[-1]
    if last.appointment is not None and last.appointment.status.holds_time:
        last_on = last.appointment.starts_at.astimezone(ZoneInfo(clinic.timezone)).date()
    else:
        last_on = last.target_date
    return results_window(last_on, plan_policy(clinic))


def check_in_too_soon(plan: Plan, clinic: Clinic) -> bool:
    """Whether the active plan's booked results check-in falls before its window: the last
    session, booked or done, has moved later since. (With the last session not booked, the
    window is projected, and the session is what to book first. A paused plan's rules rest,
    as they do when its check-in moves.)"""
    if plan.status is not PlanStatus.ACTIVE:
        return False
    check_in, last = plan.results_appointment, plan.sessions[-1].appointment
    if check_in is None or check_in.status is not AppointmentStatus.BOOKED:
        return False
    if last is None or not last.status.holds_time:
        return False
    check_in_on = check_in.starts_at.astimezone(ZoneInfo(clinic.timezone)).date()
    return check_in_on < results_check_in_window(plan, clinic).start


def session_done(session: PlannedSession, done_on: date, *, clinic: Clinic) -> None:
    """Move the later targets to keep the spacing after a session done early or late; those
    booked keep theirs (their visits are where they are)."""
    plan = session.plan
    targets = [
        SessionTarget(s.number, s.target_date, s.window_start, s.window_end) for s in plan.sessions
    ]
    moved = shift_after(
        targets, session.number, done_on, plan.start_date, plan_policy(clinic), end_on=plan.end_date
    )
    for planned, target in zip(plan.sessions, moved, strict=True):
        visit = planned.appointment  # one cancelled or missed leaves the session to book
        if planned.number > session.number and (visit is None or not visit.status.holds_time):
            planned.target_date = target.target_on
            planned.window_start = target.window_start
            planned.window_end = target.window_end


def reopen_session(
    session: PlannedSession, *, clinic: Clinic, actor: Actor, today: date, now: datetime
) -> PlannedSession:
    """Give a missed session a new booking window from today, so that it can be rebooked.

    The window runs from today to `window_days` after its new target (`window_days` from
    today), but ends before the next session's window opens and inside the plan year, so
    windows still never overlap. With no day left before the next window, book that one.
    """
    plan = session.plan
    if plan.status is not PlanStatus.ACTIVE:
        message = not_bookable_sentence(plan.status)
        raise RuleBroken(message, {"status": message})
    if status_of(session, today) is not SessionStatus.MISSED:
        message = f"Session {session.number} is not missed."
        raise RuleBroken(message, {"planned_session_id": message})
    policy = plan_policy(clinic)
    last_day = plan.end_date - timedelta(days=1)
    later = [s for s in plan.sessions if s.number > session.number]
    if later:
        last_day = min(last_day, later[0].window_start - timedelta(days=1))
    window_end = min(today + timedelta(days=2 * policy.window_days), last_day)
    if window_end < today:
        message = (
            f"There is no time left before session {later[0].number}'s window"
            if later
            else "The plan year is over"
        ) + f"; session {session.number} cannot be rebooked."
        raise RuleBroken(message, {"planned_session_id": message})
    before = (session.window_start.isoformat(), session.window_end.isoformat())
    session.target_date = min(today + timedelta(days=policy.window_days), window_end)
    session.window_start = today
    session.window_end = window_end
    record(
        actor,
        "reopen",
        "plan",
        plan.id,
        f"Gave missed session {session.number} of plan #{plan.id} a new window",
        now=now,
        changes={"from": before, "to": (today.isoformat(), window_end.isoformat())},
    )
    return session


def not_bookable_sentence(status: PlanStatus) -> str:
    """Why a plan that is not active takes no bookings, and what (if anything) would."""
    if status is PlanStatus.PAUSED:
        return "The plan is paused; resume it to book its sessions."
    return f"The plan is {status.value}: its sessions can no longer be booked."
