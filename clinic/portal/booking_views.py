"""Self-service: book a due planned session or the results check-in from the free times
inside its window, move a visit, cancel one. Every booking goes through clinic.operations,
the same engine and rules as the front desk and the API. Moving and cancelling stop
`late_cancel_hours` before the visit; later, the page gives the clinic's number.

Each booking page works in two steps on its one path: a GET shows the free times (each a
link back to the same path with `start` and `provider_id`), and that GET shows a short
confirm page whose form POSTs the booking or the move. Nothing changes on a tap alone.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for

from clinic.clock import local_today, utcnow
from clinic.display import phone_as_read
from clinic.errors import ClinicError, Conflict, NotFound, RuleBroken
from clinic.extensions import db
from clinic.operations import VisitRequest, book_visit, cancel_visit, move_visit
from clinic.patients.models import Patient
from clinic.plans.models import PlannedSession, PlanStatus
from clinic.plans.rules import SessionStatus
from clinic.plans.service import results_check_in_window, services_for_patient, status_of
from clinic.portal.blueprint import bp, current_patient
from clinic.portal.dates import DateStyle, readable_date
from clinic.portal.picker import (
    Picked,
    Target,
    find_choice,
    open_choices,
    opening_day,
    read_pick,
    search_days,
)
from clinic.portal.rules import CANCEL_REASONS, confirmation_note, may_change
from clinic.portal.service import (
    current_plan,
    get_own_session,
    get_own_visit,
    plan_view,
    portal_actor,
    services_of_kind,
)
from clinic.portal.todo import microneedling_hold
from clinic.practice.models import Clinic, Service, ServiceKind
from clinic.practice.service import get_clinic
from clinic.scheduling.models import Appointment
from clinic.scheduling.setup_notices import find_setup_notices
from clinic.scheduling.status import AppointmentStatus

TAKEN = "Someone has just taken that time. Please choose another."


def _what_she_hears(patient: Patient, *, moved: bool) -> str:
    """The confirmation is queued, not sent (quiet hours may hold it): say what will come."""
    return confirmation_note(
        by_email=bool(patient.email and patient.email_consent),
        by_text=bool(patient.phone and patient.sms_consent),
        moved=moved,
    )


def _picked_service(services: list[Service]) -> Service:
    wanted = request.values.get("service_id", type=int)
    chosen = next((s for s in services if s.id == wanted), None)
    found = chosen or (services[0] if services else None)
    if found is None:
        raise NotFound("The clinic does not offer this visit online; please call us.")
    return found


def _check_window(target: Target, picked: Picked, tz: ZoneInfo) -> None:
    day = picked.starts_at.astimezone(tz).date()
    if not target.window_start <= day <= target.window_end:
        today = local_today(tz, utcnow())
        first, last = (
            readable_date(on, today=today, tz=tz, style=DateStyle.DAY)
            for on in (target.window_start, target.window_end)
        )
        message = f"Choose a day from {first} to {last}."
        raise RuleBroken(message, {"start": message})


def _check_offered(target: Target, picked: Picked, clinic: Clinic) -> None:
    """She books only a time the picker offers: a start off the clinic's grid, or a time
    taken since she saw it, is sent back to the picker (a link or a form can be edited)."""
    tz = ZoneInfo(clinic.timezone)
    day = picked.starts_at.astimezone(tz).date()
    choices = open_choices(target, current_patient(), clinic=clinic, now=utcnow(), on=day)
    if find_choice(choices, picked, tz) is None:
        raise Conflict(TAKEN, [])


def _picker(
    target: Target,
    *,
    action: str,
    error: str | None = None,
    status: int = 200,
    day_asked: date | None = None,
) -> Any:
    """The day strip and the day's free times; moving, her current visit's day is in the
    strip (even with no other time free that day) and opens first, unless the clinic's
    setup no longer allows her visit and nothing else is free that day (a closure)."""
    clinic = get_clinic()
    tz = ZoneInfo(clinic.timezone)
    now = utcnow()
    choices = open_choices(target, current_patient(), clinic=clinic, now=now)
    current_on = None
    if target.current is not None:
        current_on = target.current.starts_at.astimezone(tz).date()
        searched = search_days(target, local_today(tz, now))
        misfit = target.current.id in find_setup_notices([target.current], clinic, now)
        if misfit and current_on not in choices:
            current_on = None  # a day she cannot come (closed, say): open on a free one
        elif searched is not None and searched[0] <= current_on <= searched[1]:
            choices.setdefault(current_on, [])
    days = sorted(choices)
    hold = None
    if not days and target.service.kind is ServiceKind.MICRONEEDLING:
        # Nothing free may be her screening or age, not the diary: say so, and what helps.
        first_on = max(target.window_start, local_today(tz, now))
        hold = microneedling_hold(current_patient(), clinic=clinic, on=first_on)
    asked = day_asked.isoformat() if day_asked else request.args.get("day", "")
    day = opening_day(days, asked=asked, current_on=current_on)
    return render_template(
        "portal/book.html",
        target=target,
        days=days,
        day=day,
        current_on=current_on,
        times=choices.get(day, []) if day else [],
        action=action,
        error=error,
        hold=hold,
    ), status


def _confirm(target: Target, *, action: str) -> Any:
    """The confirm step for the time in the link, while it is still free; else the picker
    again, on that day, saying why."""
    clinic = get_clinic()
    tz = ZoneInfo(clinic.timezone)
    try:
        picked = read_pick(request.args)
        _check_window(target, picked, tz)
    except RuleBroken as refusal:
        return _picker(target, action=action, error=refusal.message, status=refusal.status)
    day = picked.starts_at.astimezone(tz).date()
    choices = open_choices(target, current_patient(), clinic=clinic, now=utcnow(), on=day)
    choice = find_choice(choices, picked, tz)
    if choice is None:
        return _picker(target, action=action, error=TAKEN, status=409, day_asked=day)
    return render_template(
        "portal/confirm.html",
        target=target,
        choice=choice,
        action=action,
        back=f"{action}?day={day.isoformat()}&service_id={target.service.id}",
        minutes=target.service.numbing_minutes + target.service.procedure_minutes,
    )


def _show(target: Target, *, action: str) -> Any:
    if "start" in request.args or "provider_id" in request.args:
        return _confirm(target, action=action)
    return _picker(target, action=action)


def _refused(target: Target, action: str, refusal: ClinicError, picked: Picked | None) -> Any:
    db.session.rollback()
    message = TAKEN if refusal.status == 409 else refusal.message
    day = None
    if picked is not None:
        day = picked.starts_at.astimezone(ZoneInfo(get_clinic().timezone)).date()
    return _picker(target, action=action, error=message, status=refusal.status, day_asked=day)


def _session_target(session_id: int) -> Target:
    patient = current_patient()
    session = get_own_session(patient.id, session_id)
    clinic = get_clinic()
    today = local_today(ZoneInfo(clinic.timezone), utcnow())
    if session.plan.status is not PlanStatus.ACTIVE or status_of(session, today) not in (
        SessionStatus.DUE,
    ):
        raise RuleBroken(f"Session {session.number} cannot be booked here; please call the clinic.")
    services = services_for_patient(patient.id, services_of_kind(ServiceKind.MICRONEEDLING))
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
    services = services_for_patient(patient.id, services_of_kind(ServiceKind.RESULTS_CHECK_IN))
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
    picked = None
    try:
        picked = read_pick(request.form)
        _check_window(target, picked, tz)
        _check_offered(target, picked, clinic)
        visit = book_visit(
            VisitRequest(
                patient_id=patient.id,
                service_id=target.service.id,
                starts_at=picked.starts_at,
                provider_id=picked.provider_id,
                planned_session_id=target.planned_session.id if target.planned_session else None,
            ),
            clinic=clinic,
            actor=portal_actor(patient.id),
            now=utcnow(),
        )
    except ClinicError as refusal:
        return _refused(target, action, refusal, picked)
    db.session.commit()
    flash(f"Your visit is booked. {_what_she_hears(patient, moved=False)}", "success")
    return redirect(url_for("portal.visit", appointment_id=visit.id))


def _settled_visit(visit: Appointment, what: str) -> Any:
    """Back on a page whose work is done (the browser's Back button after booking or
    cancelling): her visit's page, saying where things stand, not a refusal."""
    clinic = get_clinic()
    tz = ZoneInfo(clinic.timezone)
    when = readable_date(
        visit.starts_at,
        today=local_today(tz, utcnow()),
        tz=tz,
        style=DateStyle.SHORT,
        with_time=True,
    )
    if visit.status is AppointmentStatus.CANCELLED:
        flash(f"Your visit of {when} is cancelled.", "info")
    else:
        flash(f"{what} is booked: {when}.", "info")
    return redirect(url_for("portal.visit", appointment_id=visit.id))


