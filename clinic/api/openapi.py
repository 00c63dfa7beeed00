"""The OpenAPI 3.0 document of the API, written by hand.

Written out rather than generated, so that it states the contract of API.md in the
contract's own words; tests/web/test_api_schema.py runs schemathesis against it, so it
cannot drift from what the views answer. Each endpoint added to views.py is described here;
those of booking_views.py in openapi_booking.py.

Input schemas state only what the API layer itself refuses (types, required fields, the
date's shape, lengths); the services' checks (a real phone number, a date of birth in the
past) are described in words and answered with 422.
"""

from __future__ import annotations

import copy
from typing import Any

from clinic.api.openapi_booking import BOOKING_PATHS, BOOKING_RESPONSES, BOOKING_SCHEMAS
from clinic.api.openapi_components import (
    RESPONSES,
    SCHEMAS,
    error_response,
    json_content,
    ref,
)
from clinic.api.openapi_plans import PLAN_PATHS, PLAN_SCHEMAS
from clinic.api.parsing import PATIENT_QUERY_MIN_LENGTH, QUERY_MAX_LENGTH
from clinic.db import MAX_ID


def _ok(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": json_content(schema)}


_STAFF_ERRORS = {"401": error_response("Unauthorized"), "403": error_response("Forbidden")}

_PATHS: dict[str, Any] = {
    "/tokens": {
        "post": {
            "operationId": "issueToken",
            "summary": "A bearer token for a staff account",
            "security": [],
            "requestBody": {"required": True, "content": json_content(ref("TokenRequest"))},
            "responses": {
                "201": _ok("The token and when it expires.", ref("Token")),
                "400": error_response("BadRequest"),
                "401": {
                    "description": "The email or password is wrong.",
                    "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
                    "content": json_content(ref("Error")),
                },
                "422": error_response("Unprocessable"),
                "429": error_response("TooManyAttempts"),
            },
        }
    },
    "/tokens/current": {
        "delete": {
            "operationId": "revokeCurrentToken",
            "summary": "Revoke the token that authenticates this request",
            "responses": {"204": {"description": "Revoked."}, **_STAFF_ERRORS},
        }
    },
    "/openapi.json": {
        "get": {
            "operationId": "openapiDocument",
            "summary": "This document",
            "security": [],
            "responses": {"200": _ok("The OpenAPI 3.0 document.", {"type": "object"})},
        }
    },
    "/clinic": {
        "get": {
            "operationId": "getClinic",
            "summary": "The clinic of this deployment",
            "responses": {
                "200": _ok("The clinic.", ref("Clinic")),
                **_STAFF_ERRORS,
                "404": {
                    "description": "The clinic has not been set up yet.",
                    "content": json_content(ref("Error")),
                },
            },
        }
    },
    "/providers": {
        "get": {
            "operationId": "listProviders",
            "summary": "The active providers, by name",
            "responses": {
                "200": _ok("Providers.", {"type": "array", "items": ref("Provider")}),
                **_STAFF_ERRORS,
            },
        }
    },
    "/rooms": {
        "get": {
            "operationId": "listRooms",
            "summary": "The active treatment rooms, by name",
            "responses": {
                "200": _ok("Rooms.", {"type": "array", "items": ref("Room")}),
                **_STAFF_ERRORS,
            },
        }
    },
    "/services": {
        "get": {
            "operationId": "listServices",
            "summary": "The services that can be booked",
            "responses": {
                "200": _ok("Active services.", {"type": "array", "items": ref("Service")}),
                **_STAFF_ERRORS,
            },
        }
    },
    "/patients": {
        "post": {
            "operationId": "createPatient",
            "summary": "Register a patient",
            "requestBody": {"required": True, "content": json_content(ref("PatientInput"))},
            "responses": {
                "201": {
                    "description": "The patient, with the phone in E.164.",
                    "headers": {"Location": {"schema": {"type": "string"}}},
                    "content": json_content(ref("Patient")),
                },
                "400": error_response("BadRequest"),
                **_STAFF_ERRORS,
                "422": error_response("Unprocessable"),
            },
        },
        "get": {
            "operationId": "searchPatients",
            "summary": "Patients matching a name, email, phone digits or date of birth, best first",
            "parameters": [
                {
                    "name": "q",
                    "in": "query",
                    "required": True,
                    "description": "At least 2 characters (after trimming); at most 200. A "
                    "date (1990-05-01, or with slashes in the clinic's order: 05/01/1990 in "
                    "the US) finds those born that day.",
                    "schema": {
                        "type": "string",
                        "minLength": PATIENT_QUERY_MIN_LENGTH,
                        "maxLength": QUERY_MAX_LENGTH,
                    },
                    "example": "lindq",
                }
            ],
            "responses": {
                "200": _ok(
                    "Up to 50 patients; exact and prefix matches first.",
                    {"type": "array", "maxItems": 50, "items": ref("Patient")},
                ),
                "400": error_response("BadRequest"),
                **_STAFF_ERRORS,
            },
        },
    },
    "/patients/{patient_id}": {
        "get": {
            "operationId": "getPatient",
            "summary": "One patient",
            "parameters": [
                {
                    "name": "patient_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                }
            ],
            "responses": {
                "200": _ok("The patient.", ref("Patient")),
                **_STAFF_ERRORS,
                "404": error_response("NotFound"),
            },
        }
    },
}

_DESCRIPTION = """\
The JSON API of one clinic. Conventions:

- Instants are ISO 8601 with the clinic's offset on output; dates are YYYY-MM-DD.
- Errors are `{"error": sentence, "fields": {field: problem}}`: 400 for a body that is not
  a JSON object or a missing or unreadable query parameter, 401 for a missing, wrong,
  expired or revoked token, 403 when the role may not, 404 for an unknown id or address,
  405 for a method an address does not take, 409 when the time is taken (`conflicts`
  names each visit in the way), 422 for fields that fail validation or a request that
  breaks a clinic rule (even when the time is also taken), 429 (with Retry-After) for
  too many failed sign-ins.
- Every endpoint except this document and POST /tokens needs
  `Authorization: Bearer <token>`; tokens last 12 hours unless the deployment says
  otherwise (`expires_at` tells).
"""


def openapi_document() -> dict[str, Any]:
    """A fresh copy of the document (callers may not change the shared one by accident)."""
    return copy.deepcopy(
        {
            "openapi": "3.0.3",
            "info": {"title": "clinic", "version": "1", "description": _DESCRIPTION},
            "servers": [{"url": "/api/v1"}],
            "security": [{"bearerAuth": []}],
            "paths": {**_PATHS, **BOOKING_PATHS, **PLAN_PATHS},
            "components": {
                "securitySchemes": {
                    "bearerAuth": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "A token from POST /tokens.",
                    }
                },
                "schemas": {**SCHEMAS, **BOOKING_SCHEMAS, **PLAN_SCHEMAS},
                "responses": {**RESPONSES, **BOOKING_RESPONSES},
            },
        }
    )
