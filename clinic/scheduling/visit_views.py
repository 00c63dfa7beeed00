"""One visit: its details, history and screening state; moving it (the same finder, with
its own time offered again), cancelling it with a reason, and booking it again once
cancelled or missed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from clinic import operations
from clinic.accounts.access import ALL_STAFF, CLINICAL, actor, may, require_role
from clinic.clock import local_day_bounds, local_today, utcnow
from clinic.display import short_day
from clinic.errors import Conflict, RuleBroken
from clinic.extensions import db
from clinic.plans.models import Plan, PlannedSession, PlanStatus
from clinic.plans.rules import DateWindow
from clinic.plans.service import results_check_in_window, session_to_book_again
from clinic.practice.models import Clinic, ServiceKind
from clinic.practice.service import get_clinic, list_providers, list_rooms
from clinic.reminders.new_times import when_asked
from clinic.scheduling.availability import AvailabilityQuery, earliest_bookable_day, load_setup
from clinic.scheduling.booking_views import REFUSAL_TARGETS, read_when, slot_days
from clinic.scheduling.desk_views import (
    STATUS_LABELS,
    ConflictNote,
    bp,
    conflict_notes,
    put_refusal,
    read_day,
)
from clinic.scheduling.forms import (
    CancelForm,
    MoveForm,
    SignOffForm,
    parse_instant,
    plausible_id,
)
from clinic.scheduling.models import Appointment
from clinic.scheduling.preparation import days_left, is_short_notice, preparation_steps
from clinic.scheduling.screenings import (
    age_refusal,
    check_in_screening_problem,
    latest_screening,
)
from clinic.scheduling.service import get_appointment, sign_off_problem, sign_off_visit
from clinic.scheduling.setup_fit import find_setup_misfits
from clinic.scheduling.status import AppointmentStatus, no_show_offered_from

MOVE_DAYS = 14


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    actor: str
    kind: str
    text: str


def history(appointment: Appointment, tz: ZoneInfo) -> list[HistoryLine]:
    """The visit's events in words: booked, moved from -> to, checked in, cancelled (why)."""
    providers = {p.id: p.name for p in list_providers(include_inactive=True)}
    rooms = {r.id: r.name for r in list_rooms(include_inactive=True)}

    def where(place: dict[str, Any]) -> str:
        start = parse_instant(str(place.get("start", "")))
        when = f"{start.astimezone(tz):%a %-d %b %Y, %H:%M}" if start else "?"
        provider = providers.get(place.get("provider_id"), "?")  # type: ignore[arg-type]
        room = rooms.get(place.get("room_id"), "?")  # type: ignore[arg-type]
        return f"{when} with {provider} in {room}"

    lines = []
    for event in appointment.events:
        details = event.details or {}
        if event.kind == "booked":
            text = f"Booked for {where(details)}."
        elif event.kind == "rescheduled":
            text = f"Moved from {where(details.get('from', {}))} to {where(details.get('to', {}))}."
        elif event.kind == "new_time_asked":
            text = f"Asked the patient to choose a new time: {details.get('reason', '')}"
        elif event.kind == "goes_ahead":
            text = "Told the patient the visit goes ahead as booked: the setup allows it again."
        elif event.kind == "cleared":
            text = f"Signed off: “{details.get('reason', '')}”"
        elif event.kind == "cancelled":
            late = " (late cancellation)" if details.get("late") else ""
            text = f"Cancelled{late}: “{details.get('reason', '')}”"
        else:
            text = STATUS_LABELS.get(event.kind, event.kind.replace("_", " ").capitalize()) + "."
        lines.append(HistoryLine(event.at, event.actor_label, event.kind, text))
    return lines