@bp.route("/book/session/<int:session_id>", methods=["GET", "POST"])
def book_session(session_id: int) -> Any:
    session = get_own_session(current_patient().id, session_id)
    booked = session.appointment
    if booked is not None and (
        booked.status.holds_time or booked.status is AppointmentStatus.COMPLETED
    ):
        return _settled_visit(booked, f"Session {session.number}")
    target = _session_target(session_id)
    action = url_for("portal.book_session", session_id=session_id)
    if request.method == "GET":
        return _show(target, action=action)
    return _book(target, action)


@bp.route("/book/results-check-in", methods=["GET", "POST"])
def book_results() -> Any:
    target = _results_target()
    action = url_for("portal.book_results")
    if request.method == "GET":
        return _show(target, action=action)
    return _book(target, action)


def _unchangeable(visit: Appointment) -> Any | None:
    """Where she goes instead when she may no longer change this visit herself (Back after
    cancelling it, or after moving it inside the cut-off): its page, saying where things
    stand and, inside the cut-off, the number to call. None while she may change it."""
    clinic = get_clinic()
    if visit.status is AppointmentStatus.CANCELLED:
        return _settled_visit(visit, "Your visit")
    if visit.status is not AppointmentStatus.BOOKED:
        flash("This visit can no longer be changed.", "info")
    elif not may_change(visit.starts_at, utcnow(), clinic.late_cancel_hours):
        flash(
            f"Your visit is less than {clinic.late_cancel_hours} hours away, so it can no "
            f"longer be changed online. Please call us on {phone_as_read(clinic.phone)}.",
            "info",
        )
    else:
        return None
    return redirect(url_for("portal.visit", appointment_id=visit.id))


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
        current=visit,
    )


