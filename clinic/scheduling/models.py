"""Visits (appointments), their history, and candidacy screenings.

A visit stores its derived busy intervals (API.md "Visits") as columns, because the
database guards them: on PostgreSQL, exclusion constraints refuse two active visits that
overlap on one provider, one room or one patient, whatever the application checked.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.db import UTCDateTime
from clinic.extensions import Model
from clinic.patients.models import Patient
from clinic.practice.models import Provider, Room, Service
from clinic.scheduling.status import HOLDING_TIME, AppointmentStatus

ACTIVE_STATUS_SQL = "status IN (" + ", ".join(f"'{s.value}'" for s in sorted(HOLDING_TIME)) + ")"


class Appointment(Model):
    __tablename__ = "appointments"
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="order"),
        CheckConstraint("provider_busy_from <= ends_at", name="provider_busy"),
        CheckConstraint("ends_at <= room_busy_until", name="room_busy"),
        Index("ix_appointments_starts_at", "starts_at"),
        Index("ix_appointments_provider_starts_at", "provider_id", "starts_at"),
        Index("ix_appointments_room_starts_at", "room_id", "starts_at"),
        Index("ix_appointments_patient_starts_at", "patient_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"))
    status: Mapped[AppointmentStatus] = mapped_column(
        Enum(
            AppointmentStatus,
            name="appointment_status",
            native_enum=False,
            length=20,
            values_callable=lambda statuses: [s.value for s in statuses],
        ),
        default=AppointmentStatus.BOOKED,
    )
    # Arrival (numbing begins) and the end of the procedure: what the patient sees.
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Derived busy intervals: the provider from here to ends_at (after numbing when the
    # service gives processing time); the room from starts_at to here (cleaning done).
    provider_busy_from: Mapped[datetime] = mapped_column(UTCDateTime())
    room_busy_until: Mapped[datetime] = mapped_column(UTCDateTime())

    clearance_reason: Mapped[str | None] = mapped_column(Text)
    cleared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_by_label: Mapped[str | None] = mapped_column(String(120))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    is_late_cancellation: Mapped[bool] = mapped_column(default=False)

    patient: Mapped[Patient] = relationship()
    service: Mapped[Service] = relationship()
    provider: Mapped[Provider] = relationship()
    room: Mapped[Room] = relationship()
    events: Mapped[list[AppointmentEvent]] = relationship(
        order_by="AppointmentEvent.id", back_populates="appointment"
    )


class AppointmentEvent(Model):
    """One step in a visit's history: booked, rescheduled (from, to), cancelled (why)…"""

    __tablename__ = "appointment_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_label: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(30))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    appointment: Mapped[Appointment] = relationship(back_populates="events")


class Screening(Model):
    """A patient's answers to the contraindication questions, and the verdict."""

    __tablename__ = "screenings"
    __table_args__ = (Index("ix_screenings_patient_taken_at", "patient_id", "taken_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime())
    taken_on: Mapped[date]  # the clinic-local date it was taken
    answers: Mapped[dict[str, bool]] = mapped_column(JSON)
    eligible: Mapped[bool]
    contraindications: Mapped[list[str]] = mapped_column(JSON, default=list)
    valid_until: Mapped[date]
    recorded_by_label: Mapped[str] = mapped_column(String(120))
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"))


class BookingLock(Model):
    """One row per lock name. On SQLite, a booking first updates its row, so that the
    conflict check and the insert run inside one write transaction: SQLite lets one writer
    at a time, so two bookings cannot both pass the check. (PostgreSQL relies on the
    exclusion constraints instead.)"""

    __tablename__ = "booking_locks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(default=0)


def _exclusion(name: str, resource: str, busy_from: str, busy_until: str) -> None:
    """No two visits holding time may overlap on one resource (PostgreSQL only; SQLite
    serialises bookings through BookingLock instead). Ranges are half-open, so a visit may
    start exactly when the previous one ends."""
    table = cast(Table, Appointment.__table__)
    constraint = ExcludeConstraint(
        (table.c[resource], "="),
        (func.tstzrange(table.c[busy_from], table.c[busy_until]), "&&"),
        name=name,
        using="gist",
        where=text(ACTIVE_STATUS_SQL),
    )
    table.append_constraint(constraint.ddl_if(dialect="postgresql"))


_exclusion("ex_appointments_provider", "provider_id", "provider_busy_from", "ends_at")
_exclusion("ex_appointments_room", "room_id", "starts_at", "room_busy_until")
_exclusion("ex_appointments_patient", "patient_id", "starts_at", "ends_at")
