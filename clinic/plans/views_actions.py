"""What staff do to a plan from its page: change what it treats and its sessions, pause
(with a reason), resume, cancel (with a reason), and record the results check-in's
outcome."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_login import login_required

from clinic.accounts.access import ALL_STAFF, CLINICAL, actor, may, require_role
from clinic.errors import Forbidden, RuleBroken
from clinic.extensions import db
from clinic.plans.forms import (
    CancelPlanForm,
    PauseForm,
    PlanChangeForm,
    ResumeForm,
    outcome_field_name,
    outcome_form,
)
from clinic.plans.lifecycle import (
    OutcomeInput,
    PlanChange,
    cancel_plan,
    change_plan,
    pause_plan,
    record_outcome,
    resume_plan,
)
from clinic.plans.service import get_plan
from clinic.plans.views_base import bp, moment
from clinic.plans.views_plan import render_plan
from clinic.scheduling.desk_views import put_refusal
from clinic.scheduling.status import AppointmentStatus
from clinic.web import local_datetime


@bp.post("/plans/<int:plan_id>/change")
@login_required
@require_role(*ALL_STAFF)
def change(plan_id: int) -> Any:
    """A clinician or an admin may allow more sessions than the indications do, with a
    written reason (as when the plan is made); anyone else who sends one is refused."""
    plan, now = get_plan(plan_id), moment()
    form = PlanChangeForm()
    reason = (form.override_reason.data or "").strip()
    if reason and not may(CLINICAL):
        raise Forbidden("Only a clinician or an admin may allow more sessions.")
    if form.validate_on_submit():
        before = plan.sessions_per_year
        try:
            change_plan(
                plan,
                PlanChange(
                    tuple(form.indications.data or ()),
                    form.sessions_per_year.data or 0,
                    reason or None,
                ),
                clinic=now.clinic,
                actor=actor(),
                today=now.today,
                now=now.now,
            )
        except RuleBroken as refusal:
            put_refusal(form, refusal)
        else:
            db.session.commit()
            sessions = plan.sessions_per_year
            moved = "" if sessions == before else f", {sessions} sessions a year"
            flash(f"The plan is changed{moved}.", "success")
            return redirect(url_for("plans.show_plan", plan_id=plan.id))
    return render_plan(plan, change=form, status=422)


@bp.post("/plans/<int:plan_id>/pause")
@login_required
@require_role(*ALL_STAFF)
def pause(plan_id: int) -> Any:
    plan, now = get_plan(plan_id), moment()
    form = PauseForm()
    if form.validate_on_submit():
        try:
            pause_plan(plan, form.reason.data or "", actor=actor(), today=now.today, now=now.now)
        except RuleBroken as refusal:
            put_refusal(form, refusal)
        else:
            db.session.commit()
            flash("The plan is paused. Resume it to move its sessions on.", "success")
            still = [
                session
                for session in plan.sessions
                if session.appointment is not None
                and session.appointment.status is AppointmentStatus.BOOKED
                and session.appointment.starts_at > now.now
            ]
            if still:
                visits = "; ".join(
                    f"session {s.number} on {local_datetime(s.appointment.starts_at)}"
                    for s in still
                    if s.appointment  # always, by `still`: for the type checker
                )
                flash(
                    f"Still booked: {visits}. Pausing keeps them: cancel those the patient "
                    "will not come to (their messages stop with them).",
                    "warning",
                )
            return redirect(url_for("plans.show_plan", plan_id=plan.id))
    return render_plan(plan, pause=form, status=422)


@bp.post("/plans/<int:plan_id>/resume")
@login_required
@require_role(*ALL_STAFF)
def resume(plan_id: int) -> Any:
    plan, now = get_plan(plan_id), moment()
    form = ResumeForm()
    if form.validate_on_submit():
        try:
            resume_plan(plan, clinic=now.clinic, actor=actor(), today=now.today, now=now.now)
        except RuleBroken as refusal:
            db.session.rollback()
            flash(refusal.message, "error")
        else:
            db.session.commit()
            flash("The plan is active again; its sessions still to book moved on.", "success")
    return redirect(url_for("plans.show_plan", plan_id=plan.id))


@bp.post("/plans/<int:plan_id>/cancel")
@login_required
@require_role(*ALL_STAFF)
def cancel(plan_id: int) -> Any:
    plan, now = get_plan(plan_id), moment()
    form = CancelPlanForm()
    if form.validate_on_submit():
        try:
            cancel_plan(plan, form.reason.data or "", actor=actor(), now=now.now)
        except RuleBroken as refusal:
            put_refusal(form, refusal)
        else:
            db.session.commit()
            flash(
                "The plan is cancelled. Visits already booked stay booked: cancel them from "
                "their pages if the patient will not come.",
                "success",
            )
            return redirect(url_for("plans.show_plan", plan_id=plan.id))
    return render_plan(plan, cancel=form, status=422)


@bp.post("/plans/<int:plan_id>/outcome")
@login_required
@require_role(*CLINICAL)  # the clinician judges the result at the check-in
def outcome(plan_id: int) -> Any:
    plan, now = get_plan(plan_id), moment()
    form = outcome_form(plan.indications, request.form)
    if form.validate_on_submit():
        entry = OutcomeInput(
            results={code: form[outcome_field_name(code)].data for code in plan.indications},
            patient_rating=int(form.patient_rating.data),
            notes=form.notes.data or "",
            renew=form.renew.data == "yes",
        )
        try:
            record_outcome(plan, entry, actor=actor(), now=now.now)
        except RuleBroken as refusal:
            targets = {f"results.{code}": outcome_field_name(code) for code in plan.indications}
            put_refusal(form, refusal, targets)
        else:
            db.session.commit()
            flash("The outcome is recorded and the plan is complete.", "success")
            return redirect(url_for("plans.show_plan", plan_id=plan.id))
    return render_plan(plan, outcome=form, status=422)
