"""The admin's provider pages: the list, details, weekly hours with breaks, time off.

Time off, narrower working hours or breaks, and making a provider inactive are saved even
when visits are booked then; the page then lists those visits for the front desk to move
or cancel (booked_visits)."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_login import login_required
from wtforms import Field

from clinic.accounts.access import ADMIN_ONLY, actor, require_role
from clinic.clock import utcnow
from clinic.errors import RuleBroken
from clinic.extensions import db
from clinic.practice import providers as roster  # the view below is called providers
from clinic.practice import service as practice
from clinic.practice.blueprint import (
    booked_sentence,
    bp,
    flash_saved,
    inactive_sentence,
    outside_sentence,
    put_on_form,
)
from clinic.practice.forms import (
    ProviderForm,
    TimeOffForm,
    WorkingWeekForm,
    period_rows,
    read_periods,
)
from clinic.practice.models import Provider
from clinic.practice.providers import LocalTimeOff, ProviderInput, WorkingDay
from clinic.practice.rules import WEEKDAY_NAMES
from clinic.scheduling.booked_visits import (
    list_booked_between,
    list_booked_in_time_off,
    list_booked_outside_working_hours,
    list_upcoming_booked,
)

ROWS = 2


@bp.get("/providers")
@login_required
@require_role(*ADMIN_ONLY)
def providers() -> Any:
    everyone = practice.list_providers(include_inactive=True)
    return render_template(
        "practice/providers.html",
        providers=everyone,
        weeks={p.id: roster.working_week(p) for p in everyone},
        weekdays=WEEKDAY_NAMES,
    )


def _provider_input(form: ProviderForm) -> ProviderInput:
    return ProviderInput(
        name=form.name.data or "",
        credential=form.credential.data or "",
        is_active=bool(form.is_active.data),
    )


@bp.route("/providers/new", methods=["GET", "POST"])
@login_required
@require_role(*ADMIN_ONLY)
def new_provider() -> Any:
    form = ProviderForm()
    if form.validate_on_submit():
        try:
            provider = roster.create_provider(_provider_input(form), actor=actor(), now=utcnow())
        except RuleBroken as refusal:
            put_on_form(form, refusal)
        else:
            db.session.commit()
            flash(f"{provider.name} is added. Now set the working hours.", "success")
            return redirect(url_for("practice.provider_hours", provider_id=provider.id))
    status = 422 if form.is_submitted() else 200
    return render_template("practice/provider_form.html", form=form, provider=None), status


@bp.route("/providers/<int:provider_id>", methods=["GET", "POST"])
@login_required
@require_role(*ADMIN_ONLY)
def edit_provider(provider_id: int) -> Any:
    provider = roster.get_provider(provider_id)
    form = ProviderForm(obj=provider)
    now = utcnow()
    if form.validate_on_submit():
        try:
            roster.update_provider(provider, _provider_input(form), actor=actor(), now=now)
        except RuleBroken as refusal:
            put_on_form(form, refusal)
        else:
            booked = [] if provider.is_active else list_upcoming_booked(provider.id, now)
            db.session.commit()
            if not booked:
                flash("Changes saved.", "success")
                return redirect(url_for("practice.providers"))
            flash_saved("Changes saved.", inactive_sentence(len(booked), provider.name))
            return redirect(url_for("practice.edit_provider", provider_id=provider.id))
    status = 422 if form.is_submitted() else 200
    booked = [] if provider.is_active else list_upcoming_booked(provider.id, now)
    return render_template(
        "practice/provider_form.html", form=form, provider=provider, booked=booked
    ), status


@bp.route("/providers/<int:provider_id>/hours", methods=["GET", "POST"])
@login_required
@require_role(*ADMIN_ONLY)
def provider_hours(provider_id: int) -> Any:
    provider = roster.get_provider(provider_id)
    week = roster.working_week(provider)
    form = WorkingWeekForm(
        data={
            "days": [
                {
                    "work": period_rows(week[day].work, ROWS),
                    "breaks": period_rows(week[day].breaks, ROWS),
                }
                for day in range(7)
            ]
        }
    )
    now = utcnow()
    if form.validate_on_submit():
        entered: dict[int, WorkingDay] = {}
        targets: dict[str, Field] = {}
        for day, day_field in enumerate(form.days):
            work = read_periods(day_field.work, f"work.{day}", targets)
            breaks = read_periods(day_field.breaks, f"breaks.{day}", targets)
            entered[day] = WorkingDay(work=work, breaks=breaks)
        try:
            roster.set_working_week(provider, entered, actor=actor(), now=now)
        except RuleBroken as refusal:
            put_on_form(form, refusal, targets)
        else:
            unfit = list_booked_outside_working_hours(provider, practice.get_clinic(), now)
            db.session.commit()
            flash_saved(
                f"Working hours of {provider.name} saved.",
                outside_sentence(len(unfit), _hours_of(provider)) if unfit else None,
            )
            return redirect(url_for("practice.provider_hours", provider_id=provider.id))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "practice/provider_hours.html",
        form=form,
        provider=provider,
        weekdays=WEEKDAY_NAMES,
        booked=list_booked_outside_working_hours(provider, practice.get_clinic(), now),
        hours_of=_hours_of(provider),
    ), status


def _hours_of(provider: Provider) -> str:
    """How the warning names a provider's hours: "the working hours of Ana Ruiz"."""
    return f"the working hours of {provider.name}"


@bp.route("/providers/<int:provider_id>/time-off", methods=["GET", "POST"])
@login_required
@require_role(*ADMIN_ONLY)
def provider_time_off(provider_id: int) -> Any:
    provider = roster.get_provider(provider_id)
    form = TimeOffForm()
    now = utcnow()
    if form.validate_on_submit():
        whole = bool(form.whole_days.data)
        raw = LocalTimeOff(
            starts_on=form.starts_on.data,
            starts_at=time(0) if whole else form.starts_at.data,
            # Whole days end at the midnight after the last one.
            ends_on=form.ends_on.data + timedelta(days=1) if whole else form.ends_on.data,
            ends_at=time(0) if whole else form.ends_at.data,
            reason=form.reason.data or "",
        )
        try:
            absence = roster.add_time_off(
                provider, raw, zone=practice.clinic_zone(), actor=actor(), now=now
            )
        except RuleBroken as refusal:
            put_on_form(form, refusal)
        else:
            booked = list_booked_between(
                absence.starts_at, absence.ends_at, provider_id=provider.id
            )
            db.session.commit()
            flash_saved(
                f"Time off for {provider.name} added.",
                booked_sentence(len(booked), "this time off") if booked else None,
            )
            return redirect(url_for("practice.provider_time_off", provider_id=provider.id))
    status = 422 if form.is_submitted() else 200
    upcoming = roster.list_upcoming_time_off(provider, now)
    return render_template(
        "practice/time_off.html",
        form=form,
        provider=provider,
        time_off=upcoming,
        booked_in=list_booked_in_time_off(provider.id, upcoming),
    ), status


@bp.post("/providers/<int:provider_id>/time-off/<int:time_off_id>/delete")
@login_required
@require_role(*ADMIN_ONLY)
def remove_time_off(provider_id: int, time_off_id: int) -> Any:
    provider = roster.get_provider(provider_id)
    roster.remove_time_off(provider, time_off_id, actor=actor(), now=utcnow())
    db.session.commit()
    flash("Time off removed.", "success")
    return redirect(url_for("practice.provider_time_off", provider_id=provider.id))
