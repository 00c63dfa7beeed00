"""Patients: register, change, find."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, case, func, or_, select

from clinic.audit.service import Actor, diff, record
from clinic.errors import NotFound, RuleBroken
from clinic.extensions import db
from clinic.patients.models import SEARCH_LAST_LENGTH, SEARCH_NAME_LENGTH, Patient
from clinic.patients.rules import (
    PatientDetails,
    PatientInput,
    check_patient,
    folded,
    search_terms,
)

SEARCH_LIMIT = 50


def name_keys(first_name: str, last_name: str) -> tuple[str, str]:
    """The search keys of a name (folded, see patients.rules.folded), cut to their columns:
    folding may lengthen a name ("ß" becomes "ss")."""
    name = folded(f"{first_name} {last_name}")
    return name[:SEARCH_NAME_LENGTH], folded(last_name)[:SEARCH_LAST_LENGTH]


def _checked(raw: PatientInput, today: date, phone_region: str) -> PatientDetails:
    details, problems = check_patient(raw, today=today, phone_region=phone_region)
    if details is None:
        raise RuleBroken("Some details need correcting.", problems)
    return details


def _apply(patient: Patient, details: PatientDetails) -> None:
    patient.first_name = details.first_name
    patient.last_name = details.last_name
    patient.date_of_birth = details.date_of_birth
    patient.email = details.email
    patient.phone = details.phone
    patient.email_consent = details.email_consent
    patient.sms_consent = details.sms_consent
    patient.notes = details.notes
    patient.search_name, patient.search_last = name_keys(details.first_name, details.last_name)
    patient.email_key, patient.phone_digits = _contact_keys(details)


def _contact_keys(details: PatientDetails) -> tuple[str | None, str | None]:
    """The keys search and the duplicate check read: the email in lower case, the phone's
    digits (so "(415) 555" finds +1415555...)."""
    email_key = details.email.lower() if details.email else None
    return email_key, details.phone.lstrip("+") if details.phone else None


def _snapshot(patient: Patient) -> dict[str, object]:
    return {
        "first_name": patient.first_name,
        "last_name": patient.last_name,
        "date_of_birth": patient.date_of_birth,
        "email": patient.email,
        "phone": patient.phone,
        "email_consent": patient.email_consent,
        "sms_consent": patient.sms_consent,
    }


def create_patient(
    raw: PatientInput, *, actor: Actor, now: datetime, today: date, phone_region: str
) -> Patient:
    details = _checked(raw, today, phone_region)
    patient = Patient(created_at=now, updated_at=now)
    _apply(patient, details)
    db.session.add(patient)
    db.session.flush()
    record(actor, "create", "patient", patient.id, f"Registered patient #{patient.id}", now=now)
    return patient


def list_possible_duplicates(
    raw: PatientInput,
    *,
    today: date,
    phone_region: str,
    limit: int = 5,
    editing: Patient | None = None,
) -> list[Patient]:
    """Patients who may be the one about to be registered: the same name and date of birth,
    or the same email or mobile (a family may share one, so staff decide). None for details
    that do not pass the checks: their errors come first.

    When `editing` a patient: other patients, matched on the details that change only, so
    that an email she has always shared with her family is not asked about at every change
    while typing her mother's name and birthday on her record is."""
    details, _ = check_patient(raw, today=today, phone_region=phone_region)
    if details is None:
        return []
    name_key = name_keys(details.first_name, details.last_name)[0]
    email_key, phone_digits = _contact_keys(details)
    same: list[ColumnElement[bool]] = []
    if editing is None or (name_key, details.date_of_birth) != (
        editing.search_name,
        editing.date_of_birth,
    ):
        same.append(
            and_(Patient.search_name == name_key, Patient.date_of_birth == details.date_of_birth)
        )
    if email_key and (editing is None or email_key != editing.email_key):
        same.append(Patient.email_key == email_key)
    if phone_digits and (editing is None or phone_digits != editing.phone_digits):
        same.append(Patient.phone_digits == phone_digits)
    if not same:
        return []
    query = select(Patient).where(or_(*same))
    if editing is not None:
        query = query.where(Patient.id != editing.id)
    return list(db.session.scalars(query.order_by(Patient.id).limit(limit)))


def update_patient(
    patient: Patient,
    raw: PatientInput,
    *,
    actor: Actor,
    now: datetime,
    today: date,
    phone_region: str,
) -> Patient:
    details = _checked(raw, today, phone_region)
    before = _snapshot(patient)
    _apply(patient, details)
    patient.updated_at = now
    # Field names only: the audit log must not copy health or contact details around.
    changed = sorted(diff(before, _snapshot(patient)))
    record(
        actor,
        "update",
        "patient",
        patient.id,
        f"Changed patient #{patient.id}",
        now=now,
        changes={"fields": changed},
    )
    return patient


def get_patient(patient_id: int) -> Patient:
    patient = db.session.get(Patient, patient_id)
    if patient is None:
        raise NotFound(f"There is no patient {patient_id}.")
    return patient


def search_patients(query: str, *, region: str, limit: int = SEARCH_LIMIT) -> list[Patient]:
    """Patients matching a name, email, phone digits or date of birth, best first; `region`
    (CLINIC_PHONE_REGION) says how a date with slashes reads.

    Prefix matches (served by the indexes) rank before matches inside a word; within a
    rank, alphabetical by last name.
    """
    terms = search_terms(query, region)
    if terms.born is not None:  # a date: those born that day, not phone digits in it
        return list(
            db.session.scalars(
                select(Patient)
                .where(Patient.date_of_birth == terms.born)
                .order_by(Patient.search_last, Patient.first_name, Patient.id)
                .limit(limit)
            )
        )
    if len(terms.email) < 2:
        return []
    name, email = _escape(terms.name), _escape(terms.email)
    conditions: list[ColumnElement[bool]] = [Patient.email_key.like(f"{email}%", escape="\\")]
    if len(terms.name) >= 2:  # every word, in any order: "nguyen thao" finds Thao Nguyen
        conditions.append(
            and_(*(Patient.search_name.like(f"%{word}%", escape="\\") for word in name.split()))
        )
    if len(terms.digits) >= 3:
        conditions.append(Patient.phone_digits.like(f"%{terms.digits}%"))
    rank = case(
        (Patient.search_name == terms.name, 0),
        (Patient.email_key == terms.email, 0),
        (Patient.search_last.like(f"{name}%", escape="\\"), 1),
        (Patient.search_name.like(f"{name}%", escape="\\"), 2),
        else_=3,
    )
    rows = db.session.scalars(
        select(Patient)
        .where(or_(*conditions))
        .order_by(rank, Patient.search_last, Patient.first_name, Patient.id)
        .limit(limit)
    )
    return list(rows)


def count_patients() -> int:
    return db.session.scalar(select(func.count(Patient.id))) or 0


def list_recent_patients(limit: int = 25) -> list[Patient]:
    return list(db.session.scalars(select(Patient).order_by(Patient.id.desc()).limit(limit)))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
