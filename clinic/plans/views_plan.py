"""The plan page (its year as a timeline, its sessions, its actions) and the call list."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import render_template
from flask_login import login_required
from flask_wtf import FlaskForm

from clinic.accounts.access import ALL_STAFF, require_role
from clinic.plans.call_list import call_list
from clinic.plans.creation import find_renewal
from clinic.plans.forms import (
    OUTCOME_LABELS,
    CancelPlanForm,
    PauseForm,
    PlanChangeForm,
    ResumeForm,
    outcome_field_name,
    outcome_form,
)
from clinic.plans.models import Plan, PlanStatus
from clinic.plans.rules import may_renew
from clinic.plans.service import get_plan
from clinic.plans.views_base import (
    CheckIn,
    Moment,
    SessionLine,
    bp,
    check_in_of,
    moment,
    session_lines,
)
from clinic.plans.views_timeline import RowInput, Timeline, build_timeline
from clinic.reminders.new_times import when_asked

SESSION_STATUS_TEXT = {
    "due": "Due",
    "booked": "Booked",
    "done": "Done",
    "missed": "Missed",
    "cancelled": "Cancelled",
}


def plan_timeline(plan: Plan, lines: list[SessionLine], check_in: CheckIn, now: Moment) -> Timeline:
    rows = [
        RowInput(
            label=f"Session {line.session.number}",
            status=line.status.value,
            window_start=line.session.window_start,
            window_end=line.session.window_end,
            target_on=line.session.target_date,
            visit_on=line.visit_on,
        )
        for line in lines
    ]
    rows.append(check_in_row(check_in))
    return build_timeline(rows, start_on=plan.start_date, end_on=plan.end_date, today=now.today)


def check_in_row(check_in: CheckIn) -> RowInput:
    if check_in.is_done:
        status, text = "done", "Done"
    elif check_in.visit is not None:
        status, text = "booked", "Booked"
    elif check_in.is_overdue:
        status, text = "missed", "Overdue"
    else:
        status, text = "checkin", "To book"
    return RowInput(
        label="Check-in",
        status=status,
        status_text=text,
        window_start=check_in.window.start,
        window_end=check_in.window.end,
        visit_on=check_in.visit_on,
    )


def render_plan(
    plan: Plan,
    *,
    pause: FlaskForm | None = None,
    cancel: FlaskForm | None = None,
    outcome: FlaskForm | None = None,
    change: FlaskForm | None = None,
    status: int = 200,
) -> Any:
    """The plan page; an action refused by the service shows its form again, with errors."""
    now = moment()
    lines = session_lines(plan, now.today, now.tz)
    check_in = check_in_of(plan, now.clinic, now.today, now.tz)
    outcome = outcome or outcome_form(plan.indications)
    renewal = find_renewal(plan.id)
    return (
        render_template(
            "plans/show.html",
            plan=plan,
            lines=lines,
            check_in=check_in,
            timeline=plan_timeline(plan, lines, check_in, now),
            today=now.today,
            last_day=plan.end_date - timedelta(days=1),
            is_open=plan.status in (PlanStatus.ACTIVE, PlanStatus.PAUSED),
            renewal=renewal,
            may_renew=renewal is None
            and may_renew(plan.end_date, now.today, is_closed=plan.status is PlanStatus.COMPLETED),
            change_form=change
            or PlanChangeForm(
                formdata=None,
                data={"indications": plan.indications, "sessions_per_year": plan.sessions_per_year},
            ),
            pause_form=pause or PauseForm(formdata=None),
            cancel_form=cancel or CancelPlanForm(formdata=None),
            resume_form=ResumeForm(formdata=None),
            outcome_form=outcome,
            outcome_fields=[outcome[outcome_field_name(code)] for code in plan.indications],
            outcome_labels={o.value: label for o, label in OUTCOME_LABELS.items()},
            session_status_text=SESSION_STATUS_TEXT,
        ),
        status,
    )


@bp.get("/plans/<int:plan_id>")
@login_required
@require_role(*ALL_STAFF)
def show_plan(plan_id: int) -> Any:
    return render_plan(get_plan(plan_id))


@bp.get("/plans/call-list")
@login_required
@require_role(*ALL_STAFF)
def call_list_page() -> Any:
    now = moment()
    entries = call_list(now.clinic, now.now)
    asked = when_asked([entry.visit for entry in entries if entry.visit is not None])
    return render_template("plans/call_list.html", entries=entries, asked=asked, today=now.today)
