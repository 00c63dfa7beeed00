"""How rows look in JSON: one function per resource, and instants in the clinic's zone.

Every answer body of the API is built here, so that a resource has the same shape on
every endpoint that returns it, and the OpenAPI document (openapi.py) has one place to
agree with.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from clinic.accounts.service import IssuedToken
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.plans.models import Plan, PlannedSession
from clinic.plans.service import results_check_in_window, status_of
from clinic.practice.models import Clinic, Provider, Room, Service
from clinic.practice.service import clinic_zone
from clinic.reminders.models import Message
from clinic.scheduling.models import Appointment, Screening
from clinic.scheduling.schedule import Slot


def iso_local(at: datetime, zone: ZoneInfo | None = None) -> str:
    """An aware instant as ISO 8601 in the clinic's zone, e.g. 2027-03-14T10:00:00-07:00
    (`zone` saves looking the zone up, for a caller formatting hundreds)."""
    if at.tzinfo is None:
        raise ValueError(f"iso_local needs an aware datetime, got {at!r}")
    return at.astimezone(zone or clinic_zone()).isoformat(timespec="seconds")


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


def screening_body(screening: Screening) -> dict[str, Any]:
    """The verdict, not the answers: `contraindications` lists each code answered "yes"."""
    return {
        "id": screening.id,
        "patient_id": screening.patient_id,
        "eligible": screening.eligible,
        "contraindications": list(screening.contraindications),
        "taken_on": screening.taken_on.isoformat(),
        "valid_until": screening.valid_until.isoformat(),
    }


def slot_bodies(slots: list[Slot]) -> list[dict[str, Any]]:
    """Slots as JSON. A search answers hundreds of slots that share their starts and ends
    (one per free provider), so each instant is formatted once."""
    zone = clinic_zone()
    formatted: dict[datetime, str] = {}

    def iso(at: datetime) -> str:
        text = formatted.get(at)
        if text is None:
            text = formatted[at] = iso_local(at, zone)
        return text

    return [
        {
            "start": iso(slot.start_utc),
            "end": iso(slot.end_utc),
            "provider_id": slot.provider_id,
            "room_id": slot.room_id,
        }
        for slot in slots
    ]


def _iso_or_none(at: datetime | None) -> str | None:
    return iso_local(at) if at is not None else None


def appointment_body(appointment: Appointment) -> dict[str, Any]:
    """A visit (API.md "Visits"): `start` arrival, `end` the procedure's end; the provider
    is busy from `provider_busy_from` to `end`, the room until `room_busy_until`."""
    return appointment_bodies([appointment])[0]


def appointment_bodies(appointments: list[Appointment]) -> list[dict[str, Any]]:
    """The bodies of several visits, with one read of the planned sessions they hold (a
    day's list would otherwise make one read per visit)."""
    if not appointments:
        return []
    held = db.session.execute(
        select(PlannedSession.appointment_id, PlannedSession.id).where(
            PlannedSession.appointment_id.in_([appointment.id for appointment in appointments])
        )
    )
    sessions = {appointment_id: session_id for appointment_id, session_id in held}
    return [_visit_body(appointment, sessions.get(appointment.id)) for appointment in appointments]


def _visit_body(appointment: Appointment, planned_session_id: int | None) -> dict[str, Any]:
    return {
        "id": appointment.id,
        "patient_id": appointment.patient_id,
        "service_id": appointment.service_id,
        "provider_id": appointment.provider_id,
        "room_id": appointment.room_id,
        "status": appointment.status.value,
        "start": iso_local(appointment.starts_at),
        "end": iso_local(appointment.ends_at),
        "provider_busy_from": iso_local(appointment.provider_busy_from),
        "room_busy_until": iso_local(appointment.room_busy_until),
        "created_at": iso_local(appointment.created_at),
        "checked_in_at": _iso_or_none(appointment.checked_in_at),
        "completed_at": _iso_or_none(appointment.completed_at),
        "cancelled_at": _iso_or_none(appointment.cancelled_at),
        "cancel_reason": appointment.cancel_reason,
        "is_late_cancellation": appointment.is_late_cancellation,
        "clearance_reason": appointment.clearance_reason,
        "planned_session_id": planned_session_id,
    }


def plan_body(plan: Plan, clinic: Clinic, today: date) -> dict[str, Any]:
    """A plan (API.md "Plans"); session statuses as of the clinic's today."""
    window = results_check_in_window(plan, clinic)
    return {
        "id": plan.id,
        "patient_id": plan.patient_id,
        "indications": list(plan.indications),
        "sessions_per_year": plan.sessions_per_year,
        "start_date": plan.start_date.isoformat(),
        "end_date": plan.end_date.isoformat(),
        "status": plan.status.value,
        "override_reason": plan.override_reason,
        "sessions": [
            {
                "id": session.id,
                "number": session.number,
                "target_date": session.target_date.isoformat(),
                "window_start": session.window_start.isoformat(),
                "window_end": session.window_end.isoformat(),
                "appointment_id": _holding(session.appointment),
                "status": status_of(session, today).value,
            }
            for session in plan.sessions
        ],
        "results_check_in": {
            "window_start": window.start.isoformat(),
            "window_end": window.end.isoformat(),
            "appointment_id": _holding(plan.results_appointment),
        },
    }


def message_body(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "kind": message.kind.value,
        "channel": message.channel.value,
        "send_at": iso_local(message.send_at),
        "status": message.status.value,
        "sent_at": _iso_or_none(message.sent_at),
    }


def _holding(appointment: Appointment | None) -> int | None:
    """A plan's link to a visit, while that visit still holds its time (a cancelled or
    missed visit frees the session, which is then due again)."""
    return appointment.id if appointment is not None and appointment.status.holds_time else None
