"""The plans and messages part of the OpenAPI document; openapi.py merges it in."""

from __future__ import annotations

from typing import Any

from clinic.api.openapi_components import error_response, json_content, ref
from clinic.audit.reasons import SHORTEST_REASON
from clinic.db import MAX_ID
from clinic.plans.models import PlanStatus
from clinic.plans.rules import SessionStatus
from clinic.practice.rules import Indication
from clinic.reminders.rules import Channel, MessageKind, MessageStatus

_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
_NULLABLE_ID = {**_ID, "nullable": True}
_DATE = {"type": "string", "format": "date"}
_INSTANT = {"type": "string", "format": "date-time"}
_STAFF_ERRORS = {"401": error_response("Unauthorized"), "403": error_response("Forbidden")}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
    }


PLAN_SCHEMAS: dict[str, Any] = {
    "PlanInput": _object(
        {
            "patient_id": _ID,
            "indications": {
                "type": "array",
                "minItems": 1,
                "maxItems": 20,
                "items": {"type": "string", "enum": [i.value for i in Indication]},
            },
            "start_date": _DATE,
            "sessions_per_year": {"type": "integer", "minimum": 1, "maximum": 5, "nullable": True},
            "override_reason": {
                "type": "string",
                "maxLength": 1000,
                "nullable": True,
                "description": f"At least {SHORTEST_REASON} characters (else a 422); "
                "null or blank: none.",
            },
        },
        required=["patient_id", "indications", "start_date"],
    ),
    "PlannedSession": _object(
        {
            "id": _ID,
            "number": {"type": "integer", "minimum": 1},
            "target_date": _DATE,
            "window_start": _DATE,
            "window_end": _DATE,
            "appointment_id": _NULLABLE_ID,
            "status": {"type": "string", "enum": [s.value for s in SessionStatus]},
        }
    ),
    "Plan": _object(
        {
            "id": _ID,
            "patient_id": _ID,
            "indications": {"type": "array", "items": {"type": "string"}},
            "sessions_per_year": {"type": "integer"},
            "start_date": _DATE,
            "end_date": {**_DATE, "description": "The first day after the plan year."},
            "status": {"type": "string", "enum": [s.value for s in PlanStatus]},
            "override_reason": {"type": "string", "nullable": True},
            "sessions": {"type": "array", "items": ref("PlannedSession")},
            "results_check_in": _object(
                {"window_start": _DATE, "window_end": _DATE, "appointment_id": _NULLABLE_ID}
            ),
        }
    ),
    "Message": _object(
        {
            "id": _ID,
            "kind": {"type": "string", "enum": [k.value for k in MessageKind]},
            "channel": {"type": "string", "enum": [c.value for c in Channel]},
            "send_at": _INSTANT,
            "status": {"type": "string", "enum": [s.value for s in MessageStatus]},
            "sent_at": {**_INSTANT, "nullable": True},
        }
    ),
}

PLAN_PATHS: dict[str, Any] = {
    "/plans": {
        "post": {
            "operationId": "createPlan",
            "summary": "A year's treatment plan for a patient",
            "description": "Two sessions a year by default; three to five only for burn "
            "scars or stretch marks, or with `override_reason` (clinician or admin only, "
            "else 403). One active plan per patient. Targets spread over the plan year "
            "(twelve months from `start_date`), each with its booking window.",
            "requestBody": {"required": True, "content": json_content(ref("PlanInput"))},
            "responses": {
                "201": {
                    "description": "The plan.",
                    "headers": {"Location": {"schema": {"type": "string"}}},
                    "content": json_content(ref("Plan")),
                },
                "400": error_response("BadRequest"),
                **_STAFF_ERRORS,
                "404": error_response("NotFound"),
                "422": error_response("Unprocessable"),
            },
        }
    },
    "/plans/{plan_id}": {
        "get": {
            "operationId": "getPlan",
            "summary": "One plan",
            "parameters": [{"name": "plan_id", "in": "path", "required": True, "schema": _ID}],
            "responses": {
                "200": {"description": "The plan.", "content": json_content(ref("Plan"))},
                **_STAFF_ERRORS,
                "404": error_response("NotFound"),
            },
        }
    },
    "/patients/{patient_id}/plans": {
        "get": {
            "operationId": "listPatientPlans",
            "summary": "A patient's plans, newest first",
            "parameters": [{"name": "patient_id", "in": "path", "required": True, "schema": _ID}],
            "responses": {
                "200": {
                    "description": "Plans.",
                    "content": json_content({"type": "array", "items": ref("Plan")}),
                },
                **_STAFF_ERRORS,
                "404": error_response("NotFound"),
            },
        }
    },
    "/messages": {
        "get": {
            "operationId": "listMessages",
            "summary": "A patient's or a visit's messages, newest first",
            "description": "Give exactly one of `patient_id` and `appointment_id` (else 400); "
            "an id that names no patient or visit is a 422.",
            "parameters": [
                {"name": "patient_id", "in": "query", "required": False, "schema": _ID},
                {"name": "appointment_id", "in": "query", "required": False, "schema": _ID},
            ],
            "responses": {
                "200": {
                    "description": "Messages.",
                    "content": json_content({"type": "array", "items": ref("Message")}),
                },
                "400": error_response("BadRequest"),
                **_STAFF_ERRORS,
                "404": error_response("NotFound"),
                "422": error_response("Unprocessable"),
            },
        }
    },
}
