"""Making a plan: the request, its checks (one open plan per patient; the count rules;
next year's plan in a plan year's last month), the sessions' targets and windows, and the
preview the builder shows before anything is saved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from clinic.audit.reasons import reason_problem
from clinic.audit.service import Actor, record
from clinic.errors import RuleBroken
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.patients.rules import age_on, day_turning
from clinic.plans.models import Plan, PlannedSession, PlanStatus
from clinic.plans.rules import (
    RENEWAL_DAYS,
    PlanPolicy,
    SessionTarget,
    count_problem,
    long_day,
    may_renew,
    plan_end,
    plan_targets,
)
from clinic.plans.service import find_open_plan, plan_policy, results_check_in_window
from clinic.practice.models import Clinic, Closure, Service, ServiceKind
from clinic.scheduling.models import Appointment
from clinic.scheduling.status import AppointmentStatus


@dataclass(frozen=True)
class PlanRequest:
    patient_id: int
    indications: tuple[str, ...]
    start_date: date
    sessions_per_year: int | None = None
    override_reason: str | None = None
    renewed_from_id: int | None = None


def preview_targets(clinic: Clinic, start_on: date, sessions: int) -> list[SessionTarget]:
    """The targets a plan would get, for the builder's timeline before saving."""
    closed = set(
        db.session.scalars(
            select(Closure.on).where(Closure.on >= start_on, Closure.on < plan_end(start_on))
        )
    )
    open_weekdays = {row.weekday for row in clinic.opening_hours} or set(range(7))
    return plan_targets(
        start_on, sessions, plan_policy(clinic), closed_on=closed, open_weekdays=open_weekdays
    )


def create_plan(
    request: PlanRequest, *, clinic: Clinic, actor: Actor, today: date, now: datetime
) -> Plan:
    """A new active plan. `override_reason` is the caller's responsibility to allow (a
    clinician's); here it only lifts the indication limit, never the maximum."""
    policy = plan_policy(clinic)
    patient = db.session.get(Patient, request.patient_id)
    problems = _request_problems(request, patient, clinic, today)
    if problems or patient is None:
        raise RuleBroken(next(iter(problems.values())), problems)
    sessions = _sessions_asked(request, policy)
    override = (request.override_reason or "").strip() or None
    start = request.start_date
    plan = Plan(
        patient_id=patient.id,
        indications=sorted(set(request.indications)),
        sessions_per_year=sessions,
        start_date=start,
        end_date=plan_end(start),
        status=PlanStatus.ACTIVE,
        override_reason=override,
        renewed_from_id=request.renewed_from_id,
        created_at=now,
        created_by_label=actor.label,
    )
    plan.sessions.extend(planned_session(t) for t in preview_targets(clinic, start, sessions))
    renewed = find_open_plan(patient.id)
    if renewed is not None and _renews(request, renewed):
        renewed.status = PlanStatus.COMPLETED
        db.session.flush()  # closed before the new one opens: one open plan per patient
        record(
            actor,
            "complete",
            "plan",
            renewed.id,
            f"Completed plan #{renewed.id}: next year's plan replaces it",
            now=now,
        )
    try:
        with db.session.begin_nested():  # one open plan per patient: the database decides
            db.session.add(plan)
            db.session.flush()
    except IntegrityError as error:
        problem = "The patient already has an active plan; close it first."
        raise RuleBroken(problem, {"patient_id": problem}) from error
    _adopt_booked_visits(plan, clinic)
    record(
        actor,
        "create",
        "plan",
        plan.id,
        f"Created a plan of {sessions} session(s) a year for patient #{patient.id}",
        now=now,
        changes={"sessions_per_year": sessions, "over_the_usual_cap": bool(override)},
    )
    return plan


def _adopt_booked_visits(plan: Plan, clinic: Clinic) -> None:
    """Her microneedling visits already booked inside a session's window (and held by no
    other session) become those sessions, as booking them there now would: the plan does
    not ask for them again, nor refuse them by the gap from themselves."""
    tz = ZoneInfo(clinic.timezone)
    held = select(PlannedSession.appointment_id).where(PlannedSession.appointment_id.is_not(None))
    visits = db.session.scalars(
        select(Appointment)
        .join(Appointment.service)
        .where(
            Appointment.patient_id == plan.patient_id,
            Appointment.status == AppointmentStatus.BOOKED,
            Service.kind == ServiceKind.MICRONEEDLING,
            Appointment.id.not_in(held),
        )
        .order_by(Appointment.starts_at)
    )
    open_sessions = list(plan.sessions)
    for visit in visits:
        day = visit.starts_at.astimezone(tz).date()
        session = next((s for s in open_sessions if s.window_start <= day <= s.window_end), None)
        if session is not None:
            session.appointment_id = visit.id
            open_sessions.remove(session)
    db.session.flush()


def planned_session(target: SessionTarget) -> PlannedSession:
    return PlannedSession(
        number=target.number,
        target_date=target.target_on,
        window_start=target.window_start,
        window_end=target.window_end,
    )


