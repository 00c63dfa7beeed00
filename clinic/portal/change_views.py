"""Self-service changes to a booked visit: move it to a free time (time_pages.py) or
cancel it, until `late_cancel_hours` before it; later, the page gives the clinic's number.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for

from clinic.clock import local_today, utcnow
from clinic.display import phone_as_read
from clinic.errors import ClinicError
from clinic.extensions import db
from clinic.operations import cancel_visit, move_visit
from clinic.plans.models import PlannedSession
from clinic.plans.service import results_check_in_window
from clinic.portal.blueprint import bp, current_patient
from clinic.portal.picker import Picked, Target
from clinic.portal.rules import CANCEL_REASONS, may_change
from clinic.portal.service import current_plan, get_own_visit, portal_actor
from clinic.portal.time_pages import settled_visit, show_times, take_time
from clinic.practice.models import Clinic
from clinic.practice.service import get_clinic
from clinic.scheduling.models import Appointment
from clinic.scheduling.status import AppointmentStatus


def _unchangeable(visit: Appointment) -> Any | None:
    """Where she goes instead when she may no longer change this visit herself (Back after
    cancelling it, or after moving it inside the cut-off): its page, saying where things
    stand and, inside the cut-off, the number to call. None while she may change it."""
    clinic = get_clinic()
    if visit.status is AppointmentStatus.CANCELLED:
        return settled_visit(visit, "Your visit")
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
        return show_times(target, action=action)

    def move(picked: Picked, clinic: Clinic) -> Appointment:
        return move_visit(
            visit,
            picked.starts_at,
            picked.provider_id,
            clinic=clinic,
            actor=portal_actor(visit.patient_id),
            now=utcnow(),
        )

    return take_time(target, action, move, moved=True)


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
        elif reason == "Something else":
            error = "Please tell us in a few words: it helps us find you another time."
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
