"""The booking part of the OpenAPI document: screenings, availability, appointments.

Mirrors booking_views.py (requests) and representations.py (answers); openapi.py merges
these paths and schemas into the one document.
"""

from __future__ import annotations

from typing import Any

from clinic.api.openapi_components import error_response, json_content, ref
from clinic.api.parsing import (
    FIRST_YEAR,
    INSTANT_PATTERN,
    LAST_YEAR,
    LONGEST_SEARCH_DAYS,
    MAX_REASON_LENGTH,
)
from clinic.audit.reasons import SHORTEST_REASON
from clinic.db import MAX_ID
from clinic.scheduling.screening import Contraindication
from clinic.scheduling.status import AppointmentStatus

CODES = [code.value for code in Contraindication]
_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
_NULLABLE_ID = {**_ID, "nullable": True}
_INSTANT_OUT = {
    "type": "string",
    "format": "date-time",
    "description": "ISO 8601 in the clinic's time zone, with its offset.",
}
_NULLABLE_INSTANT_OUT = {**_INSTANT_OUT, "nullable": True}
_INSTANT_IN = {
    "type": "string",
    "pattern": INSTANT_PATTERN,
    "description": "ISO 8601 with any offset (`2027-03-16T10:00:00-07:00`, `...Z`), or "
    "without one for clinic-local time (`2027-03-16T10:00`): a local time skipped by the "
    "spring DST change is a 422 on this field, an ambiguous autumn time means its first "
    f"occurrence. Years {FIRST_YEAR} to {LAST_YEAR}.",
    "example": "2027-03-16T10:00:00-07:00",
}

_STAFF_ERRORS = {"401": error_response("Unauthorized"), "403": error_response("Forbidden")}


def _path_id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": _ID}


def _query(name: str, schema: dict[str, Any], description: str, *, required: bool) -> Any:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
    }


