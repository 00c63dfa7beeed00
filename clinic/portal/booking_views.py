"""Self-service: book a due planned session or the results check-in from the free times
inside its window, move a visit, cancel one. Every booking goes through clinic.operations,
the same engine and rules as the front desk and the API. Moving and cancelling stop
`late_cancel_hours` before the visit; later, the page gives the clinic's number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for

from clinic.clock import local_today, utcnow
from clinic.errors import ClinicError, NotFound, RuleBroken
from clinic.extensions import db
from clinic.operations import VisitRequest, book_visit, cancel_visit, find_open_times, move_visit
from clinic.plans.models import PlannedSession, PlanStatus
from clinic.plans.rules import SessionStatus
from clinic.plans.service import results_check_in_window, status_of
from clinic.portal.blueprint import bp, current_patient
from clinic.portal.rules import CANCEL_REASONS, may_change
from clinic.portal.service import (
    current_plan,
    get_own_session,
    get_own_visit,
    plan_view,
    portal_actor,
    preferred_service,
    services_of_kind,
)
from clinic.practice.models import Clinic, Provider, Service, ServiceKind
from clinic.practice.service import get_clinic
from clinic.scheduling.availability import AvailabilityQuery
from clinic.scheduling.models import Appointment
from clinic.scheduling.status import AppointmentStatus

LONGEST_SEARCH = timedelta(days=62)


@dataclass(frozen=True)
class Choice:
    start_utc: datetime
    provider_id: int
    provider_name: str


@dataclass(frozen=True)
class Target:
    """What is being booked or moved, and the days it may fall on."""

    title: str
    window_start: date
    window_end: date
    services: list[Service]
    service: Service
    planned_session: PlannedSession | None = None
    ignore_appointment_id: int | None = None


def _choices(target: Target, *, clinic: Clinic, now: datetime) -> dict[date, list[Choice]]:
    """Free times by day, one per start time (her usual provider first)."""
    tz = ZoneInfo(clinic.timezone)
    today = local_today(tz, now)
    from_on = max(target.window_start, today)
    to_on = min(target.window_end, from_on + LONGEST_SEARCH)
    if to_on < from_on:
        return {}
    patient = current_patient()
    slots = find_open_times(
        AvailabilityQuery(
            target.service,
            from_on,
            to_on,
            patient=patient,
            ignore_appointment_id=target.ignore_appointment_id,
        ),
        clinic=clinic,
        now=now,
        planned_session=target.planned_session,
    )
    usual = _usual_provider(patient.id)
    names = {p.id: p.name for p in db.session.scalars(db.select(Provider))}
    by_day: dict[date, dict[datetime, Choice]] = {}
    for slot in slots:
        day = slot.start_utc.astimezone(tz).date()
        times = by_day.setdefault(day, {})
        if slot.start_utc not in times or slot.provider_id == usual:
            times[slot.start_utc] = Choice(
                slot.start_utc, slot.provider_id, names.get(slot.provider_id, "")
            )
    return {day: sorted(times.values(), key=lambda c: c.start_utc) for day, times in by_day.items()}


def _usual_provider(patient_id: int) -> int | None:
    visit = db.session.scalar(
        db.select(Appointment)
        .where(Appointment.patient_id == patient_id)
        .order_by(Appointment.starts_at.desc())
        .limit(1)
    )
    return visit.provider_id if visit else None


def _picked_service(services: list[Service]) -> Service:
    wanted = request.values.get("service_id", type=int)
    chosen = next((s for s in services if s.id == wanted), None)
    found = chosen or preferred_service(current_patient().id, services)
    if found is None:
        raise NotFound("The clinic does not offer this visit online; please call us.")
    return found


def _parse_start(tz: ZoneInfo) -> tuple[datetime, int]:
    """The chosen time: `slot` ("<ISO start>|<provider id>"), as the time buttons send it."""
    start_text, _, provider_text = request.form.get("slot", "").partition("|")
    try:
        starts_at = datetime.fromisoformat(start_text)
        provider_id = int(provider_text)
    except ValueError as error:
        raise RuleBroken("Choose one of the times shown.", {"start": "Choose a time."}) from error
    if starts_at.tzinfo is None:
        raise RuleBroken("Choose one of the times shown.", {"start": "Choose a time."})
    return starts_at, provider_id


def _check_window(target: Target, starts_at: datetime, tz: ZoneInfo) -> None:
    day = starts_at.astimezone(tz).date()
    if not target.window_start <= day <= target.window_end:
        message = f"Choose a day from {target.window_start:%-d %B} to {target.window_end:%-d %B}."
        raise RuleBroken(message, {"start": message})


def _picker(target: Target, *, action: str, error: str | None = None, status: int = 200) -> Any:
    clinic = get_clinic()
    now = utcnow()
    choices = _choices(target, clinic=clinic, now=now)
    days = sorted(choices)
    wanted = request.args.get("day", "")
    day = next((d for d in days if d.isoformat() == wanted), days[0] if days else None)
    return render_template(
        "portal/book.html",
        target=target,
        days=days,
        day=day,
        times=choices.get(day, []) if day else [],
        action=action,
        error=error,
    ), status


def _session_target(session_id: int) -> Target:
    patient = current_patient()
    session = get_own_session(patient.id, session_id)
    clinic = get_clinic()
    today = local_today(ZoneInfo(clinic.timezone), utcnow())
    if session.plan.status is not PlanStatus.ACTIVE or status_of(session, today) not in (
        SessionStatus.DUE,
    ):
        raise RuleBroken(f"Session {session.number} cannot be booked here; please call the clinic.")
    services = services_of_kind(ServiceKind.MICRONEEDLING)
    return Target(
        f"Book session {session.number} of {len(session.plan.sessions)}",
        session.window_start,
        session.window_end,
        services,
        _picked_service(services),
        planned_session=session,
    )


def _results_target() -> Target:
    patient = current_patient()
    clinic = get_clinic()
    today = local_today(ZoneInfo(clinic.timezone), utcnow())
    plan = current_plan(patient.id)
    view = plan_view(plan, clinic=clinic, today=today) if plan else None
    if view is None or not view.results_bookable:
        raise RuleBroken("There is no results check-in to book now; please call the clinic.")
    services = services_of_kind(ServiceKind.RESULTS_CHECK_IN)
    return Target(
        "Book your results check-in",
        view.results_start,
        view.results_end,
        services,
        _picked_service(services),
    )


def _book(target: Target, action: str) -> Any:
    clinic = get_clinic()
    tz = ZoneInfo(clinic.timezone)
    patient = current_patient()
    try:
        starts_at, provider_id = _parse_start(tz)
        _check_window(target, starts_at, tz)
        visit = book_visit(
            VisitRequest(
                patient_id=patient.id,
                service_id=target.service.id,
                starts_at=starts_at,
                provider_id=provider_id,
                planned_session_id=target.planned_session.id if target.planned_session else None,
            ),
            clinic=clinic,
            actor=portal_actor(patient.id),
            now=utcnow(),
        )
    except ClinicError as refusal:
        db.session.rollback()
        return _picker(target, action=action, error=_kindly(refusal), status=refusal.status)
    db.session.commit()
    flash("Your visit is booked. We have sent you the details.", "success")
    return redirect(url_for("portal.visit", appointment_id=visit.id))


def _kindly(refusal: ClinicError) -> str:
    if refusal.status == 409:
        return "Someone has just taken that time. Please choose another."
    return refusal.message


@bp.route("/book/session/<int:session_id>", methods=["GET", "POST"])
def book_session(session_id: int) -> Any:
    target = _session_target(session_id)
    action = url_for("portal.book_session", session_id=session_id)
    if request.method == "GET":
        return _picker(target, action=action)
    return _book(target, action)


@bp.route("/book/results-check-in", methods=["GET", "POST"])
def book_results() -> Any:
    target = _results_target()
    action = url_for("portal.book_results")
    if request.method == "GET":
        return _picker(target, action=action)
    return _book(target, action)


def _changeable(appointment_id: int) -> Appointment:
    """Her visit, when she may still change it herself; otherwise a page with the number."""
    clinic = get_clinic()
    visit = get_own_visit(current_patient().id, appointment_id)
    if visit.status is not AppointmentStatus.BOOKED:
        raise RuleBroken("This visit can no longer be changed.")
    if not may_change(visit.starts_at, utcnow(), clinic.late_cancel_hours):
        raise RuleBroken(
            f"Your visit is less than {clinic.late_cancel_hours} hours away, so it can no "
            f"longer be changed online. Please call us on {clinic.phone}."
        )
    return visit


def _move_target(visit: Appointment) -> Target:
    clinic = get_clinic()
    tz = ZoneInfo(clinic.timezone)
    today = local_today(tz, utcnow())
    session = db.session.scalar(
        db.select(PlannedSession).where(PlannedSession.appointment_id == visit.id)
    )
    start, end = today, today + timedelta(weeks=6)
    plan = current_plan(visit.patient_id)
    if session is not None:
        start, end = session.window_start, session.window_end
    elif plan is not None and plan.results_appointment_id == visit.id:
        window = results_check_in_window(plan, clinic)
        start, end = window.start, window.end
    return Target(
        "Move your visit",
        start,
        end,
        [visit.service],
        visit.service,
        planned_session=session,
        ignore_appointment_id=visit.id,
    )


@bp.route("/appointments/<int:appointment_id>/reschedule", methods=["GET", "POST"])
def reschedule(appointment_id: int) -> Any:
    visit = _changeable(appointment_id)
    target = _move_target(visit)
    action = url_for("portal.reschedule", appointment_id=visit.id)
    if request.method == "GET":
        return _picker(target, action=action)
    clinic = get_clinic()
    tz = ZoneInfo(clinic.timezone)
    try:
        starts_at, provider_id = _parse_start(tz)
        _check_window(target, starts_at, tz)
        move_visit(
            visit,
            starts_at,
            provider_id,
            clinic=clinic,
            actor=portal_actor(visit.patient_id),
            now=utcnow(),
        )
    except ClinicError as refusal:
        db.session.rollback()
        return _picker(target, action=action, error=_kindly(refusal), status=refusal.status)
    db.session.commit()
    flash("Your visit has moved. We have sent you the new time.", "success")
    return redirect(url_for("portal.visit", appointment_id=visit.id))


@bp.route("/appointments/<int:appointment_id>/cancel", methods=["GET", "POST"])
def cancel(appointment_id: int) -> Any:
    visit = _changeable(appointment_id)
    error = None
    if request.method == "POST":
        reason = request.form.get("reason", "").strip()
        if reason == "Something else":
            reason = request.form.get("details", "").strip() or reason
        if not reason:
            error = "Please tell us why."
        else:
            clinic = get_clinic()
            try:
                cancel_visit(
                    visit,
                    f"Patient (portal): {reason}"[:500],
                    clinic=clinic,
                    actor=portal_actor(visit.patient_id),
                    now=utcnow(),
                )
            except ClinicError as refusal:
                db.session.rollback()
                error = refusal.message
            else:
                db.session.commit()
                flash("Your visit is cancelled.", "success")
                return redirect(url_for("portal.visit", appointment_id=visit.id))
    return render_template(
        "portal/cancel.html", visit=visit, reasons=CANCEL_REASONS, error=error
    ), (422 if error else 200)
