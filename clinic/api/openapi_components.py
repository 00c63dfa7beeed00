"""The reusable parts of the OpenAPI document: schemas of bodies, and error responses.

Each schema mirrors one function of representations.py (answers) or one reader of
views.py (requests); the lengths come from parsing.py, so the document and the checks
cannot disagree.
"""

from __future__ import annotations

from typing import Any

from clinic.api.parsing import MAX_EMAIL_LENGTH, MAX_PASSWORD_LENGTH

JSON = "application/json"


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {JSON: {"schema": schema}}


def error_response(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{name}"}


SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string", "description": "One sentence for a person."},
            "fields": {
                "type": "object",
                "description": "What is wrong with each field, by field name.",
                "additionalProperties": {"type": "string"},
            },
        },
    },
    "TokenRequest": {
        "type": "object",
        "required": ["email", "password"],
        "properties": {
            "email": {"type": "string", "maxLength": MAX_EMAIL_LENGTH},
            "password": {"type": "string", "maxLength": MAX_PASSWORD_LENGTH},
        },
    },
    "Token": {
        "type": "object",
        "required": ["token", "expires_at"],
        "properties": {
            "token": {"type": "string", "description": "Send as Authorization: Bearer <token>."},
            "expires_at": {
                "type": "string",
                "format": "date-time",
                "description": "In the clinic's time zone, with its offset.",
            },
        },
    },
    "Clinic": {
        "type": "object",
        "required": ["name", "timezone", "phone"],
        "properties": {
            "name": {"type": "string"},
            "timezone": {"type": "string", "description": "An IANA zone, e.g. America/Denver."},
            "phone": {"type": "string"},
        },
    },
    "Provider": {
        "type": "object",
        "required": ["id", "name", "credential"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "credential": {"type": "string", "description": "e.g. RN, nurse aesthetician"},
        },
    },
    "Room": {
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    },
    "Service": {
        "type": "object",
        "required": [
            "id",
            "name",
            "kind",
            "procedure_minutes",
            "numbing_minutes",
            "buffer_minutes",
        ],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "kind": {
                "type": "string",
                "enum": ["microneedling", "results_check_in"],
                "description": "results_check_in: the short visit six to eight weeks after "
                "a course.",
            },
            "procedure_minutes": {"type": "integer", "minimum": 1},
            "numbing_minutes": {
                "type": "integer",
                "minimum": 0,
                "description": "From arrival (start) until the procedure begins.",
            },
            "buffer_minutes": {
                "type": "integer",
                "minimum": 0,
                "description": "Cleaning: the room stays busy this long after the visit ends.",
            },
        },
    },
    "PatientInput": {
        "type": "object",
        "required": ["first_name", "last_name", "date_of_birth"],
        "description": "An email or a phone is needed; email_consent needs an email and "
        "sms_consent a phone. Names: at most 80 characters. The date of birth must be in the "
        "past. The phone is read in the clinic's region unless it starts with +. A 422 names "
        "every field that fails.",
        "properties": {
            "first_name": {"type": "string"},
            "last_name": {"type": "string"},
            "date_of_birth": {"type": "string", "format": "date"},
            "email": {"type": "string", "nullable": True, "description": 'null or "": none.'},
            "phone": {"type": "string", "nullable": True, "description": 'null or "": none.'},
            "email_consent": {"type": "boolean", "default": False},
            "sms_consent": {"type": "boolean", "default": False},
        },
        "example": {
            "first_name": "Maya",
            "last_name": "Lindqvist",
            "date_of_birth": "1988-04-23",
            "email": "maya@example.com",
            "phone": "(415) 555-2671",
            "email_consent": True,
            "sms_consent": False,
        },
    },
    "Patient": {
        "type": "object",
        "required": [
            "id",
            "first_name",
            "last_name",
            "date_of_birth",
            "email",
            "phone",
            "email_consent",
            "sms_consent",
        ],
        "properties": {
            "id": {"type": "integer"},
            "first_name": {"type": "string"},
            "last_name": {"type": "string"},
            "date_of_birth": {"type": "string", "format": "date"},
            "email": {"type": "string", "nullable": True},
            "phone": {
                "type": "string",
                "nullable": True,
                "pattern": r"^\+[1-9][0-9]{1,14}$",
                "description": "E.164",
            },
            "email_consent": {"type": "boolean"},
            "sms_consent": {"type": "boolean"},
        },
    },
}

RESPONSES: dict[str, Any] = {
    "BadRequest": {
        "description": "The body is not a JSON object, or a query parameter is missing or "
        "unreadable.",
        "content": json_content(ref("Error")),
    },
    "Unauthorized": {
        "description": "No token, or a wrong, expired or revoked one.",
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
        "content": json_content(ref("Error")),
    },
    "Forbidden": {
        "description": "The role may not do this.",
        "content": json_content(ref("Error")),
    },
    "NotFound": {"description": "No such id.", "content": json_content(ref("Error"))},
    "Unprocessable": {
        "description": "Fields that fail validation; `fields` names each of them.",
        "content": json_content(ref("Error")),
    },
    "TooManyAttempts": {
        "description": "Too many failed sign-ins; try again after Retry-After seconds.",
        "headers": {"Retry-After": {"required": True, "schema": {"type": "integer", "minimum": 1}}},
        "content": json_content(ref("Error")),
    },
}
