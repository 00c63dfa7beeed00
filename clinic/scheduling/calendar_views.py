"""The day view (a column per provider), the week view (one provider), and the one-click
status buttons of the day's list: check in, complete, no-show."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required
from markupsafe import Markup

from clinic import operations
from clinic.accounts.access import ALL_STAFF, actor, require_role
from clinic.clock import local_day_bounds, local_today, utcnow
from clinic.errors import RuleBroken
from clinic.extensions import db
from clinic.practice.models import Clinic, Provider, ServiceKind
from clinic.practice.providers import get_provider
from clinic.practice.service import clinic_zone, get_clinic, list_providers
from clinic.scheduling.availability import find_closure, list_day, load_setup
from clinic.scheduling.desk_views import bp, read_day
from clinic.scheduling.forms import StatusForm, plausible_id
from clinic.scheduling.models import Appointment
from clinic.scheduling.schedule import ClinicSetup
from clinic.scheduling.screenings import check_in_problems
from clinic.scheduling.service import get_appointment
from clinic.scheduling.setup_fit import find_setup_misfits, needs_attention
from clinic.scheduling.status import AppointmentStatus, no_show_offered_from, transition_refusal
from clinic.scheduling.timetable_views import (
    ColumnInput,
    Span,
    build_timetable,
    day_bounds,
    minutes_of,
    provider_spans,
)
from clinic.web import safe_next

BUTTONS = {
    AppointmentStatus.CHECKED_IN: "Check in",
    AppointmentStatus.COMPLETED: "Complete",
    AppointmentStatus.NO_SHOW: "No-show",
}
DONE = {
    AppointmentStatus.CHECKED_IN: "checked in",
    AppointmentStatus.COMPLETED: "completed",
    AppointmentStatus.NO_SHOW: "marked as a no-show",
}


def status_buttons(appointment: Appointment) -> list[tuple[str, str]]:
    """The status changes that can be made to a visit now, as (target, button label): its
    status allows them and the time is right (check in on its day, complete once it has
    begun, no-show a grace after its start: status.NO_SHOW_GRACE). Whether the screening
    allows a check-in is left to the check-in itself, which says what to do about it; so a
    microneedling visit is completed only once checked in, past that screening."""
    now, tz = utcnow(), clinic_zone()
    treatment = appointment.service.kind is ServiceKind.MICRONEEDLING
    return [
        (target.value, label)
        for target, label in BUTTONS.items()
        if transition_refusal(
            appointment.status,
            target,
            starts_at=appointment.starts_at,
            now=now,
            tz=tz,
        )
        is None
        and (
            target is not AppointmentStatus.NO_SHOW
            or now >= no_show_offered_from(appointment.starts_at)
        )
        and not (
            treatment
            and target is AppointmentStatus.COMPLETED
            and appointment.status is AppointmentStatus.BOOKED
        )
    ]


bp.add_app_template_global(status_buttons, "desk_status_buttons")


def _opening(setup: ClinicSetup, day: date) -> list[Span]:
    return [
        (h.starts_at.hour * 60 + h.starts_at.minute, h.ends_at.hour * 60 + h.ends_at.minute)
        for h in setup.opening_hours
        if h.weekday == day.weekday()
    ]


def _setup(clinic: Clinic, first: date, last: date, tz: ZoneInfo) -> ClinicSetup:
    """Hours, breaks and time off for the days shown (two queries, see load_setup)."""
    return load_setup(clinic, local_day_bounds(first, tz)[0], local_day_bounds(last, tz)[1])


def _visit_spans(visits: list[Appointment], day: date, tz: ZoneInfo) -> list[Span]:
    return [
        (minutes_of(v.starts_at, day, tz), minutes_of(v.room_busy_until, day, tz)) for v in visits
    ]


@bp.get("/calendar")
@login_required
@require_role(*ALL_STAFF)
def day_view() -> Any:
    clinic, now = get_clinic(), utcnow()
    tz = ZoneInfo(clinic.timezone)
    today = local_today(tz, now)
    on, problem = read_day(request.args.get("date"), today)
    if problem:
        flash(problem, "error")
    visits = list_day(on, tz)
    closure = find_closure(on)
    setup = _setup(clinic, on, on, tz)
    schedules = {schedule.provider_id: schedule for schedule in setup.providers}
    providers: list[Provider] = list_providers()
    known = {p.id for p in providers}
    providers += [v.provider for v in visits if v.provider_id not in known]
    providers = list({p.id: p for p in providers}.values())
    theirs: dict[int, list[Appointment]] = {}
    for visit in visits:
        theirs.setdefault(visit.provider_id, []).append(visit)
    columns = []
    for provider in providers:
        working, breaks, away = provider_spans(schedules.get(provider.id), on, tz)
        columns.append(
            ColumnInput(
                label=provider.name,
                # A provider who left shows only for the visits still in her name.
                sublabel=provider.credential.split(",")[0] if provider.is_active else "Inactive",
                day=on,
                visits=theirs.get(provider.id, []),
                href=url_for("desk.week_view", provider_id=provider.id, date=on.isoformat()),
                working=working,
                breaks=breaks,
                away=away,
                closed=f"Closed: {closure.name}" if closure else None,
            )
        )
    bounds = day_bounds(_opening(setup, on), _visit_spans(visits, on, tz))
    width = max(170.0, min(260.0, 740.0 / max(1, len(columns))))
    misfits = find_setup_misfits(visits, setup, tz, now)
    attention = {visit_id: needs_attention(reasons) for visit_id, reasons in misfits.items()}
    timetable = build_timetable(
        columns,
        bounds,
        tz,
        column_width=width,
        attention=attention,
        now_minute=minutes_of(now, on, tz) if on == today else None,
    )
    return render_template(
        "desk/day.html",
        on=on,
        today=today,
        visits=visits,
        misfits=misfits,
        # Today and later: what check-in would refuse, seen before she arrives.
        unready=check_in_problems(visits, clinic) if on >= today else {},
        closure=closure,
        table=timetable,
        is_open=bool(_opening(setup, on)) and closure is None,
        previous_on=on - timedelta(days=1),
        next_on=on + timedelta(days=1),
    )


@bp.get("/calendar/week")
@login_required
@require_role(*ALL_STAFF)
def week_view() -> Any:
    clinic, now = get_clinic(), utcnow()
    tz = ZoneInfo(clinic.timezone)
    today = local_today(tz, now)
    on, problem = read_day(request.args.get("date"), today)
    if problem:
        flash(problem, "error")
    monday = on - timedelta(days=on.weekday())
    providers = list_providers()
    asked = request.args.get("provider_id", "").strip()
    provider_id = plausible_id(asked)
    if provider_id is None and providers:
        provider_id = providers[0].id
        if asked:
            flash(f"“{asked[:40]}” is not a provider; showing {providers[0].name}.", "error")
    provider = get_provider(provider_id) if provider_id is not None else None
    setup = _setup(clinic, monday, monday + timedelta(days=6), tz)
    schedule = next((s for s in setup.providers if provider and s.provider_id == provider.id), None)
    columns, opening, busy, total = [], [], [], 0
    listed: list[tuple[date, list[Appointment]]] = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        visits = list_day(day, tz, provider.id) if provider else []
        total += len([v for v in visits if v.status.holds_time])
        listed.append((day, visits))
        closure = find_closure(day)
        working, breaks, away = provider_spans(schedule, day, tz)
        opening += _opening(setup, day)
        busy += _visit_spans(visits, day, tz)
        columns.append(
            ColumnInput(
                label=f"{day:%a %-d}",
                sublabel="Today" if day == today else f"{day:%b}",
                day=day,
                visits=visits,
                href=url_for("desk.day_view", date=day.isoformat()),
                working=working,
                breaks=breaks,
                away=away,
                closed=f"Closed: {closure.name}" if closure else None,
            )
        )
    misfits = find_setup_misfits((v for _, day in listed for v in day), setup, tz, now)
    attention = {visit_id: needs_attention(reasons) for visit_id, reasons in misfits.items()}
    timetable = build_timetable(
        columns, day_bounds(opening, busy), tz, column_width=150, attention=attention
    )
    return render_template(
        "desk/week.html",
        on=on,
        monday=monday,
        sunday=monday + timedelta(days=6),
        today=today,
        provider=provider,
        providers=providers,
        table=timetable,
        total=total,
        listed=listed,
        misfits=misfits,
        previous_on=monday - timedelta(days=7),
        next_on=monday + timedelta(days=7),
    )


@bp.post("/visits/<int:appointment_id>/status")
@login_required
@require_role(*ALL_STAFF)
def change_visit_status(appointment_id: int) -> Any:
    clinic, now = get_clinic(), utcnow()
    appointment = get_appointment(appointment_id)
    form = StatusForm()
    back = safe_next(form.next.data, url_for("desk.visit_page", appointment_id=appointment_id))
    if not form.validate_on_submit() or form.target.data not in {t.value for t in BUTTONS}:
        flash("Choose check in, complete or no-show.", "error")
        return redirect(back)
    target = AppointmentStatus(form.target.data)
    at_visit = f":visit-{appointment.id}"  # the day view shows it beside the visit
    if appointment.status is target:  # the button sent twice (a double click): done already
        flash(f"{appointment.patient.full_name}'s visit is {DONE[target]}.", "success" + at_visit)
        return redirect(back)
    try:
        operations.change_visit_status(appointment, target, clinic=clinic, actor=actor(), now=now)
    except RuleBroken as refusal:
        db.session.rollback()
        at = appointment.starts_at.astimezone(ZoneInfo(clinic.timezone))
        message = (
            f"{appointment.patient.full_name}'s visit at {at:%H:%M} was not changed: "
            f"{refusal.message}"
        )
        if _screening_refused(appointment, target, now, ZoneInfo(clinic.timezone)):
            flash(_with_screening_link(message, appointment), "error" + at_visit)
        else:
            flash(message, "error" + at_visit)
        return redirect(back)
    db.session.commit()
    flash(f"{appointment.patient.full_name}'s visit is {DONE[target]}.", "success" + at_visit)
    return redirect(back)


@bp.get("/visits/<int:appointment_id>/no-show")
@login_required
@require_role(*ALL_STAFF)
def confirm_no_show(appointment_id: int) -> Any:
    """A no-show frees the time and cannot be undone (API.md): the desk is asked first,
    unless it cannot be marked (cancelled, or not yet begun): then the reason, at once."""
    appointment = get_appointment(appointment_id)
    back = safe_next(
        request.args.get("next"), url_for("desk.visit_page", appointment_id=appointment_id)
    )
    refusal = transition_refusal(
        appointment.status,
        AppointmentStatus.NO_SHOW,
        starts_at=appointment.starts_at,
        now=utcnow(),
        tz=ZoneInfo(get_clinic().timezone),
    )
    if refusal is not None:
        flash(refusal, "error")
        return redirect(back)
    return render_template("desk/no_show.html", visit=appointment, back=back)


def _screening_refused(
    appointment: Appointment, target: AppointmentStatus, now: datetime, tz: ZoneInfo
) -> bool:
    """Whether a refused check-in was refused for the screening: a microneedling visit whose
    status and day allow checking it in (so only the screening's age or answers can have)."""
    return (
        target is AppointmentStatus.CHECKED_IN
        and appointment.service.kind is ServiceKind.MICRONEEDLING
        and transition_refusal(
            appointment.status,
            target,
            starts_at=appointment.starts_at,
            now=now,
            tz=tz,
        )
        is None
    )


def _with_screening_link(message: str, appointment: Appointment) -> Markup:
    """The refusal with a link to the screening form for the patient and this visit, so the
    desk can ask the questions again on arrival and then check her in. Built as Markup
    (names and the message escaped) because the flash shows it as it is."""
    form = url_for(
        "desk.screening", patient_id=appointment.patient_id, appointment_id=appointment.id
    )
    link = Markup('{} <a href="{}">Fill the screening for {}</a>, then try the check-in again.')
    return link.format(message, form, appointment.patient.full_name)
