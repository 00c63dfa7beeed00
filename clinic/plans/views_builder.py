"""The plan builder: what the plan treats, when it starts, how many sessions a year (with
the rule that limits it), a preview of the targets on the timeline, then "Create plan".

A clinician or an admin may allow more sessions than the indications do, with a written
reason; anyone else who sends one is refused (403), as in the API.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required

from clinic.accounts.access import ALL_STAFF, CLINICAL, actor, may, require_role
from clinic.db import is_possible_id
from clinic.errors import Forbidden, NotFound, RuleBroken
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.patients.service import get_patient
from clinic.plans.creation import (
    PlanRequest,
    create_plan,
    first_start,
    plan_made_from,
    preview_plan,
)
from clinic.plans.forms import PlanForm
from clinic.plans.lifecycle import renewal_request
from clinic.plans.rules import (
    PlanPolicy,
    SessionTarget,
    plan_end,
    results_window,
    session_limit,
    suggested_sessions,
)
from clinic.plans.service import find_open_plan, get_plan, plan_policy
from clinic.plans.views_base import bp, moment
from clinic.plans.views_timeline import RowInput, Timeline, build_timeline, long
from clinic.practice.models import Clinic
from clinic.scheduling.desk_views import put_refusal


def preview_timeline(
    targets: list[SessionTarget], start_on: date, today: date, policy: PlanPolicy
) -> Timeline:
    rows = [
        RowInput(
            label=f"Session {t.number}",
            status="due",
            status_text="Planned",
            window_start=t.window_start,
            window_end=t.window_end,
            target_on=t.target_on,
        )
        for t in targets
    ]
    if targets:
        window = results_window(targets[-1].target_on, policy)
        rows.append(
            RowInput("Check-in", "checkin", window.start, window.end, status_text="Projected")
        )
    return build_timeline(rows, start_on=start_on, end_on=plan_end(start_on), today=today)


@bp.route("/patients/<int:patient_id>/plans/new", methods=["GET", "POST"])
@login_required
@require_role(*ALL_STAFF)
def new_plan(patient_id: int) -> Any:
    now = moment()
    patient = get_patient(patient_id)
    policy = plan_policy(now.clinic)
    if request.method == "POST":
        form = PlanForm()
    else:
        form = PlanForm(formdata=None, data=_proposal(patient, now.clinic, now.today, policy))
    renewing = request.values.get("renewed_from", type=int)
    targets: list[SessionTarget] = []
    status = 200
    if request.method == "POST":
        override = (form.override_reason.data or "").strip()
        if override and not may(CLINICAL):
            raise Forbidden("Only a clinician or an admin may allow more sessions.")
        status = 422
        if form.validate_on_submit():
            plan_request = PlanRequest(
                patient_id=patient.id,
                indications=tuple(form.indications.data or ()),
                start_date=form.start_date.data or now.today,
                sessions_per_year=form.sessions_per_year.data,
                override_reason=override or None,
                renewed_from_id=renewing if renewing and is_possible_id(renewing) else None,
            )
            try:
                if request.form.get("action") == "create":
                    plan = create_plan(
                        plan_request,
                        clinic=now.clinic,
                        actor=actor(),
                        today=now.today,
                        now=now.now,
                    )
                    db.session.commit()
                    flash(
                        f"Created a plan of {plan.sessions_per_year} sessions a year for "
                        f"{patient.full_name}.",
                        "success",
                    )
                    return redirect(url_for("plans.show_plan", plan_id=plan.id))
                targets = preview_plan(plan_request, clinic=now.clinic, today=now.today)
                status = 200
            except RuleBroken as refusal:
                put_refusal(form, refusal)
    chosen = form.indications.data or []
    open_plan = find_open_plan(patient.id)
    adult_on = first_start(patient, now.clinic, now.today)
    limit, limit_reason = session_limit(chosen, policy)
    start_on = form.start_date.data
    if not isinstance(start_on, date) or form.start_date.errors:
        start_on = now.today  # a refused start (year 9999, say) has no plan year to show
    return render_template(
        "plans/new.html",
        patient=patient,
        form=form,
        targets=targets,
        timeline=preview_timeline(targets, start_on, now.today, policy) if targets else None,
        check_in=results_window(targets[-1].target_on, policy) if targets else None,
        plan_year=(long(start_on), long(plan_end(start_on) - timedelta(days=1))),
        suggested=suggested_sessions(chosen, policy),
        limit=limit,
        limit_reason=limit_reason,
        max_sessions=policy.max_sessions,
        may_override=may(CLINICAL),
        renewed_from=renewing,
        open_plan=open_plan,
        made_from=made_from if (made_from := plan_made_from(adult_on)) > now.today else None,
        adult_on=adult_on,
        open_plan_last_day=open_plan.end_date - timedelta(days=1) if open_plan else None,
        closes_open=open_plan is not None and open_plan.id == renewing,
    ), status


def _proposal(patient: Patient, clinic: Clinic, today: date, policy: PlanPolicy) -> dict[str, Any]:
    """The builder's first values: today (or the day she comes of age) and the suggested
    count, or, with ?renewed_from=, next year's plan proposed from one of her plans."""
    renewed_from = request.args.get("renewed_from", type=int)
    if renewed_from:
        try:
            plan = get_plan(renewed_from)
        except NotFound:
            plan = None
        if plan is not None and plan.patient_id == patient.id:
            proposal = renewal_request(plan, clinic, today)
            return {
                "indications": list(proposal.indications),
                "start_date": proposal.start_date,
                "sessions_per_year": proposal.sessions_per_year,
            }
    return {
        "start_date": first_start(patient, clinic, today),
        "sessions_per_year": suggested_sessions((), policy),
    }
