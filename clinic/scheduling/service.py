"""Booking verbs: book, move, cancel, check in, complete, no-show (screenings: screenings.py).

Each verb loads what it needs, asks the pure rules (slots, screening, status), changes rows,
records the visit's history and the audit entry, and flushes; the caller commits. Refusals
are ClinicErrors: a broken rule is a 422 (even when the time is also taken), a taken time a
409 naming the visits in the way.

Two bookings racing for one time cannot both win: booking_guard.py holds the check and the
guard (SQLite's write lock, PostgreSQL's exclusion constraints turned into the same 409).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from clinic.audit.reasons import reason_problem
from clinic.audit.service import SYSTEM, Actor, record
from clinic.errors import NotFound, RuleBroken
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.practice.models import Clinic, Provider, Service, ServiceKind
from clinic.scheduling.booking_guard import Calendar, flush_guarded, refuse, serialise_bookings
from clinic.scheduling.models import Appointment, AppointmentEvent
from clinic.scheduling.screening import judge_microneedling
from clinic.scheduling.screenings import (
    check_in_screening_problem,
    latest_screening,
    screening_facts,
    screening_policy,
)
from clinic.scheduling.slots import BookingCheck, ConflictKind
from clinic.scheduling.status import AppointmentStatus, is_late_cancellation, transition_refusal


@dataclass(frozen=True)
class Clearance:
    """A clinician's sign-off for one visit, with the written reason (API.md)."""

    reason: str
    by: Actor


@dataclass(frozen=True)
class BookingRequest:
    patient_id: int
    service_id: int
    starts_at: datetime
    provider_id: int | None = None
    clearance: Clearance | None = None


def has_been_treated(patient_id: int) -> bool:
    """Whether she has had a microneedling session here (a completed visit)."""
    done = (
        select(Appointment.id)
        .join(Service, Service.id == Appointment.service_id)
        .where(
            Appointment.patient_id == patient_id,
            Appointment.status == AppointmentStatus.COMPLETED,
            Service.kind == ServiceKind.MICRONEEDLING,
        )
        .limit(1)
    )
    return db.session.scalar(done) is not None


def get_appointment(appointment_id: int) -> Appointment:
    appointment = db.session.get(Appointment, appointment_id)
    if appointment is None:
        raise NotFound(f"There is no appointment {appointment_id}.")
    return appointment


def book_appointment(
    request: BookingRequest, *, clinic: Clinic, actor: Actor, now: datetime
) -> Appointment:
    patient, service, provider = _load_parties(request)
    serialise_bookings()
    tz = ZoneInfo(clinic.timezone)
    check = Calendar.around(request.starts_at, clinic=clinic, now=now).choose_provider(
        service, request.starts_at, provider, patient_id=request.patient_id
    )
    # A sign-off's thin reason is told with the rest, after them: "write more" would
    # otherwise hide a contraindication that no sign-off clears.
    unkept = reason_problem(request.clearance.reason) if request.clearance is not None else None
    refuse(
        check,
        _patient_problems(patient, service, request.starts_at, request.clearance, clinic, tz),
        {"clearance_reason": unkept} if unkept else None,
    )
    assert check.room_id is not None  # a bookable check always has a room
    appointment = Appointment(
        patient_id=patient.id,
        service_id=service.id,
        provider_id=check.provider_id,
        room_id=check.room_id,
        status=AppointmentStatus.BOOKED,
        created_at=now,
        created_by_id=actor.user_id,
    )
    _set_times(appointment, check)
    if request.clearance is not None:
        appointment.clearance_reason = request.clearance.reason
        appointment.cleared_by_id = request.clearance.by.user_id
    flush_guarded(
        lambda: db.session.add(appointment),
        lambda: Calendar.around(request.starts_at, clinic=clinic, now=now).choose_provider(
            service, request.starts_at, provider, patient_id=request.patient_id
        ),
    )
    _event(
        appointment,
        "booked",
        actor,
        now,
        start=check.times.starts_at.isoformat(),
        provider_id=check.provider_id,
        room_id=check.room_id,
    )
    record(
        actor,
        "book",
        "appointment",
        appointment.id,
        f"Booked visit #{appointment.id} for patient #{patient.id}",
        now=now,
        changes={
            "start": check.times.starts_at.isoformat(),
            "provider_id": check.provider_id,
            "room_id": check.room_id,
        },
    )
    if request.clearance is not None:
        _record_clearance(appointment, request.clearance.by, now)
    return appointment


def _record_clearance(appointment: Appointment, by: Actor, now: datetime) -> None:
    record(
        by,
        "clear",
        "appointment",
        appointment.id,
        f"Cleared visit #{appointment.id} with a clinician's sign-off",
        now=now,
    )