def find_renewal(plan_id: int) -> Plan | None:
    """Next year's plan made from this one, if any."""
    return db.session.scalar(select(Plan).where(Plan.renewed_from_id == plan_id).limit(1))


def _renews(request: PlanRequest, plan: Plan) -> bool:
    """Whether the request is next year's plan for this open plan: creating it closes the
    open one (the call list asks for renewal in a plan year's last 30 days)."""
    return request.renewed_from_id == plan.id


def _check_in_to_book(plan: Plan, clinic: Clinic, today: date) -> str | None:
    """Why next year's plan must wait for this one's results check-in, or None: a check-in
    booked after the renewal would become the new plan's (API.md: it joins the active
    plan), so it is booked first, while this plan is still the open one."""
    check_in = plan.results_appointment
    if check_in is not None and check_in.status.holds_time:
        return None
    window = results_check_in_window(plan, clinic)
    if window.end < today:
        return None  # its time has passed: nothing left to book for this course
    return (
        f"Book the results check-in first (between {long_day(window.start)} and "
        f"{long_day(window.end)}): it belongs to this plan, which next year's plan closes."
    )


def _request_problems(
    request: PlanRequest, patient: Patient | None, clinic: Clinic, today: date
) -> dict[str, str]:
    """What is wrong with a plan request, by field (empty when it may be created)."""
    policy = plan_policy(clinic)
    problems: dict[str, str] = {}
    if patient is None:
        problems["patient_id"] = f"There is no patient {request.patient_id}."
    elif (open_plan := find_open_plan(patient.id)) is not None:
        if not _renews(request, open_plan):
            problems["patient_id"] = (
                "The patient already has an active plan; finish or cancel it first."
            )
        elif not may_renew(open_plan.end_date, today, is_closed=False):
            opens = open_plan.end_date - timedelta(days=RENEWAL_DAYS)
            problems["patient_id"] = (
                f"Her plan runs until {long_day(open_plan.end_date - timedelta(days=1))}: "
                f"next year's plan can be made from {long_day(opens)}."
            )
        elif (missing := _check_in_to_book(open_plan, clinic, today)) is not None:
            problems["patient_id"] = missing
        elif request.start_date < open_plan.end_date:
            problems["start_date"] = (
                "Next year's plan starts once this plan year ends: on "
                f"{long_day(open_plan.end_date)} or later."
            )
    sessions = _sessions_asked(request, policy)
    override = (request.override_reason or "").strip() or None
    problem = count_problem(
        request.indications, sessions, has_override=override is not None, policy=policy
    )
    if problem is not None:
        field, sentence = problem
        problems[field] = sentence
    if override is not None and (unkept := reason_problem(override)) is not None:
        problems["override_reason"] = unkept
    if patient is not None and (
        too_young := _too_young(patient, request.start_date, clinic, today)
    ):
        problems["start_date"] = too_young
    elif not today - timedelta(days=365) <= request.start_date <= today + timedelta(days=365):
        problems["start_date"] = "Start the plan within a year of today."
    return problems


def first_start(patient: Patient, clinic: Clinic, today: date) -> date:
    """The start the builder proposes, and the earliest her age allows from `today`: today,
    or the day she reaches the clinic's minimum age (microneedling is for adults:
    DOMAIN.md). A plan written up afterwards may start in the past year."""
    return max(today, day_turning(patient.date_of_birth, clinic.minimum_age))


def _too_young(patient: Patient, start_on: date, clinic: Clinic, today: date) -> str | None:
    """Why her plan cannot start on `start_on` for her age, or None. Sign-off ages are
    judged visit by visit, when each is booked."""
    if age_on(patient.date_of_birth, start_on) >= clinic.minimum_age:
        return None
    adult_on = first_start(patient, clinic, start_on)
    sentence = (
        f"{patient.first_name} turns {clinic.minimum_age} on {long_day(adult_on)}: "
        f"microneedling is for patients aged {clinic.minimum_age} and over, so the plan can "
        "start from then"
    )
    if (made_from := plan_made_from(adult_on)) > today:
        return (
            f"{sentence}; a plan starts within a year, so hers can be made from "
            f"{long_day(made_from)}."
        )
    return sentence + "."


def plan_made_from(start_on: date) -> date:
    """The first day a plan starting on `start_on` can be made: plans start within a year
    of the day they are made."""
    return start_on - timedelta(days=365)


def _sessions_asked(request: PlanRequest, policy: PlanPolicy) -> int:
    """The count asked for, or the clinic's default when none was given (0 is a count, and
    the rules refuse it)."""
    if request.sessions_per_year is None:
        return policy.default_sessions
    return request.sessions_per_year


def preview_plan(request: PlanRequest, *, clinic: Clinic, today: date) -> list[SessionTarget]:
    """The targets create_plan would give this request, checked by the same rules, without
    saving anything: the builder's "Preview"."""
    policy = plan_policy(clinic)
    patient = db.session.get(Patient, request.patient_id)
    problems = _request_problems(request, patient, clinic, today)
    if problems:
        raise RuleBroken(next(iter(problems.values())), problems)
    sessions = _sessions_asked(request, policy)
    return preview_targets(clinic, request.start_date, sessions)