def _render_visit(
    appointment: Appointment,
    clinic: Clinic,
    cancel_form: CancelForm | None = None,
    status: int = 200,
    *,
    sign_off_form: SignOffForm | None = None,
) -> Any:
    needs_screening = appointment.service.kind is ServiceKind.MICRONEEDLING
    misfit = _setup_misfit(appointment, clinic, utcnow())
    return render_template(
        "desk/visit.html",
        visit=appointment,
        cancel_form=cancel_form or CancelForm(formdata=None),
        sign_off_form=sign_off_form or SignOffForm(formdata=None),
        may_sign_off=sign_off_form is not None or sign_off_problem(appointment, clinic) is None,
        is_clinician=may(CLINICAL),
        needs_screening=needs_screening,
        check_in_problem=check_in_screening_problem(appointment, clinic),
        screening=latest_screening(appointment.patient_id),
        history=history(appointment, ZoneInfo(clinic.timezone)),
        numbing_until=appointment.starts_at
        + timedelta(minutes=appointment.service.numbing_minutes),
        can_cancel=appointment.status is AppointmentStatus.BOOKED,
        can_move=appointment.status is AppointmentStatus.BOOKED,
        misfit=misfit,
        age_problem=age_refusal(appointment, clinic),
        asked_on=when_asked([appointment]).get(appointment.id) if misfit else None,
        book_again_url=_book_again_url(appointment, clinic, utcnow()),
        short_notice=_short_notice_steps(appointment, clinic, utcnow()),
        no_show_later=_no_show_later(appointment, clinic, utcnow()),
    ), status


def _no_show_later(appointment: Appointment, clinic: Clinic, now: datetime) -> datetime | None:
    """When "No-show" will be offered, for a booked visit of today whose start has not
    passed by the grace yet (the page says so instead of leaving the desk to wonder)."""
    tz = ZoneInfo(clinic.timezone)
    offered_at = no_show_offered_from(appointment.starts_at)
    today = local_today(tz, now)
    if appointment.status is not AppointmentStatus.BOOKED or now >= offered_at:
        return None
    return offered_at if appointment.starts_at.astimezone(tz).date() == today else None


def _short_notice_steps(appointment: Appointment, clinic: Clinic, now: datetime) -> list[str]:
    """For a microneedling visit booked (or moved) to less than a week ahead: the
    preparation she can still do, for the desk to tell her (her confirmation says the same).
    One given its time a week or more ahead had the whole preparation sent to her."""
    if (
        appointment.service.kind is not ServiceKind.MICRONEEDLING
        or appointment.status is not AppointmentStatus.BOOKED
        or appointment.starts_at < now
    ):
        return []
    tz = ZoneInfo(clinic.timezone)
    timed_at = max(
        (event.at for event in appointment.events if event.kind == "rescheduled"),
        default=appointment.created_at,
    )
    if not is_short_notice(days_left(appointment.starts_at, local_today(tz, timed_at), tz)):
        return []
    return list(preparation_steps(days_left(appointment.starts_at, local_today(tz, now), tz)))


def _book_again_url(appointment: Appointment, clinic: Clinic, now: datetime) -> str | None:
    """For a cancelled visit or a no-show: "Find a slot" for the same patient and service,
    with the plan's session when the visit held one that is due again."""
    if appointment.status not in (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW):
        return None
    service_id = appointment.service_id if appointment.service.is_active else None
    session = None
    if appointment.service.kind is ServiceKind.MICRONEEDLING:
        today = local_today(ZoneInfo(clinic.timezone), now)
        session = session_to_book_again(appointment.id, today)
    session_id = session.id if session is not None else None
    return url_for(
        "desk.find_slot",
        patient_id=appointment.patient_id,
        service_id=service_id,
        session_id=session_id,
    )


def _setup_misfit(appointment: Appointment, clinic: Clinic, now: datetime) -> tuple[str, ...]:
    """Why the clinic's setup no longer allows this visit (as the calendar marks it)."""
    if appointment.status is not AppointmentStatus.BOOKED or appointment.starts_at < now:
        return ()
    tz = ZoneInfo(clinic.timezone)
    setup = load_setup(clinic, *local_day_bounds(appointment.starts_at.astimezone(tz).date(), tz))
    return find_setup_misfits([appointment], setup, tz, now).get(appointment.id, ())


@bp.get("/visits/<int:appointment_id>")
@login_required
@require_role(*ALL_STAFF)
def visit_page(appointment_id: int) -> Any:
    return _render_visit(get_appointment(appointment_id), get_clinic())