def sign_off_problem(appointment: Appointment, clinic: Clinic) -> str | None:
    """Why a clinician's sign-off cannot be given to this visit now, or None when it would
    let the visit go ahead: a booked microneedling visit that her latest screening or her
    age on the day refuses without a sign-off and allows with one."""
    if appointment.service.kind is not ServiceKind.MICRONEEDLING:
        return "Only a microneedling visit is signed off."
    if appointment.status is not AppointmentStatus.BOOKED:
        return "Only a booked visit is signed off."
    if appointment.clearance_reason:
        return "The visit is signed off already."
    visit_on = appointment.starts_at.astimezone(ZoneInfo(clinic.timezone)).date()
    screening, policy = (
        screening_facts(latest_screening(appointment.patient_id)),
        screening_policy(clinic),
    )
    without, with_sign_off = (
        judge_microneedling(
            screening=screening,
            born_on=appointment.patient.date_of_birth,
            visit_on=visit_on,
            is_cleared=cleared,
            policy=policy,
        )
        for cleared in (False, True)
    )
    if without.allowed:
        return "The visit needs no sign-off."
    if not with_sign_off.allowed:
        return "A sign-off cannot clear this: " + " ".join(with_sign_off.reasons)
    return None


def sign_off_visit(
    appointment: Appointment, reason: str, *, clinic: Clinic, actor: Actor, now: datetime
) -> None:
    """A clinician's sign-off given to a booked visit (an answer found on arrival, say),
    with the written reason; in the visit's history and the audit log."""
    if (problem := sign_off_problem(appointment, clinic)) is not None:
        raise RuleBroken(problem, {"clearance_reason": problem})
    reason = reason.strip()
    if (unkept := reason_problem(reason)) is not None:
        raise RuleBroken(unkept, {"clearance_reason": unkept})
    appointment.clearance_reason = reason
    appointment.cleared_by_id = actor.user_id
    _event(appointment, "cleared", actor, now, reason=reason)
    _record_clearance(appointment, actor, now)


def reschedule_appointment(
    appointment: Appointment,
    starts_at: datetime,
    provider_id: int | None,
    *,
    clinic: Clinic,
    actor: Actor,
    now: datetime,
) -> bool:
    """Move a booked visit by every rule of a booking; its history keeps where it was.
    False when the visit already has that time, provider and room: the rules still apply
    (a time since passed is refused), but nothing moved, so nothing is recorded."""
    if appointment.status is not AppointmentStatus.BOOKED:
        raise RuleBroken(
            f"Only a booked visit can be moved; this one is "
            f"{appointment.status.value.replace('_', ' ')}.",
            {"start": "This visit can no longer be moved."},
        )
    provider = _find_provider(provider_id or appointment.provider_id)
    serialise_bookings()
    tz = ZoneInfo(clinic.timezone)
    clearance = (
        Clearance(appointment.clearance_reason, actor) if appointment.clearance_reason else None
    )
    calendar = Calendar.around(starts_at, clinic=clinic, now=now)
    keep = partial(
        calendar.check,
        appointment.service,
        starts_at,
        provider.id,
        patient_id=appointment.patient_id,
        ignore=appointment.id,
    )
    check = keep(room_id=appointment.room_id)  # the same room when it is free
    if any(c.kind is ConflictKind.ROOM for c in check.conflicts):
        other_room = keep()
        if other_room.room_id is not None:
            check = other_room
    refuse(
        check,
        _patient_problems(
            appointment.patient, appointment.service, starts_at, clearance, clinic, tz
        ),
    )
    before = {
        "start": appointment.starts_at.isoformat(),
        "provider_id": appointment.provider_id,
        "room_id": appointment.room_id,
    }
    after = {
        "start": check.times.starts_at.isoformat(),
        "provider_id": check.provider_id,
        "room_id": check.room_id,
    }
    if after == before:
        return False  # judged by every rule, and it stays where it is: nothing to record
    service, patient_id, appointment_id = (
        appointment.service,
        appointment.patient_id,
        appointment.id,
    )

    def move() -> None:
        appointment.provider_id = check.provider_id
        appointment.room_id = check.room_id  # type: ignore[assignment]
        _set_times(appointment, check)

    flush_guarded(
        move,
        lambda: Calendar.around(starts_at, clinic=clinic, now=now).check(
            service,
            starts_at,
            provider.id,
            patient_id=patient_id,
            room_id=check.room_id,
            ignore=appointment_id,
        ),
    )
    _event(appointment, "rescheduled", actor, now, **{"from": before, "to": after})
    record(
        actor,
        "reschedule",
        "appointment",
        appointment.id,
        f"Moved visit #{appointment.id}",
        now=now,
        changes={key: [before[key], after[key]] for key in before if before[key] != after[key]},
    )
    return True


def cancel_appointment(
    appointment: Appointment, reason: str, *, clinic: Clinic, actor: Actor, now: datetime
) -> Appointment:
    reason = reason.strip()
    if not reason:
        raise RuleBroken("Say why the visit is cancelled.", {"reason": "Enter a reason."})
    if len(reason) > 500:
        raise RuleBroken("The reason is too long.", {"reason": "Use at most 500 characters."})
    _refuse_transition(appointment, AppointmentStatus.CANCELLED, clinic, now)
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancelled_at = now
    appointment.cancelled_by_label = actor.label
    appointment.cancel_reason = reason
    appointment.is_late_cancellation = is_late_cancellation(
        appointment.starts_at, now, clinic.late_cancel_hours
    )
    _event(
        appointment, "cancelled", actor, now, reason=reason, late=appointment.is_late_cancellation
    )
    record(
        actor,
        "cancel",
        "appointment",
        appointment.id,
        f"Cancelled visit #{appointment.id}{' (late)' if appointment.is_late_cancellation else ''}",
        now=now,
        changes={"late": appointment.is_late_cancellation},
    )
    return appointment


