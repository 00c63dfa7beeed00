"""The front desk's patient pages: search, register, change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from clinic.accounts.access import ALL_STAFF, actor, require_role
from clinic.clock import local_today, utcnow
from clinic.display import phone_as_read
from clinic.errors import RuleBroken
from clinic.extensions import db
from clinic.patients import service
from clinic.patients.forms import PatientForm
from clinic.patients.models import Patient
from clinic.patients.rules import PatientInput, age_on
from clinic.practice.service import clinic_zone, find_clinic
from clinic.web import phone_region

T = TypeVar("T")

bp = Blueprint("patients", __name__)

# The patient page also shows her visits and plans, which belong to capabilities above this
# one (scheduling, plans) that it may not import. Each registers how to gather its part, by
# the name the template uses; the page gathers them all in the view, not in the template.
PAGE_PARTS: dict[str, Callable[[Patient], object]] = {}


def page_part(name: str) -> Callable[[Callable[[Patient], T]], Callable[[Patient], T]]:
    def register(gather: Callable[[Patient], T]) -> Callable[[Patient], T]:
        PAGE_PARTS[name] = gather
        return gather

    return register


@bp.get("/")
@login_required
@require_role(*ALL_STAFF)
def index() -> Any:
    query = request.args.get("q", "").strip()
    patients = (
        service.search_patients(query, region=phone_region())
        if query
        else service.list_recent_patients()
    )
    return render_template(
        "patients/index.html", patients=patients, query=query, total=service.count_patients()
    )


def _input(form: PatientForm) -> PatientInput:
    return PatientInput(
        first_name=form.first_name.data or "",
        last_name=form.last_name.data or "",
        date_of_birth=form.date_of_birth.data or "",
        email=form.email.data or "",
        phone=form.phone.data or "",
        email_consent=bool(form.email_consent.data),
        sms_consent=bool(form.sms_consent.data),
        notes=form.notes.data or "",
    )


def _save(form: PatientForm, patient: Patient | None) -> Patient | None:
    """Create or change from a valid form; on refusal, put the reasons on the fields."""
    now = utcnow()
    who, today = actor(), local_today(clinic_zone(), now)
    region = phone_region()
    try:
        if patient is None:
            patient = service.create_patient(
                _input(form), actor=who, now=now, today=today, phone_region=region
            )
        else:
            service.update_patient(
                patient, _input(form), actor=who, now=now, today=today, phone_region=region
            )
    except RuleBroken as refusal:
        db.session.rollback()
        for name, message in refusal.fields.items():
            getattr(form, name).errors = [message]
        return None
    db.session.commit()
    return patient


@bp.route("/patients/new", methods=["GET", "POST"])
@login_required
@require_role(*ALL_STAFF)
def new() -> Any:
    """Register; details matching a registered patient are shown first, and saved once
    staff confirm a different person (a duplicate splits her history and her limits)."""
    form = PatientForm()
    matches: list[Patient] = []
    if form.validate_on_submit():
        matches = _unconfirmed_matches(form, None)
        if not matches and (patient := _save(form, None)) is not None:
            flash(f"{patient.full_name} is registered.", "success")
            return redirect(url_for("patients.show", patient_id=patient.id))
    status = 422 if form.is_submitted() else 200
    return render_template("patients/form.html", form=form, patient=None, matches=matches), status


def _unconfirmed_matches(form: PatientForm, editing: Patient | None) -> list[Patient]:
    """The patients these details may duplicate, unless staff confirmed a different person."""
    if form.not_a_duplicate.data:
        return []
    matches = service.list_possible_duplicates(
        _input(form),
        today=local_today(clinic_zone(), utcnow()),
        phone_region=phone_region(),
        editing=editing,
    )
    if matches:  # the page comes back as a form to fix: "Error:" in its title, focus on it
        form.not_a_duplicate.errors = [
            "Tick this if this is a different person, or open that patient's page instead."
        ]
    return matches


@bp.get("/patients/<int:patient_id>")
@login_required
@require_role(*ALL_STAFF)
def show(patient_id: int) -> Any:
    patient = service.get_patient(patient_id)
    parts = {name: gather(patient) for name, gather in PAGE_PARTS.items()}
    clinic = find_clinic()  # None before the clinic is set up: no age rules to show yet
    return render_template(
        "patients/show.html",
        patient=patient,
        age=age_on(patient.date_of_birth, local_today(clinic_zone())),
        minimum_age=clinic.minimum_age if clinic else 0,
        sign_off_below_age=clinic.sign_off_below_age if clinic else 0,
        **parts,
    )


@bp.route("/patients/<int:patient_id>/edit", methods=["GET", "POST"])
@login_required
@require_role(*ALL_STAFF)
def edit(patient_id: int) -> Any:
    """Change her details; a change that makes them match another patient's is shown
    first, as at registration."""
    patient = service.get_patient(patient_id)
    form = PatientForm(obj=patient)
    form.not_a_duplicate.label.text = "This is a different person: save anyway"
    if not form.is_submitted():
        form.date_of_birth.data = patient.date_of_birth.isoformat()
        form.phone.data = phone_as_read(patient.phone)  # saving reads it back
    matches: list[Patient] = []
    if form.validate_on_submit():
        matches = _unconfirmed_matches(form, patient)
        if not matches and _save(form, patient) is not None:
            flash("Changes saved.", "success")
            return redirect(url_for("patients.show", patient_id=patient.id))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "patients/form.html", form=form, patient=patient, matches=matches
    ), status
