"""The booking rows of API.md: screenings, availability, and appointments with their life
cycle (book, move, cancel, check in, complete, no-show).

Each view reads its input (parsing.py: a 400 for an unreadable query, a 422 naming each
field of a wrong type), makes one call to the booking use cases (clinic.operations),
commits, and answers with a body from representations.py. The service decides everything
else: a broken rule is a 422 even when the time is also taken; a taken time a 409 naming
the visits in the way.
"""

from __future__ import annotations

from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask import jsonify, request, url_for

from clinic import operations
from clinic.accounts.access import ALL_STAFF, CLINICAL, acting_user, actor, require_role
from clinic.api.blueprint import bp, created
from clinic.api.parsing import (
    LONGEST_SEARCH_DAYS,
    MAX_REASON_LENGTH,
    BodyReader,
    json_object,
    query_date,
    query_id,
)
from clinic.api.representations import (
    appointment_bodies,
    appointment_body,
    screening_body,
    slot_bodies,
)
from clinic.clock import utcnow
from clinic.db import is_possible_id
from clinic.errors import BadRequest, Forbidden, NotFound, RuleBroken
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.practice.models import Provider, Service
from clinic.practice.service import get_clinic
from clinic.scheduling import screenings
from clinic.scheduling import service as scheduling
from clinic.scheduling.availability import AvailabilityQuery, list_day
from clinic.scheduling.models import Appointment
from clinic.scheduling.screening import Contraindication
from clinic.scheduling.status import AppointmentStatus

CODES = frozenset(code.value for code in Contraindication)

Row = TypeVar("Row", Patient, Provider, Service)
Bookable = TypeVar("Bookable", Provider, Service)


# Screenings --------------------------------------------------------------------------------


@bp.post("/patients/<int:patient_id>/screenings")
@require_role(*ALL_STAFF)
def record_screening(patient_id: int) -> Any:
    """Record a patient's answers. A missing or non-boolean answer is a 422 whose `fields`
    name it as `answers.<code>`; keys that are not codes are ignored."""
    patient = _patient_or_404(patient_id)
    body = json_object()
    answers = body.get("answers")
    if not isinstance(answers, dict):
        problem = "This field is required." if answers is None else "Use an object."
        raise RuleBroken(
            "Answer every screening question with yes or no.",
            {"answers": f"{problem} Give true or false for every contraindication code."},
        )
    screening = screenings.record_screening(
        patient,
        {code: value for code, value in answers.items() if code in CODES},
        clinic=get_clinic(),
        actor=actor(),
        now=utcnow(),
    )
    db.session.commit()
    return jsonify(screening_body(screening)), 201


# Availability ------------------------------------------------------------------------------


@bp.get("/availability")
@require_role(*ALL_STAFF)
def availability() -> Any:
    """Free slots, earliest first. With `patient_id`, only what she could book."""
    service_id = query_id("service_id", required=True)
    from_on, to_on = query_date("from"), query_date("to")
    provider_id, patient_id = query_id("provider_id"), query_id("patient_id")
    if from_on > to_on:
        raise BadRequest("The search ends before it starts.", {"to": "Use a date after from."})
    if (to_on - from_on).days > LONGEST_SEARCH_DAYS:
        raise BadRequest(
            f"Search at most {LONGEST_SEARCH_DAYS} days at once.",
            {"to": f"Use a date at most {LONGEST_SEARCH_DAYS} days after from."},
        )
    problems: dict[str, str] = {}
    assert service_id is not None  # required above
    service = _bookable(Service, service_id)
    if service is None:
        problems["service_id"] = f"There is no bookable service {service_id}."
    if provider_id is not None and _bookable(Provider, provider_id) is None:
        problems["provider_id"] = f"There is no provider {provider_id}."
    patient = None
    if patient_id is not None:
        patient = _existing(Patient, patient_id)
        if patient is None:
            problems["patient_id"] = f"There is no patient {patient_id}."
    if problems or service is None:
        raise RuleBroken("Some of the search's ids are not known.", problems)
    # find_open_times reads only today to the booking horizon, so a search in year 1 or
    # 9999 is answered at once (with no slots) instead of overflowing.
    slots = operations.find_open_times(
        AvailabilityQuery(service, from_on, to_on, provider_id, patient),
        clinic=get_clinic(),
        now=utcnow(),
    )
    return jsonify({"slots": slot_bodies(slots)})


# Appointments ------------------------------------------------------------------------------


