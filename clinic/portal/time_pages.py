"""Choosing a time, for a booking and for a move: the day strip with the day's free times,
the confirm step, and a refusal shown on the times again.

Each page works in two steps on its one path: a GET shows the free times (each a link back
to the same path with `start` and `provider_id`), and that GET shows a short confirm page
whose form POSTs the booking or the move. Nothing changes on a tap alone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from clinic.clock import local_today, utcnow
from clinic.errors import ClinicError, Conflict, RuleBroken
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.portal.blueprint import current_patient
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
from clinic.portal.rules import confirmation_note, may_change
from clinic.portal.todo import microneedling_hold
from clinic.practice.models import Clinic, ServiceKind
from clinic.practice.service import get_clinic
from clinic.scheduling.availability import earliest_bookable_day
from clinic.scheduling.models import Appointment
from clinic.scheduling.setup_notices import find_setup_notices
from clinic.scheduling.status import AppointmentStatus

TAKEN = "Someone has just taken that time. Please choose another."


def _what_she_hears(patient: Patient, *, moved: bool) -> str:
    """The confirmation is queued, not sent (quiet hours may hold it): say what will come."""
    return confirmation_note(
        by_email=patient.emailable,
        by_text=patient.textable,
        moved=moved,
    )


def _check_pick(target: Target, picked: Picked, clinic: Clinic) -> None:
    """The picked time lies in the target's window and is one the picker offers now."""
    _within_window(target, picked, ZoneInfo(clinic.timezone))
    _offered(target, picked, clinic)


def _within_window(target: Target, picked: Picked, tz: ZoneInfo) -> None:
    day = picked.starts_at.astimezone(tz).date()
    if not target.window_start <= day <= target.window_end:
        today = local_today(tz, utcnow())
        first, last = (
            readable_date(on, today=today, tz=tz, style=DateStyle.DAY)
            for on in (target.window_start, target.window_end)
        )
        message = f"Choose a day from {first} to {last}."
        raise RuleBroken(message, {"start": message})


def _offered(target: Target, picked: Picked, clinic: Clinic) -> None:
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
    nothing_free = not any(choices.values())  # before her own visit's day joins the strip
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
    # The window as she can still use it: not from a day already past, or too soon.
    from_day = max(target.window_start, earliest_bookable_day(clinic, now))
    hold = None
    if nothing_free and target.service.kind is ServiceKind.MICRONEEDLING:
        # Nothing free may be her screening or age, not the diary: say so, and what helps.
        hold = microneedling_hold(current_patient(), clinic=clinic, on=from_day)
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
        nothing_free=nothing_free,
        from_day=from_day,
    ), status


def _confirm(target: Target, *, action: str) -> Any:
    """The confirm step for the time in the link, while it is still free; else the picker
    again, on that day, saying why."""
    clinic = get_clinic()
    tz = ZoneInfo(clinic.timezone)
    try:
        picked = read_pick(request.args)
        _within_window(target, picked, tz)
    except RuleBroken as refusal:
        return _picker(target, action=action, error=refusal.message, status=refusal.status)
    if _is_her_time(target, picked):
        return _already_there(target)
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
        # Once inside the cut-off, only a call changes it: she should know before choosing.
        changes_by_phone_only=not may_change(choice.start_utc, utcnow(), clinic.late_cancel_hours),
        cut_off_hours=clinic.late_cancel_hours,
    )


def show_times(target: Target, *, action: str) -> Any:
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


def _is_her_time(target: Target, picked: Picked) -> bool:
    """Whether a move would leave the visit where it is (Back to a confirm page after the
    move, or the form sent again)."""
    current = target.current
    return (
        current is not None
        and current.starts_at == picked.starts_at
        and current.provider_id == picked.provider_id
    )


def _already_there(target: Target) -> Any:
    assert target.current is not None
    flash("Your visit is at this time already: nothing has changed.", "info")
    return redirect(url_for("portal.visit", appointment_id=target.current.id))


def take_time(
    target: Target, action: str, take: Callable[[Picked, Clinic], Appointment], *, moved: bool
) -> Any:
    """The POST of a time page: the picked time is checked (in the window, offered now),
    `take` books or moves the visit, and her visit's page says what she will hear; a
    refusal shows the times again, on the day she picked."""
    clinic = get_clinic()
    picked = None
    try:
        picked = read_pick(request.form)
        if _is_her_time(target, picked):
            return _already_there(target)
        _check_pick(target, picked, clinic)
        visit = take(picked, clinic)
    except ClinicError as refusal:
        db.session.rollback()
        twin = _hers_at(target, picked) if picked is not None else None
        if twin is None:
            return _refused(target, action, refusal, picked)
        visit = twin  # her own click a moment before did it: what she asked for is done
    db.session.commit()
    done = "Your visit has moved." if moved else "Your visit is booked."
    flash(f"{done} {_what_she_hears(visit.patient, moved=moved)}", "success")
    return redirect(url_for("portal.visit", appointment_id=visit.id))


def _hers_at(target: Target, picked: Picked) -> Appointment | None:
    """Her booked visit of the target's service at the picked time and provider. The button
    pressed twice sends two requests at once: both pass the checks, one books, and the
    other is refused as her own visit's clash; that one answers as if it had booked."""
    return db.session.scalar(
        select(Appointment).where(
            Appointment.patient_id == current_patient().id,
            Appointment.service_id == target.service.id,
            Appointment.starts_at == picked.starts_at,
            Appointment.provider_id == picked.provider_id,
            Appointment.status == AppointmentStatus.BOOKED,
        )
    )


def settled_visit(visit: Appointment, what: str) -> Any:
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