@bp.get("/visits/<int:appointment_id>/cancel")
@bp.get("/visits/<int:appointment_id>/sign-off")
@login_required
@require_role(*ALL_STAFF)
def visit_form_address(appointment_id: int) -> Any:
    """A refused cancel or sign-off shows the visit page at the form's address: reloaded
    or bookmarked, that address leads back to the visit."""
    return redirect(url_for("desk.visit_page", appointment_id=appointment_id))


@bp.post("/visits/<int:appointment_id>/cancel")
@login_required
@require_role(*ALL_STAFF)
def cancel_visit(appointment_id: int) -> Any:
    clinic, now = get_clinic(), utcnow()
    appointment = get_appointment(appointment_id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            operations.cancel_visit(
                appointment, form.reason.data or "", clinic=clinic, actor=actor(), now=now
            )
        except RuleBroken as refusal:
            put_refusal(form, refusal, {"status": "reason"})
        else:
            db.session.commit()
            late = " It was a late cancellation." if appointment.is_late_cancellation else ""
            flash(f"The visit is cancelled; its time is free again.{late}", "success")
            return redirect(url_for("desk.visit_page", appointment_id=appointment.id))
    return _render_visit(get_appointment(appointment_id), clinic, form, 422)


def _check_in_opens(appointment: Appointment, clinic: Clinic) -> date | None:
    """For the results check-in of an active plan, the first day it may move to (six weeks
    after the last session; later days are allowed): operations.move_visit's rule."""
    plan = db.session.scalar(select(Plan).where(Plan.results_appointment_id == appointment.id))
    if plan is None or plan.status is not PlanStatus.ACTIVE:
        return None
    return results_check_in_window(plan, clinic).start


@bp.post("/visits/<int:appointment_id>/sign-off")
@login_required
@require_role(*CLINICAL)
def sign_off(appointment_id: int) -> Any:
    clinic, now = get_clinic(), utcnow()
    appointment = get_appointment(appointment_id)
    form = SignOffForm()
    if form.validate_on_submit():
        try:
            sign_off_visit(
                appointment, form.clearance_reason.data or "", clinic=clinic, actor=actor(), now=now
            )
        except RuleBroken as refusal:
            put_refusal(form, refusal)
        else:
            db.session.commit()
            flash("Signed off: the visit may go ahead.", "success")
            return redirect(url_for("desk.visit_page", appointment_id=appointment.id))
    return _render_visit(get_appointment(appointment_id), clinic, status=422, sign_off_form=form)


@bp.route("/visits/<int:appointment_id>/move", methods=["GET", "POST"])
@login_required
@require_role(*ALL_STAFF)
def move_visit(appointment_id: int) -> Any:
    clinic, now = get_clinic(), utcnow()
    tz = ZoneInfo(clinic.timezone)
    appointment = get_appointment(appointment_id)
    providers = list_providers()
    # A visit whose provider no longer works here moves to someone who does.
    provider_left = not appointment.provider.is_active
    form = MoveForm()
    same = "Choose a provider" if provider_left else "Same provider"
    form.provider_id.choices = [SelectChoice(0, same)] + [
        SelectChoice(p.id, p.name) for p in providers
    ]
    notes: list[ConflictNote] = []
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            starts_at, provider_id = read_when(form, tz)
            if provider_left and provider_id is None:
                form.provider_id.errors = [
                    f"Choose a provider: {appointment.provider.name} no longer works here."
                ]
            elif starts_at is not None:
                before = (appointment.starts_at, appointment.provider_id)
                try:
                    operations.move_visit(
                        appointment, starts_at, provider_id, clinic=clinic, actor=actor(), now=now
                    )
                except RuleBroken as refusal:
                    put_refusal(form, refusal, REFUSAL_TARGETS)
                except Conflict as conflict:
                    notes = conflict_notes(conflict)
                    form.form_errors.append(conflict.message)
                    status = 409
                else:
                    db.session.commit()
                    today = local_today(tz, utcnow())
                    was, now_at = before[0], appointment.starts_at
                    if before == (now_at, appointment.provider_id):  # the form sent again
                        flash("The visit is at that time already: nothing changed.", "info")
                    else:
                        flash(
                            f"Moved from {short_day(was, today=today, zone=tz, with_time=True)} "
                            f"to {short_day(now_at, today=today, zone=tz, with_time=True)}.",
                            "success",
                        )
                    return redirect(url_for("desk.visit_page", appointment_id=appointment.id))
        appointment = get_appointment(appointment_id)
    # From the first day that can still be booked, not from around the visit's own day:
    # a patient who calls to move a visit usually wants the soonest time.
    first_day = earliest_bookable_day(clinic, now)
    visit_on = appointment.starts_at.astimezone(tz).date()
    # A plan's session moves inside its window, its results check-in not before its own
    # (operations.move_visit): search there.
    session = db.session.scalar(
        select(PlannedSession).where(PlannedSession.appointment_id == appointment.id)
    )
    window = DateWindow(session.window_start, session.window_end) if session else None
    check_in_from = _check_in_opens(appointment, clinic) if session is None else None
    default_from = max(first_day, window.start if window else check_in_from or first_day)
    from_on, from_problem = read_day(request.args.get("from_on"), default_from)
    default_to = from_on + timedelta(days=MOVE_DAYS - 1)
    if window is not None:
        default_to = max(from_on, min(default_to, window.end))
    to_on, to_problem = read_day(request.args.get("to_on"), default_to)
    if to_on < from_on:
        to_problem = f"The end came before the start; showing {from_on:%-d %B %Y} alone."
    to_on = min(max(to_on, from_on), from_on + timedelta(days=61))
    for problem in (from_problem, to_problem):
        if problem and request.method == "GET":
            flash(problem, "error")
    # A visit beyond these days: a link to the times around it (its own time is marked).
    around_on = max(first_day, visit_on - timedelta(days=3))
    around_visit = around_on if not from_on <= visit_on <= to_on else None
    if "provider_id" in request.args:  # 0 means any provider
        search_provider = plausible_id(request.args.get("provider_id"))
    else:
        search_provider = None if provider_left else appointment.provider_id
    days = []
    if appointment.status is AppointmentStatus.BOOKED:
        slots = operations.find_open_times(
            AvailabilityQuery(
                appointment.service,
                from_on,
                to_on,
                search_provider,
                appointment.patient,
                ignore_appointment_id=appointment.id,
                is_cleared=appointment.clearance_reason is not None,
            ),
            clinic=clinic,
            now=now,
            planned_session=session,
        )
        days = slot_days(slots, providers, tz, one_per_start=search_provider is None)
    current = f"{appointment.starts_at.isoformat()}|{appointment.provider_id}"
    # When nothing is free: whom the search was with, and the two searches that may help.
    names = {p.id: p.name for p in providers} | {appointment.provider_id: appointment.provider.name}
    searched_name = None
    if search_provider is not None:
        searched_name = names.get(search_provider, "the chosen provider")
    next_from = to_on + timedelta(days=1)
    next_to = next_from + timedelta(days=MOVE_DAYS - 1)
    return render_template(
        "desk/move.html",
        visit=appointment,
        form=form,
        notes=notes,
        days=days,
        current=current,
        providers=providers,
        from_on=from_on,
        to_on=to_on,
        search_provider=search_provider,
        provider_left=provider_left,
        around_visit=around_visit,
        searched_name=searched_name,
        any_provider_url=url_for(
            "desk.move_visit",
            appointment_id=appointment.id,
            provider_id=0,
            from_on=from_on.isoformat(),
            to_on=to_on.isoformat(),
        ),
        window=window,
        session_number=session.number if session else None,
        check_in_from=check_in_from,
        window_url=url_for(
            "desk.move_visit",
            appointment_id=appointment.id,
            provider_id=search_provider or 0,
            from_on=max(first_day, window.start).isoformat(),
            to_on=window.end.isoformat(),
        )
        if window is not None and window.end >= first_day
        else None,
        move_days=MOVE_DAYS,
        next_days=(next_from, next_to),
        next_days_url=url_for(
            "desk.move_visit",
            appointment_id=appointment.id,
            provider_id=search_provider or 0,
            from_on=next_from.isoformat(),
            to_on=next_to.isoformat(),
        ),
    ), status