def _ok(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": json_content(schema)}


_DATE_QUERY = {"type": "string", "format": "date", "example": "2027-03-16"}


def _status_change(operation_id: str, summary: str) -> dict[str, Any]:
    return {
        "post": {
            "operationId": operation_id,
            "summary": summary,
            "parameters": [_path_id("appointment_id")],
            "responses": {
                "200": _ok("The appointment, changed.", ref("Appointment")),
                **_STAFF_ERRORS,
                "404": error_response("NotFound"),
                "422": {
                    "description": 'The change is not allowed (API.md, "Status changes"); '
                    "`error` says why, `fields.status` repeats it.",
                    "content": json_content(ref("Error")),
                },
            },
        }
    }


BOOKING_PATHS: dict[str, Any] = {
    "/patients/{patient_id}/screenings": {
        "post": {
            "operationId": "recordScreening",
            "summary": "Record a patient's screening answers and their verdict",
            "description": "Every contraindication code must be answered true (applies) "
            "or false. A missing or non-boolean answer is a 422 whose `fields` name it as "
            "`answers.<code>`; `answers` itself missing or not an object is a 422 on "
            "`answers`. Keys that are not codes are ignored.",
            "parameters": [_path_id("patient_id")],
            "requestBody": {"required": True, "content": json_content(ref("ScreeningInput"))},
            "responses": {
                "201": _ok("The verdict.", ref("Screening")),
                "400": error_response("BadRequest"),
                **_STAFF_ERRORS,
                "404": error_response("NotFound"),
                "422": error_response("Unprocessable"),
            },
        }
    },
    "/availability": {
        "get": {
            "operationId": "findAvailability",
            "summary": "Free slots for a service, earliest first",
            "description": "One slot per start time and provider, with the room it would "
            "use. With `patient_id`, what that patient could not book is left out (her own "
            "visits; for microneedling, days her screening or age would refuse). A "
            "missing or unreadable parameter, `from` after `to`, or `to` more than "
            f"{LONGEST_SEARCH_DAYS} days after `from` is a 400; an id that names no active "
            "service or provider, or no patient, is a 422 naming the parameter.",
            "parameters": [
                _query("service_id", _ID, "The service to book.", required=True),
                _query("from", _DATE_QUERY, "The first clinic-local day.", required=True),
                _query("to", _DATE_QUERY, "The last clinic-local day (inclusive).", required=True),
                _query("provider_id", _ID, "Only this provider.", required=False),
                _query("patient_id", _ID, "Only what this patient could book.", required=False),
            ],
            "responses": {
                "200": _ok("The slots.", ref("Availability")),
                "400": error_response("BadRequest"),
                **_STAFF_ERRORS,
                "422": error_response("Unprocessable"),
            },
        }
    },
    "/appointments": {
        "post": {
            "operationId": "bookAppointment",
            "summary": "Book a visit",
            "description": "Without `provider_id`, the first provider (by id) free at that "
            "time. A broken rule (past or inside the lead time, beyond the booking horizon, "
            "outside hours, closure, screening, age, an unknown id) is a 422 even when the "
            "time is also taken; a taken time is a 409 naming the visits in the way. "
            "`clearance_reason` (clinician or admin only, else 403) clears the sign-off "
            "contraindications and the under-22 sign-off for this visit. With "
            "`planned_session_id` the visit books that session of the patient's active plan, "
            "inside its window; a microneedling visit inside a due session's window becomes "
            "that session anyway. The gap between sessions and the plan year's cap apply "
            "(422).",
            "requestBody": {
                "required": True,
                "content": json_content(ref("AppointmentInput")),
            },
            "responses": {
                "201": {
                    "description": "The appointment.",
                    "headers": {"Location": {"schema": {"type": "string"}}},
                    "content": json_content(ref("Appointment")),
                },
                "400": error_response("BadRequest"),
                **_STAFF_ERRORS,
                "404": {
                    "description": "The clinic has not been set up yet.",
                    "content": json_content(ref("Error")),
                },
                "409": error_response("Conflict"),
                "422": error_response("Unprocessable"),
            },
        },
        "get": {
            "operationId": "listAppointments",
            "summary": "The visits of one clinic-local day, cancelled ones included",
            "parameters": [
                _query("date", _DATE_QUERY, "A clinic-local day.", required=True),
                _query("provider_id", _ID, "Only this provider's visits.", required=False),
            ],
            "responses": {
                "200": _ok(
                    "Visits by start, then provider.",
                    {"type": "array", "items": ref("Appointment")},
                ),
                "400": error_response("BadRequest"),
                **_STAFF_ERRORS,
                "404": {
                    "description": "The clinic has not been set up yet.",
                    "content": json_content(ref("Error")),
                },
                "422": error_response("Unprocessable"),
            },
        },
    },
    "/appointments/{appointment_id}": {
        "get": {
            "operationId": "getAppointment",
            "summary": "One visit",
            "parameters": [_path_id("appointment_id")],
            "responses": {
                "200": _ok("The appointment.", ref("Appointment")),
                **_STAFF_ERRORS,
                "404": error_response("NotFound"),
            },
        },
        "patch": {
            "operationId": "rescheduleAppointment",
            "summary": "Move a booked visit",
            "description": "The same provider when `provider_id` is left out or null; the "
            "same room when it is free. The rules and answers of booking apply; a visit "
            "that is not booked cannot be moved (422).",
            "parameters": [_path_id("appointment_id")],
            "requestBody": {"required": True, "content": json_content(ref("RescheduleInput"))},
            "responses": {
                "200": _ok("The appointment, moved.", ref("Appointment")),
                "400": error_response("BadRequest"),
                **_STAFF_ERRORS,
                "404": error_response("NotFound"),
                "409": error_response("Conflict"),
                "422": error_response("Unprocessable"),
            },
        },
    },
    "/appointments/{appointment_id}/cancel": {
        "post": {
            "operationId": "cancelAppointment",
            "summary": "Cancel a booked visit, with a reason",
            "description": "Under the clinic's late-cancel hours (24 by default) before "
            "the start, `is_late_cancellation` becomes true.",
            "parameters": [_path_id("appointment_id")],
            "requestBody": {"required": True, "content": json_content(ref("CancelInput"))},
            "responses": {
                "200": _ok("The appointment, cancelled.", ref("Appointment")),
                "400": error_response("BadRequest"),
                **_STAFF_ERRORS,
                "404": error_response("NotFound"),
                "422": error_response("Unprocessable"),
            },
        }
    },
    "/appointments/{appointment_id}/check-in": _status_change(
        "checkInAppointment", "Check a booked visit in (on its day)"
    ),
    "/appointments/{appointment_id}/complete": _status_change(
        "completeAppointment", "Complete a booked or checked-in visit (not before its start)"
    ),
    "/appointments/{appointment_id}/no-show": _status_change(
        "markNoShow", "Record that the patient did not come (not before the start)"
    ),
}

BOOKING_SCHEMAS: dict[str, Any] = {
    "ScreeningInput": {
        "type": "object",
        "required": ["answers"],
        "properties": {
            "answers": {
                "type": "object",
                "description": "true when the contraindication applies, for every code.",
                "required": CODES,
                "properties": {code: {"type": "boolean"} for code in CODES},
            }
        },
    },
    "Screening": {
        "type": "object",
        "required": [
            "id",
            "patient_id",
            "eligible",
            "contraindications",
            "taken_on",
            "valid_until",
        ],
        "properties": {
            "id": {"type": "integer"},
            "patient_id": {"type": "integer"},
            "eligible": {"type": "boolean", "description": "False when any answer is yes."},
            "contraindications": {
                "type": "array",
                "items": {"type": "string", "enum": CODES},
                "description": "The codes answered yes.",
            },
            "taken_on": {"type": "string", "format": "date", "description": "Clinic-local."},
            "valid_until": {
                "type": "string",
                "format": "date",
                "description": "The last day this screening allows booking (inclusive).",
            },
        },
    },
    "Slot": {
        "type": "object",
        "required": ["start", "end", "provider_id", "room_id"],
        "properties": {
            "start": _INSTANT_OUT,
            "end": _INSTANT_OUT,
            "provider_id": {"type": "integer"},
            "room_id": {"type": "integer", "description": "The room the visit would use."},
        },
    },
    "Availability": {
        "type": "object",
        "required": ["slots"],
        "properties": {"slots": {"type": "array", "items": ref("Slot")}},
    },
    "AppointmentInput": {
        "type": "object",
        "required": ["patient_id", "service_id", "start"],
        "properties": {
            "patient_id": _ID,
            "service_id": _ID,
            "start": _INSTANT_IN,
            "provider_id": {**_NULLABLE_ID, "description": "Left out: any free provider."},
            "planned_session_id": {
                **_NULLABLE_ID,
                "description": "A session of the patient's active plan, booked in its window.",
            },
            "clearance_reason": {
                "type": "string",
                "nullable": True,
                "maxLength": MAX_REASON_LENGTH,
                "description": "A clinician's written reason to clear this visit (clinician "
                "or admin only; from a front desk token a 403), at least "
                f"{SHORTEST_REASON} characters, else a 422. Null or blank: no clearance.",
            },
        },
    },
    "RescheduleInput": {
        "type": "object",
        "required": ["start"],
        "properties": {
            "start": _INSTANT_IN,
            "provider_id": {**_NULLABLE_ID, "description": "Left out or null: the same."},
        },
    },
    "CancelInput": {
        "type": "object",
        "required": ["reason"],
        "properties": {
            "reason": {
                "type": "string",
                "minLength": 1,
                "maxLength": MAX_REASON_LENGTH,
                "description": "Why; blank is a 422.",
            }
        },
    },
    "Appointment": {
        "type": "object",
        "required": [
            "id",
            "patient_id",
            "service_id",
            "provider_id",
            "room_id",
            "status",
            "start",
            "end",
            "provider_busy_from",
            "room_busy_until",
            "created_at",
            "checked_in_at",
            "completed_at",
            "cancelled_at",
            "cancel_reason",
            "is_late_cancellation",
            "clearance_reason",
            "planned_session_id",
        ],
        "properties": {
            "id": {"type": "integer"},
            "patient_id": {"type": "integer"},
            "service_id": {"type": "integer"},
            "provider_id": {"type": "integer"},
            "room_id": {"type": "integer"},
            "status": {"type": "string", "enum": [s.value for s in AppointmentStatus]},
            "start": {**_INSTANT_OUT, "description": "Arrival: numbing begins."},
            "end": {**_INSTANT_OUT, "description": "The procedure ends; the patient leaves."},
            "provider_busy_from": {
                **_INSTANT_OUT,
                "description": "The provider is busy from here to `end` (after the numbing "
                "when the service gives processing time).",
            },
            "room_busy_until": {
                **_INSTANT_OUT,
                "description": "`end` plus the service's cleaning buffer.",
            },
            "created_at": _INSTANT_OUT,
            "checked_in_at": _NULLABLE_INSTANT_OUT,
            "completed_at": _NULLABLE_INSTANT_OUT,
            "cancelled_at": _NULLABLE_INSTANT_OUT,
            "cancel_reason": {"type": "string", "nullable": True},
            "is_late_cancellation": {
                "type": "boolean",
                "description": "Cancelled under the late-cancel hours before the start.",
            },
            "clearance_reason": {"type": "string", "nullable": True},
            "planned_session_id": {
                "type": "integer",
                "nullable": True,
                "description": "The plan session this visit books, if any.",
            },
        },
    },
    "ConflictError": {
        "type": "object",
        "required": ["error", "conflicts"],
        "properties": {
            "error": {"type": "string"},
            "conflicts": {
                "type": "array",
                "minItems": 0,
                "items": {
                    "type": "object",
                    "required": ["kind", "appointment_id"],
                    "properties": {
                        "kind": {"type": "string", "enum": ["provider", "room", "patient"]},
                        "appointment_id": {"type": "integer"},
                    },
                },
            },
        },
    },
}

BOOKING_RESPONSES: dict[str, Any] = {
    "Conflict": {
        "description": "The time is taken: `conflicts` names each visit in the way and "
        "what it holds (provider, room or patient).",
        "content": json_content(ref("ConflictError")),
    },
}
