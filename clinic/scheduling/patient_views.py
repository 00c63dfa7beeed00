"""The screening form the front desk fills with a patient, its result, and what the patient
page shows of her visits and screening."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import redirect, render_template, request, url_for
from flask_login import login_required

from clinic.accounts.access import ALL_STAFF, actor, require_role
from clinic.clock import utcnow
from clinic.errors import NotFound, RuleBroken
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.patients.service import get_patient
from clinic.patients.views import page_part
from clinic.practice.service import get_clinic
from clinic.scheduling.availability import list_patient_visits
from clinic.scheduling.desk_views import bp, put_refusal
from clinic.scheduling.forms import plausible_id, screening_form
from clinic.scheduling.models import Appointment, Screening
from clinic.scheduling.screening import Contraindication
from clinic.scheduling.screenings import (
    AgeRefusal,
    age_refusal,
    get_screening,
    latest_screening,
    record_screening,
)
from clinic.scheduling.service import get_appointment
from clinic.scheduling.status import AppointmentStatus


@dataclass(frozen=True)
class Reason:
    text: str
    is_absolute: bool


@dataclass(frozen=True)
class PatientVisits:
    upcoming: list[Appointment]
    past: list[Appointment]
    screening: Screening | None
    age_refusals: dict[int, AgeRefusal]
    """Booked microneedling visits her age on the day refuses (a corrected date of birth,
    say), by visit id: the desk cancels them before check-in refuses them."""


def screening_reasons(screening: Screening) -> list[Reason]:
    """The screening's "yes" answers in plain words, absolute ones first."""
    codes = [Contraindication(code) for code in screening.contraindications]
    reasons = [Reason(code.finding, code.is_absolute) for code in codes]
    return sorted(reasons, key=lambda reason: not reason.is_absolute)


@page_part("visits")
def patient_visits(patient: Patient) -> PatientVisits:
    """For the patient page: visits still to come (earliest first) and past ones."""
    now = utcnow()
    visits = list_patient_visits(patient.id)
    waiting = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN)
    upcoming = [v for v in visits if v.ends_at >= now and v.status in waiting][::-1]
    past = [v for v in visits if v not in upcoming]
    return PatientVisits(upcoming, past, latest_screening(patient.id), _age_refusals(upcoming))


def _age_refusals(upcoming: list[Appointment]) -> dict[int, AgeRefusal]:
    if not upcoming:
        return {}
    clinic = get_clinic()
    refusals = ((visit.id, age_refusal(visit, clinic)) for visit in upcoming)
    return {visit_id: refusal for visit_id, refusal in refusals if refusal is not None}


bp.add_app_template_global(screening_reasons, "desk_screening_reasons")


@bp.route("/patients/<int:patient_id>/screening", methods=["GET", "POST"])
@login_required
@require_role(*ALL_STAFF)
def screening(patient_id: int) -> Any:
    patient = get_patient(patient_id)
    form = screening_form(request.form if request.method == "POST" else request.args)
    visit = _visit_of(patient, form.appointment_id.data)
    if request.method == "POST" and form.validate_on_submit():
        answers = {code.value: form[code.value].data == "yes" for code in Contraindication}
        try:
            saved = record_screening(
                patient,
                answers,
                clinic=get_clinic(),
                actor=actor(),
                now=utcnow(),
                appointment_id=visit.id if visit else None,
            )
        except RuleBroken as refusal:
            put_refusal(
                form, refusal, {f"answers.{code.value}": code.value for code in Contraindication}
            )
        else:
            db.session.commit()
            return redirect(
                url_for("desk.screening_result", patient_id=patient.id, screening_id=saved.id)
            )
    status = 422 if request.method == "POST" else 200
    questions = [(code, form[code.value]) for code in Contraindication]
    return render_template(
        "desk/screening.html", patient=patient, form=form, questions=questions, visit=visit
    ), status


@bp.get("/patients/<int:patient_id>/screening/<int:screening_id>")
@login_required
@require_role(*ALL_STAFF)
def screening_result(patient_id: int, screening_id: int) -> Any:
    patient = get_patient(patient_id)
    screening = get_screening(screening_id)
    if screening.patient_id != patient.id:
        raise NotFound(f"There is no screening {screening_id} for this patient.")
    visit = _visit_of(patient, screening.appointment_id)
    return render_template(
        "desk/screening_result.html",
        patient=patient,
        screening=screening,
        reasons=screening_reasons(screening),
        visit=visit,
        taken_at=screening.taken_at,
        is_latest=_is_latest(patient, screening),
    )


def _visit_of(patient: Patient, appointment_id: int | None) -> Appointment | None:
    known = plausible_id(appointment_id)
    if known is None:
        return None
    try:
        visit = get_appointment(known)
    except NotFound:
        return None
    return visit if visit.patient_id == patient.id else None


def _is_latest(patient: Patient, screening: Screening) -> bool:
    latest = latest_screening(patient.id)
    return latest is not None and latest.id == screening.id
