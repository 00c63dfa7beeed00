"""Asking patients to choose a new time, from a setup warning's list or a visit's page
(clinic.reminders.new_times decides whom and sends), and the desk's answer: who was
asked, who had been, whom to call."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for
from flask_login import login_required

from clinic.accounts.access import ALL_STAFF, actor, require_role
from clinic.clock import utcnow
from clinic.display import phone_as_read
from clinic.extensions import db
from clinic.practice.service import get_clinic
from clinic.reminders.new_times import NewTimeRequests, ask_for_new_times
from clinic.scheduling.booked_visits import list_booked_by_id
from clinic.scheduling.desk_views import bp
from clinic.scheduling.forms import NewTimeRequestForm, plausible_id
from clinic.scheduling.models import Appointment
from clinic.web import safe_next


@bp.post("/visits/new-time-requests")
@login_required
@require_role(*ALL_STAFF)
def ask_new_times() -> Any:
    """Ask the patients of the listed visits to choose a new time (the button under a setup
    warning's list, or on a visit's page), then back to that page with what was done."""
    form = NewTimeRequestForm()
    back = safe_next(form.next.data, url_for("desk.day_view"))
    ids = {plausible_id(value) for value in form.appointment_ids.data or []} - {None}
    if not form.validate_on_submit() or not ids:
        flash("Nobody was asked: the list of visits could not be read. Reload the page.", "error")
        return redirect(back)
    visits = list_booked_by_id(sorted(i for i in ids if i is not None))
    done = ask_for_new_times(visits, clinic=get_clinic(), actor=actor(), now=utcnow())
    db.session.commit()
    for category, sentence in new_time_answer(done):
        flash(sentence, category)
    return redirect(back)


def new_time_answer(done: NewTimeRequests) -> list[tuple[str, str]]:
    """What asking did, as flash messages: who was asked, who had been, whom to call."""

    def names(visits: list[Appointment]) -> str:
        return ", ".join(visit.patient.full_name for visit in visits)

    answer = []
    if done.asked:
        whom = names(done.asked) if len(done.asked) <= 3 else f"{len(done.asked)} patients"
        answer.append(("success", f"Asked {whom} to choose a new time, by email or text."))
    if done.already_asked:
        answer.append(("info", f"Asked before, for the same time: {names(done.already_asked)}."))
    if done.unreachable:
        answer.append(
            (
                "error",
                "Call them: no email or text may be sent to "
                + ", ".join(
                    f"{v.patient.full_name} ({phone_as_read(v.patient.phone)})"
                    if v.patient.phone
                    else v.patient.full_name
                    for v in done.unreachable
                )
                + ".",
            )
        )
    if done.still_fitting:
        count = len(done.still_fitting)
        visits = "1 visit needs" if count == 1 else f"{count} visits need"
        answer.append(
            ("info", f"{visits} no new time: begun, checked in, or allowed by the setup again.")
        )
    if not answer:
        answer.append(("info", "None of these visits is still booked."))
    return answer