def change_status(
    appointment: Appointment,
    target: AppointmentStatus,
    *,
    clinic: Clinic,
    actor: Actor,
    now: datetime,
) -> Appointment:
    """Check in, complete or mark a no-show (cancel has its own verb: it needs a reason)."""
    if target is AppointmentStatus.CANCELLED:
        raise RuleBroken("Cancel a visit with a reason.", {"reason": "Enter a reason."})
    _refuse_transition(appointment, target, clinic, now)
    appointment.status = target
    if target is AppointmentStatus.CHECKED_IN:
        appointment.checked_in_at = now
    elif target is AppointmentStatus.COMPLETED:
        appointment.completed_at = now
    _event(appointment, target.value, actor, now)
    record(
        actor,
        target.value,
        "appointment",
        appointment.id,
        f"Visit #{appointment.id}: {target.value.replace('_', ' ')}",
        now=now,
    )
    return appointment


# -- the steps -------------------------------------------------------------------------


def _load_parties(request: BookingRequest) -> tuple[Patient, Service, Provider | None]:
    """The patient, service and provider of a request; unknown ids are field errors."""
    problems: dict[str, str] = {}
    patient = db.session.get(Patient, request.patient_id)
    if patient is None:
        problems["patient_id"] = f"There is no patient {request.patient_id}."
    service = db.session.get(Service, request.service_id)
    if service is None or not service.is_active:
        problems["service_id"] = f"There is no bookable service {request.service_id}."
    provider = None
    if request.provider_id is not None:
        provider = db.session.get(Provider, request.provider_id)
        if provider is None or not provider.is_active:
            problems["provider_id"] = f"There is no provider {request.provider_id}."
    if problems or patient is None or service is None:
        raise RuleBroken("Some of the booking's details are not known.", problems)
    return patient, service, provider


def _find_provider(provider_id: int) -> Provider:
    provider = db.session.get(Provider, provider_id)
    if provider is None or not provider.is_active:
        raise RuleBroken(
            "That provider is not known.", {"provider_id": f"There is no provider {provider_id}."}
        )
    return provider


def _patient_problems(
    patient: Patient,
    service: Service,
    starts_at: datetime,
    clearance: Clearance | None,
    clinic: Clinic,
    tz: ZoneInfo,
) -> list[str]:
    """Why this patient may not have this visit that day (screening, age), if anything."""
    if service.kind is not ServiceKind.MICRONEEDLING:
        return []
    verdict = judge_microneedling(
        screening=screening_facts(latest_screening(patient.id)),
        born_on=patient.date_of_birth,
        visit_on=starts_at.astimezone(tz).date(),
        is_cleared=clearance is not None,
        policy=screening_policy(clinic),
    )
    return list(verdict.reasons)


def _set_times(appointment: Appointment, check: BookingCheck) -> None:
    times = check.times
    appointment.starts_at = times.starts_at
    appointment.ends_at = times.ends_at
    appointment.provider_busy_from = times.provider_busy.starts_at
    appointment.room_busy_until = times.room_busy.ends_at


def _refuse_transition(
    appointment: Appointment, target: AppointmentStatus, clinic: Clinic, now: datetime
) -> None:
    is_microneedling = appointment.service.kind is ServiceKind.MICRONEEDLING
    refusal = transition_refusal(
        appointment.status,
        target,
        starts_at=appointment.starts_at,
        now=now,
        tz=ZoneInfo(clinic.timezone),
    )
    if refusal is None and target is AppointmentStatus.CHECKED_IN and is_microneedling:
        refusal = check_in_screening_problem(appointment, clinic)
    if refusal is not None:
        raise RuleBroken(refusal, {"status": refusal})


def note_new_time_asked(
    appointment: Appointment, reason: str, *, actor: Actor, now: datetime
) -> None:
    """The visit's history and the audit log keep that her visit needed a new time and that
    she was asked to choose one (the message itself is in the outbox)."""
    _event(appointment, "new_time_asked", actor, now, reason=reason)
    record(
        actor,
        "ask_new_time",
        "appointment",
        appointment.id,
        f"Asked the patient of visit #{appointment.id} to choose a new time",
        now=now,
    )


def note_visit_goes_ahead(appointment: Appointment, *, now: datetime) -> None:
    """The visit's history keeps that, asked for a new time, she was told it goes ahead."""
    _event(appointment, "goes_ahead", SYSTEM, now)


def _event(
    appointment: Appointment, kind: str, actor: Actor, now: datetime, **details: object
) -> None:
    """A line of the visit's history, inserted at once as a plain row (as the audit log's
    entries are): a history already loaded in this transaction does not show it."""
    db.session.execute(
        insert(AppointmentEvent).values(
            appointment_id=appointment.id,
            at=now,
            actor_label=actor.label,
            kind=kind,
            details=details,
        )
    )
