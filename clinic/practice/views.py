"""The admin's clinic setup: settings, opening hours and closures.

Closures and narrower opening hours are saved even when visits are booked then; the page
then lists those visits for the front desk to move or cancel (booked_visits).

Providers and the catalogue (rooms, services) have their own modules on the same blueprint;
importing them here registers their pages, so `bp` is complete wherever it is imported from.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required
from wtforms import Field

from clinic.accounts.access import ADMIN_ONLY, actor, require_role
from clinic.clock import local_today, utcnow
from clinic.display import phone_as_read
from clinic.errors import RuleBroken
from clinic.extensions import db
from clinic.practice import catalogue_views, provider_views
from clinic.practice import service as practice
from clinic.practice.blueprint import (
    booked_sentence,
    bp,
    flash_saved,
    outside_sentence,
    put_on_form,
)
from clinic.practice.forms import (
    ClosureForm,
    OpeningHoursForm,
    SettingsForm,
    period_rows,
    read_periods,
)
from clinic.practice.models import Clinic
from clinic.practice.rules import (
    WEEKDAY_NAMES,
    ClinicSettings,
    check_clinic_settings,
    known_time_zones,
)
from clinic.scheduling.booked_visits import (
    list_booked_in_closures,
    list_booked_on,
    list_booked_outside_opening_hours,
)
from clinic.scheduling.models import Appointment
from clinic.web import phone_region

__all__ = ["bp", "catalogue_views", "provider_views"]

ROWS_PER_DAY = 3


@bp.route("/settings", methods=["GET", "POST"])
@login_required
@require_role(*ADMIN_ONLY)
def settings() -> Any:
    clinic = practice.get_clinic()
    form = SettingsForm(obj=clinic)
    region = phone_region()
    if not form.is_submitted():
        form.phone.data = phone_as_read(clinic.phone)  # saving reads it back
    if form.validate_on_submit():
        try:
            practice.update_clinic_settings(
                clinic,
                _settings_input(form),
                actor=actor(),
                now=utcnow(),
                phone_region=region,
            )
        except RuleBroken as refusal:
            put_on_form(form, refusal)
        else:
            db.session.commit()
            flash("Settings saved.", "success")
            return redirect(url_for("practice.settings"))
    elif form.is_submitted():
        _add_rule_problems(form, clinic, region)
    status = 422 if form.is_submitted() else 200
    zones = sorted(known_time_zones())
    return render_template("practice/settings.html", form=form, zones=zones), status


def _add_rule_problems(form: SettingsForm, clinic: Clinic, region: str) -> None:
    """A form with unreadable fields also shows what the rules say of the fields it could
    read (a range, an order), so it is put right in one round, not two. An unreadable
    field is judged at its saved value, so that it adds no second message."""
    readable = _settings_input(form)
    saved = {name: getattr(clinic, name) for name in ClinicSettings.__dataclass_fields__}
    judged = replace(
        readable,
        **{name: saved[name] for name in saved if form[name].errors or form[name].data is None},
    )
    _, problems = check_clinic_settings(judged, phone_region=region)
    for name, sentence in problems.items():
        if not form[name].errors:
            form[name].errors = [*form[name].errors, sentence]


def _settings_input(form: SettingsForm) -> ClinicSettings:
    values = {name: form[name].data for name in ClinicSettings.__dataclass_fields__}
    for text in ("name", "phone", "address", "timezone"):
        values[text] = values[text] or ""
    return ClinicSettings(**values)


@bp.route("/hours", methods=["GET", "POST"])
@login_required
@require_role(*ADMIN_ONLY)
def opening_hours() -> Any:
    clinic = practice.get_clinic()
    week = practice.weekly_opening_hours(clinic)
    form = OpeningHoursForm(
        data={"days": [{"periods": period_rows(week[day], ROWS_PER_DAY)} for day in range(7)]}
    )
    now = utcnow()
    if form.validate_on_submit():
        targets: dict[str, Field] = {}
        entered = {
            day: read_periods(day_field.periods, f"hours.{day}", targets)
            for day, day_field in enumerate(form.days)
        }
        try:
            practice.set_opening_hours(clinic, entered, actor=actor(), now=now)
        except RuleBroken as refusal:
            put_on_form(form, refusal, targets)
        else:
            unfit = list_booked_outside_opening_hours(clinic, now)
            db.session.commit()
            flash_saved(
                "Opening hours saved.",
                outside_sentence(len(unfit), "the opening hours") if unfit else None,
            )
            return redirect(url_for("practice.opening_hours"))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "practice/hours.html",
        form=form,
        weekdays=WEEKDAY_NAMES,
        booked=list_booked_outside_opening_hours(clinic, now),
    ), status


@bp.route("/closures", methods=["GET", "POST"])
@login_required
@require_role(*ADMIN_ONLY)
def closures() -> Any:
    form = ClosureForm()
    now = utcnow()
    today = local_today(practice.clinic_zone(), now)
    booked_first: list[Appointment] = []  # on the day asked for, shown before closing it
    valid = form.validate_on_submit()  # once: validating again would clear the note below
    if valid and form.on.data is not None and not form.close_anyway.data:
        booked_first = list_booked_on(form.on.data, practice.clinic_zone())
        if booked_first:
            count = len(booked_first)
            form.close_anyway.errors = [
                f"{count} booked visit{'s' if count != 1 else ''} on that day: closed, "
                f"{'they stay' if count != 1 else 'it stays'} booked until the front desk "
                "moves or cancels them. Tick this to close the day anyway."
            ]
    if valid and not booked_first:
        try:
            closure = practice.add_closure(
                form.on.data, form.name.data or "", actor=actor(), now=now, today=today
            )
        except RuleBroken as refusal:
            put_on_form(form, refusal)
        else:
            booked = list_booked_on(closure.on, practice.clinic_zone())
            db.session.commit()
            flash_saved(
                f"The clinic is closed on {closure.on:%A %-d %B %Y}.",
                booked_sentence(len(booked), "this closure") if booked else None,
            )
            return redirect(url_for("practice.closures"))
    status = 422 if form.is_submitted() else 200
    upcoming = practice.list_upcoming_closures(today)
    booked_in = list_booked_in_closures(upcoming, practice.clinic_zone())
    return render_template(
        "practice/closures.html",
        form=form,
        closures=upcoming,
        booked_in=booked_in,
        booked_first=booked_first,
    ), status


@bp.route("/closures/<int:closure_id>/delete", methods=["GET", "POST"])
@login_required
@require_role(*ADMIN_ONLY)
def remove_closure(closure_id: int) -> Any:
    """GET asks to confirm, naming the day and the visits booked on it; the confirmation's
    form (CSRF-protected, no script needed) posts here and removes the closure."""
    closure = practice.get_closure(closure_id)
    if request.method == "GET":
        booked = list_booked_on(closure.on, practice.clinic_zone())
        return render_template("practice/closure_remove.html", closure=closure, booked=booked)
    on = closure.on
    practice.remove_closure(closure_id, actor=actor(), now=utcnow())
    db.session.commit()
    flash(f"The closure is removed; the clinic opens as usual on {on:%A %-d %B %Y}.", "success")
    return redirect(url_for("practice.closures"))
