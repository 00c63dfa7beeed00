"""The JSON API of ../shared/API.md, prefix /api/v1: tokens, the clinic's setup, patients.

Screenings, availability and appointments are in booking_views.py; plans and messages in
plan_views.py; all on the same blueprint.

Each view reads its input (parsing.py), makes one service call, commits, and answers with
a body from representations.py. Refusals are ClinicErrors, rendered by clinic.errors as
`{"error": ..., "fields": ...}` with the status API.md gives them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Response, current_app, g, jsonify, url_for

from clinic.accounts import service as accounts
from clinic.accounts.access import ALL_STAFF, actor, require_role
from clinic.accounts.sign_in_views import client_address, sign_in_limit
from clinic.api import booking_views, plan_views  # noqa: F401  (register their routes on bp)
from clinic.api.blueprint import bp, created
from clinic.api.openapi import openapi_document as build_openapi_document
from clinic.api.parsing import (
    MAX_EMAIL_LENGTH,
    MAX_PASSWORD_LENGTH,
    PATIENT_QUERY_MIN_LENGTH,
    BodyReader,
    json_object,
    query_text,
)
from clinic.api.representations import (
    clinic_body,
    patient_body,
    provider_body,
    room_body,
    service_body,
    token_body,
)
from clinic.clock import local_today, utcnow
from clinic.db import is_possible_id
from clinic.errors import NotFound, Unauthorized
from clinic.extensions import db
from clinic.patients import service as patients
from clinic.patients.rules import PatientInput
from clinic.practice import service as practice
from clinic.web import phone_region

__all__ = ["bp"]


# Tokens ------------------------------------------------------------------------------------


@bp.post("/tokens")
def issue_token() -> Any:
    """Staff exchange their email and password for a bearer token (API_TOKEN_HOURS long)."""
    reader = BodyReader(json_object())
    email = reader.text("email", required=True, max_length=MAX_EMAIL_LENGTH)
    password = reader.text("password", required=True, max_length=MAX_PASSWORD_LENGTH)
    if len(email.strip().lower()) > MAX_EMAIL_LENGTH:  # lower() can lengthen: "İ" -> "i̇"
        reader.refuse("email", f"Use at most {MAX_EMAIL_LENGTH} characters.")
    reader.raise_problems("Send an email and a password.")
    now = utcnow()
    try:
        user = accounts.authenticate(
            email, password, client_address(), limit=sign_in_limit(), now=now
        )
    except Unauthorized:
        db.session.commit()  # keep the failure, so the sign-in limit counts it
        raise
    lifetime = timedelta(hours=int(current_app.config["API_TOKEN_HOURS"]))
    issued = accounts.issue_token(user, now=now, lifetime=lifetime)
    db.session.commit()
    return jsonify(token_body(issued)), 201


@bp.delete("/tokens/current")
@require_role(*ALL_STAFF)
def revoke_current_token() -> Any:
    """Sign out an integration: the token that authenticated this request stops working."""
    accounts.revoke_token(g.api_token, now=utcnow())
    db.session.commit()
    return Response(status=204)


# The document ------------------------------------------------------------------------------


@bp.get("/openapi.json")
def openapi_document() -> Any:
    return jsonify(build_openapi_document())


# The clinic's setup ------------------------------------------------------------------------


@bp.get("/clinic")
@require_role(*ALL_STAFF)
def clinic() -> Any:
    return jsonify(clinic_body(practice.get_clinic()))


@bp.get("/providers")
@require_role(*ALL_STAFF)
def providers() -> Any:
    return jsonify([provider_body(p) for p in practice.list_providers()])


@bp.get("/rooms")
@require_role(*ALL_STAFF)
def rooms() -> Any:
    return jsonify([room_body(r) for r in practice.list_rooms()])


@bp.get("/services")
@require_role(*ALL_STAFF)
def services() -> Any:
    return jsonify([service_body(s) for s in practice.list_services()])


# Patients ----------------------------------------------------------------------------------


@bp.post("/patients")
@require_role(*ALL_STAFF)
def create_patient() -> Any:
    """Register a patient. Wrong JSON types are named first; then the service names every
    field that fails its checks (names, date of birth, email, phone, consents)."""
    reader = BodyReader(json_object())
    raw = PatientInput(
        first_name=reader.text("first_name"),
        last_name=reader.text("last_name"),
        date_of_birth=reader.date_text("date_of_birth"),
        email=reader.optional_text("email"),
        phone=reader.optional_text("phone"),
        email_consent=reader.flag("email_consent"),
        sms_consent=reader.flag("sms_consent"),
    )
    reader.raise_problems()
    now = utcnow()
    patient = patients.create_patient(
        raw,
        actor=actor(),
        now=now,
        today=local_today(practice.clinic_zone(), now),
        phone_region=phone_region(),
    )
    db.session.commit()
    return created(patient_body(patient), url_for("api.patient", patient_id=patient.id))


@bp.get("/patients")
@require_role(*ALL_STAFF)
def search_patients() -> Any:
    query = query_text("q", min_length=PATIENT_QUERY_MIN_LENGTH)
    return jsonify(
        [patient_body(p) for p in patients.search_patients(query, region=phone_region())]
    )


@bp.get("/patients/<int:patient_id>")
@require_role(*ALL_STAFF)
def patient(patient_id: int) -> Any:
    if not is_possible_id(patient_id):
        raise NotFound(f"There is no patient {patient_id}.")
    return jsonify(patient_body(patients.get_patient(patient_id)))
