"""The staff's Messages page (what was sent to whom, failures, resend), and the patients'
one-click unsubscribe."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required

from clinic.accounts.access import ALL_STAFF, actor, require_role
from clinic.audit.service import record
from clinic.clock import utcnow
from clinic.errors import NotFound
from clinic.extensions import csrf, db
from clinic.patients.models import Patient
from clinic.practice.service import get_clinic
from clinic.reminders.models import Message
from clinic.reminders.rules import MessageKind, MessageStatus, in_quiet_hours
from clinic.reminders.service import list_messages, message_policy, resend, resend_problem
from clinic.reminders.unsubscribe import patient_for_token
from clinic.web import id_arg

bp = Blueprint("reminders", __name__)
PAGE_SIZE = 100
LAST_PAGE = 10_000  # an offset beyond this is a typing mistake, not a page


@bp.get("/messages")
@login_required
@require_role(*ALL_STAFF)
def messages() -> Any:
    status = request.args.get("status", "")
    kind = request.args.get("kind", "")
    patient_id, visit_id = id_arg("patient_id"), id_arg("appointment_id")
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), LAST_PAGE)
    rows = list_messages(
        patient_id=patient_id,
        appointment_id=visit_id,
        status=status if status in {s.value for s in MessageStatus} else None,
        kind=kind if kind in {k.value for k in MessageKind} else None,
        limit=PAGE_SIZE + 1,  # one more tells whether an older page exists
        offset=(page - 1) * PAGE_SIZE,
    )
    patient = db.session.get(Patient, patient_id) if patient_id else None
    asked: dict[str, Any] = {
        "patient_id": patient_id,
        "appointment_id": visit_id,
        "status": status,
        "kind": kind,
    }
    kept = {name: value for name, value in asked.items() if value}
    return render_template(
        "reminders/messages.html",
        rows=rows[:PAGE_SIZE],
        page=page,
        older_url=url_for("reminders.messages", **kept, page=page + 1)
        if len(rows) > PAGE_SIZE
        else None,
        newer_url=url_for("reminders.messages", **kept, page=page - 1) if page > 1 else None,
        visit_id=visit_id,
        status=status,
        kind=kind,
        patient=patient,
        statuses=list(MessageStatus),
        kinds=list(MessageKind),
    )


@bp.get("/messages/<int:message_id>")
@login_required
@require_role(*ALL_STAFF)
def message(message_id: int) -> Any:
    row = db.session.get(Message, message_id)
    if row is None:
        raise NotFound(f"There is no message {message_id}.")
    stays_skipped = None
    if row.status in (MessageStatus.FAILED, MessageStatus.SKIPPED):
        stays_skipped = resend_problem(row, clinic=get_clinic(), now=utcnow())
    return render_template("reminders/message.html", row=row, stays_skipped=stays_skipped)


@bp.post("/messages/<int:message_id>/resend")
@login_required
@require_role(*ALL_STAFF)
def resend_message(message_id: int) -> Any:
    row = db.session.get(Message, message_id)
    if row is None:
        raise NotFound(f"There is no message {message_id}.")
    clinic, now = get_clinic(), utcnow()
    if (problem := resend_problem(row, clinic=clinic, now=now)) is not None:
        flash(problem, "error")
    else:
        resend(row, now=now)
        record(actor(), "resend", "message", row.id, f"Queued message #{row.id} again", now=now)
        db.session.commit()
        tz, policy = ZoneInfo(clinic.timezone), message_policy(clinic)
        held = in_quiet_hours(now, tz, policy)
        when = (
            f"at {policy.quiet_end:%H:%M}, when the quiet hours end"
            if held
            else "in a minute or so"
        )
        flash(f"The message goes out with the next dispatch, {when}.", "success")
    return redirect(url_for("reminders.message", message_id=message_id))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the credential; mail clients post here (RFC 8058)
def unsubscribe(token: str) -> Any:
    patient_id = patient_for_token(str(current_app.config["SECRET_KEY"]), token)
    patient = db.session.get(Patient, patient_id) if patient_id else None
    if patient is None:
        return render_template("reminders/unsubscribe.html", state="invalid"), 404
    if request.method == "POST":
        if patient.unsubscribed_at is None:
            now = utcnow()
            patient.unsubscribed_at = now
            record(
                actor(),
                "unsubscribe",
                "patient",
                patient.id,
                f"Patient #{patient.id} unsubscribed from reminders",
                now=now,
            )
            db.session.commit()
        return render_template("reminders/unsubscribe.html", state="done")
    return render_template(
        "reminders/unsubscribe.html",
        state="ask",
        token=token,
        already=patient.unsubscribed_at is not None,
    )