@bp.route("/appointments/<int:appointment_id>/reschedule", methods=["GET", "POST"])
def reschedule(appointment_id: int) -> Any:
    visit = get_own_visit(current_patient().id, appointment_id)
    if (elsewhere := _unchangeable(visit)) is not None:
        return elsewhere
    target = _move_target(visit)
    action = url_for("portal.reschedule", appointment_id=visit.id)
    if request.method == "GET":
        return _show(target, action=action)
    clinic = get_clinic()
    tz = ZoneInfo(clinic.timezone)
    picked = None
    try:
        picked = read_pick(request.form)
        _check_window(target, picked, tz)
        _check_offered(target, picked, clinic)
        move_visit(
            visit,
            picked.starts_at,
            picked.provider_id,
            clinic=clinic,
            actor=portal_actor(visit.patient_id),
            now=utcnow(),
        )
    except ClinicError as refusal:
        return _refused(target, action, refusal, picked)
    db.session.commit()
    flash(f"Your visit has moved. {_what_she_hears(visit.patient, moved=True)}", "success")
    return redirect(url_for("portal.visit", appointment_id=visit.id))


@bp.route("/appointments/<int:appointment_id>/cancel", methods=["GET", "POST"])
def cancel(appointment_id: int) -> Any:
    visit = get_own_visit(current_patient().id, appointment_id)
    if (elsewhere := _unchangeable(visit)) is not None:
        return elsewhere
    error = None
    chosen = request.form.get("reason", "").strip()
    details = request.form.get("details", "").strip()
    if request.method == "POST":
        # What she typed is kept whatever she chose: it may ask us to call her back.
        reason = chosen if chosen in CANCEL_REASONS else ""
        if details:
            reason = details if reason in ("", "Something else") else f"{reason}: {details}"
        if not reason:
            error = "Please choose why, or tell us in your own words."
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
        "portal/cancel.html",
        visit=visit,
        reasons=CANCEL_REASONS,
        chosen=chosen,
        details=details,
        error=error,
    ), (422 if error else 200)