@bp.post("/appointments")
@require_role(*ALL_STAFF)
def book_appointment() -> Any:
    clinic = get_clinic()
    reader = BodyReader(json_object())
    patient_id = reader.identifier("patient_id", "patient")
    service_id = reader.identifier("service_id", "service")
    starts_at = reader.instant("start", ZoneInfo(clinic.timezone))
    provider_id = reader.identifier("provider_id", "provider", required=False)
    planned_session_id = reader.identifier("planned_session_id", "planned session", required=False)
    reason = reader.optional_text("clearance_reason", max_length=MAX_REASON_LENGTH).strip()
    if reason:
        _require_clinical("Only a clinician or an admin may clear a visit.")
    reader.raise_problems("Some of the booking's fields are wrong.")
    assert patient_id is not None and service_id is not None and starts_at is not None
    appointment = operations.book_visit(
        operations.VisitRequest(
            patient_id=patient_id,
            service_id=service_id,
            starts_at=starts_at,
            provider_id=provider_id,
            planned_session_id=planned_session_id,
            clearance=scheduling.Clearance(reason, actor()) if reason else None,
        ),
        clinic=clinic,
        actor=actor(),
        now=utcnow(),
    )
    # Both before the commit, which expires the row: reading it after would read it again.
    body = appointment_body(appointment)
    location = url_for("api.appointment", appointment_id=appointment.id)
    db.session.commit()
    return created(body, location)


@bp.get("/appointments")
@require_role(*ALL_STAFF)
def appointments_of_day() -> Any:
    """Every visit starting on a clinic-local day, cancelled ones included, by start."""
    day = query_date("date")
    provider_id = query_id("provider_id")
    if provider_id is not None and _existing(Provider, provider_id) is None:
        raise RuleBroken(
            "That provider is not known.", {"provider_id": f"There is no provider {provider_id}."}
        )
    tz = ZoneInfo(get_clinic().timezone)
    return jsonify(appointment_bodies(list_day(day, tz, provider_id)))


@bp.route("/appointments/<int:appointment_id>", methods=["GET", "PATCH"])
@require_role(*ALL_STAFF)
def appointment(appointment_id: int) -> Any:
    """GET one visit; PATCH moves it. One rule for both methods: with two, an id beyond
    the id converter's range is a 405 for the second method instead of a 404."""
    visit = _appointment_or_404(appointment_id)
    if request.method == "PATCH":
        return _reschedule(visit)
    return jsonify(appointment_body(visit))


def _reschedule(visit: Appointment) -> Any:
    """Move a booked visit to `start`, with `provider_id` or else the same provider."""
    clinic = get_clinic()
    reader = BodyReader(json_object())
    starts_at = reader.instant("start", ZoneInfo(clinic.timezone))
    provider_id = reader.identifier("provider_id", "provider", required=False)
    reader.raise_problems("Some of the move's fields are wrong.")
    assert starts_at is not None
    operations.move_visit(visit, starts_at, provider_id, clinic=clinic, actor=actor(), now=utcnow())
    body = appointment_body(visit)
    db.session.commit()
    return jsonify(body)


@bp.post("/appointments/<int:appointment_id>/cancel")
@require_role(*ALL_STAFF)
def cancel_appointment(appointment_id: int) -> Any:
    visit = _appointment_or_404(appointment_id)
    reader = BodyReader(json_object())
    reason = reader.text("reason", required=True)
    reader.raise_problems("Say why the visit is cancelled.")
    operations.cancel_visit(visit, reason, clinic=get_clinic(), actor=actor(), now=utcnow())
    body = appointment_body(visit)
    db.session.commit()
    return jsonify(body)


@bp.post("/appointments/<int:appointment_id>/check-in")
@require_role(*ALL_STAFF)
def check_in_appointment(appointment_id: int) -> Any:
    return _change_status(appointment_id, AppointmentStatus.CHECKED_IN)


@bp.post("/appointments/<int:appointment_id>/complete")
@require_role(*ALL_STAFF)
def complete_appointment(appointment_id: int) -> Any:
    return _change_status(appointment_id, AppointmentStatus.COMPLETED)


@bp.post("/appointments/<int:appointment_id>/no-show")
@require_role(*ALL_STAFF)
def no_show_appointment(appointment_id: int) -> Any:
    return _change_status(appointment_id, AppointmentStatus.NO_SHOW)


# -- the steps -------------------------------------------------------------------------


def _change_status(appointment_id: int, target: AppointmentStatus) -> Any:
    """A change the status rules refuse is a 422 with their sentence (field `status`)."""
    visit = _appointment_or_404(appointment_id)
    operations.change_visit_status(visit, target, clinic=get_clinic(), actor=actor(), now=utcnow())
    body = appointment_body(visit)
    db.session.commit()
    return jsonify(body)


def _require_clinical(message: str) -> None:
    user = acting_user()
    if user is None or user.role not in CLINICAL:
        raise Forbidden(message)


def _patient_or_404(patient_id: int) -> Patient:
    patient = _existing(Patient, patient_id)
    if patient is None:
        raise NotFound(f"There is no patient {patient_id}.")
    return patient


def _appointment_or_404(appointment_id: int) -> Appointment:
    if not is_possible_id(appointment_id):
        raise NotFound(f"There is no appointment {appointment_id}.")
    return scheduling.get_appointment(appointment_id)


def _existing(model: type[Row], row_id: int) -> Row | None:
    """The row with this id, or None; an id no row can have never reaches the database."""
    if not is_possible_id(row_id):
        return None
    return db.session.get(model, row_id)


def _bookable(model: type[Bookable], row_id: int) -> Bookable | None:
    """An active provider or service with this id, or None."""
    row = _existing(model, row_id)
    return row if row is not None and row.is_active else None
