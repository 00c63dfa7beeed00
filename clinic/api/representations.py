"""How rows look in JSON: one function per resource, and instants in the clinic's zone.

Every answer body of the API is built here, so that a resource has the same shape on
every endpoint that returns it, and the OpenAPI document (openapi.py) has one place to
agree with.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from clinic.accounts.service import IssuedToken
from clinic.patients.models import Patient
from clinic.practice.models import Clinic, Provider, Room, Service
from clinic.practice.service import clinic_zone


def iso_local(at: datetime) -> str:
    """An aware instant as ISO 8601 in the clinic's zone, e.g. 2027-03-14T10:00:00-07:00."""
    if at.tzinfo is None:
        raise ValueError(f"iso_local needs an aware datetime, got {at!r}")
    return at.astimezone(clinic_zone()).isoformat(timespec="seconds")


def token_body(issued: IssuedToken) -> dict[str, Any]:
    return {"token": issued.token, "expires_at": iso_local(issued.expires_at)}


def clinic_body(clinic: Clinic) -> dict[str, Any]:
    return {"name": clinic.name, "timezone": clinic.timezone, "phone": clinic.phone}


def provider_body(provider: Provider) -> dict[str, Any]:
    return {"id": provider.id, "name": provider.name, "credential": provider.credential}


def room_body(room: Room) -> dict[str, Any]:
    return {"id": room.id, "name": room.name}


def service_body(service: Service) -> dict[str, Any]:
    return {
        "id": service.id,
        "name": service.name,
        "kind": service.kind.value,
        "procedure_minutes": service.procedure_minutes,
        "numbing_minutes": service.numbing_minutes,
        "buffer_minutes": service.buffer_minutes,
    }


def patient_body(patient: Patient) -> dict[str, Any]:
    """The fields of POST /patients plus the id; no notes (health data stays in the pages)."""
    return {
        "id": patient.id,
        "first_name": patient.first_name,
        "last_name": patient.last_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "email": patient.email,
        "phone": patient.phone,
        "email_consent": patient.email_consent,
        "sms_consent": patient.sms_consent,
    }
