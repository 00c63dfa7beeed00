"""The plan and message rows of API.md: POST /plans, GET /plans/{id},
GET /patients/{id}/plans, GET /messages."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import jsonify, url_for

from clinic.accounts.access import ALL_STAFF, CLINICAL, actor, may, require_role
from clinic.api.blueprint import bp, created
from clinic.api.parsing import BodyReader, json_object, query_id
from clinic.api.representations import message_body, plan_body
from clinic.clock import local_today, utcnow
from clinic.db import is_possible_id
from clinic.errors import BadRequest, Forbidden, NotFound, RuleBroken
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.plans.creation import PlanRequest, create_plan
from clinic.plans.service import get_plan, list_patient_plans
from clinic.practice.rules import Indication
from clinic.practice.service import get_clinic
from clinic.reminders.service import list_messages
from clinic.scheduling.models import Appointment

MAX_REASON_LENGTH = 1000


def _today() -> Any:
    return local_today(ZoneInfo(get_clinic().timezone), utcnow())


@bp.post("/plans")
@require_role(*ALL_STAFF)
def new_plan() -> Any:
    clinic = get_clinic()
    reader = BodyReader(json_object())
    patient_id = reader.identifier("patient_id", "patient")
    indications = reader.text_list("indications")
    unknown = sorted(set(indications or ()) - {i.value for i in Indication})
    if unknown:
        reader.refuse("indications", f"Unknown indication: {', '.join(unknown)}.")
    start_date = reader.day("start_date")
    sessions = reader.integer("sessions_per_year", required=False)
    override = reader.optional_text("override_reason", max_length=MAX_REASON_LENGTH).strip()
    if override and not may(CLINICAL):
        raise Forbidden("Only a clinician or an admin may allow more sessions.")
    reader.raise_problems("Some of the plan's fields are wrong.")
    assert patient_id is not None and indications is not None and start_date is not None
    now = utcnow()
    plan = create_plan(
        PlanRequest(patient_id, tuple(indications), start_date, sessions, override or None),
        clinic=clinic,
        actor=actor(),
        today=local_today(ZoneInfo(clinic.timezone), now),
        now=now,
    )
    db.session.commit()
    return created(plan_body(plan, clinic, _today()), url_for("api.plan", plan_id=plan.id))


@bp.get("/plans/<int:plan_id>")
@require_role(*ALL_STAFF)
def plan(plan_id: int) -> Any:
    return jsonify(plan_body(get_plan(plan_id), get_clinic(), _today()))


@bp.get("/patients/<int:patient_id>/plans")
@require_role(*ALL_STAFF)
def patient_plans(patient_id: int) -> Any:
    if db.session.get(Patient, patient_id) is None:
        raise NotFound(f"There is no patient {patient_id}.")
    clinic, today = get_clinic(), _today()
    return jsonify([plan_body(p, clinic, today) for p in list_patient_plans(patient_id)])


@bp.get("/messages")
@require_role(*ALL_STAFF)
def messages() -> Any:
    """A patient's or a visit's messages, newest first: exactly one of the two filters."""
    patient_id = query_id("patient_id", required=False)
    appointment_id = query_id("appointment_id", required=False)
    if (patient_id is None) == (appointment_id is None):
        raise BadRequest("Give patient_id or appointment_id (one of them).")
    for name, model, value in (
        ("patient_id", Patient, patient_id),
        ("appointment_id", Appointment, appointment_id),
    ):
        if value is not None and (
            not is_possible_id(value) or db.session.get(model, value) is None
        ):
            raise RuleBroken(
                f"There is no {name[:-3]} {value}.", {name: f"There is no {name[:-3]} {value}."}
            )
    rows = list_messages(patient_id=patient_id, appointment_id=appointment_id, limit=500)
    return jsonify([message_body(row) for row in rows])
