"""The clinic's setup: the clinic and its settings, hours, closures, providers, rooms, services.

One deployment serves one clinic, so `clinics` holds one row. Weekly hours are wall-clock
times in the clinic's zone (weekday 0 is Monday); they become instants only when a day is
planned, so 09:00 stays 09:00 in summer and winter.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.db import UTCDateTime
from clinic.extensions import Model


class ServiceKind(StrEnum):
    MICRONEEDLING = "microneedling"
    RESULTS_CHECK_IN = "results_check_in"


class Clinic(Model):
    """The clinic, and the clinical defaults its medical director may change (DOMAIN.md)."""

    __tablename__ = "clinics"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(300), default="")
    timezone: Mapped[str] = mapped_column(String(64))

    # Plans: sessions a year, spacing, windows.
    sessions_per_year_default: Mapped[int] = mapped_column(default=2)
    sessions_per_year_max: Mapped[int] = mapped_column(default=5)
    min_session_gap_days: Mapped[int] = mapped_column(default=28)
    session_window_days: Mapped[int] = mapped_column(default=14)
    results_window_start_weeks: Mapped[int] = mapped_column(default=6)
    results_window_end_weeks: Mapped[int] = mapped_column(default=8)
    # Screening and age.
    screening_valid_months: Mapped[int] = mapped_column(default=12)
    check_in_screening_days: Mapped[int] = mapped_column(default=7)
    minimum_age: Mapped[int] = mapped_column(default=18)
    sign_off_below_age: Mapped[int] = mapped_column(default=22)
    # Booking.
    slot_grid_minutes: Mapped[int] = mapped_column(default=15)
    lead_time_minutes: Mapped[int] = mapped_column(default=120)
    booking_horizon_months: Mapped[int] = mapped_column(default=12)
    late_cancel_hours: Mapped[int] = mapped_column(default=24)
    # Messages: clinic-local times of day and offsets.
    quiet_hours_start: Mapped[time] = mapped_column(default=time(21, 0))
    quiet_hours_end: Mapped[time] = mapped_column(default=time(8, 0))
    preparation_days_before: Mapped[int] = mapped_column(default=7)
    preparation_at: Mapped[time] = mapped_column(default=time(10, 0))
    reminder_days_before: Mapped[int] = mapped_column(default=2)
    aftercare_at: Mapped[time] = mapped_column(default=time(9, 0))
    nudge_at: Mapped[time] = mapped_column(default=time(10, 0))

    opening_hours: Mapped[list[OpeningHours]] = relationship(
        order_by="(OpeningHours.weekday, OpeningHours.opens_at)", cascade="all, delete-orphan"
    )


class OpeningHours(Model):
    __tablename__ = "opening_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("opens_at < closes_at", name="order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    weekday: Mapped[int]
    opens_at: Mapped[time]
    closes_at: Mapped[time]


class Closure(Model):
    """A whole clinic-local day the clinic is closed (a holiday)."""

    __tablename__ = "closures"

    id: Mapped[int] = mapped_column(primary_key=True)
    on: Mapped[date] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(120))


class Provider(Model):
    """A nurse aesthetician or dermatologist who performs visits."""

    __tablename__ = "providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    credential: Mapped[str] = mapped_column(String(120))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True)

    working_hours: Mapped[list[WorkingHours]] = relationship(
        order_by="(WorkingHours.weekday, WorkingHours.starts_at)",
        cascade="all, delete-orphan",
    )
    breaks: Mapped[list[ProviderBreak]] = relationship(
        order_by="(ProviderBreak.weekday, ProviderBreak.starts_at)",
        cascade="all, delete-orphan",
    )
    time_off: Mapped[list[TimeOff]] = relationship(
        order_by="TimeOff.starts_at", cascade="all, delete-orphan"
    )


class WorkingHours(Model):
    __tablename__ = "working_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("starts_at < ends_at", name="order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    weekday: Mapped[int]
    starts_at: Mapped[time]
    ends_at: Mapped[time]


class ProviderBreak(Model):
    """A weekly break (lunch) inside working hours."""

    __tablename__ = "provider_breaks"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("starts_at < ends_at", name="order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    weekday: Mapped[int]
    starts_at: Mapped[time]
    ends_at: Mapped[time]


class TimeOff(Model):
    """An absence between two instants (holiday, training, sick day)."""

    __tablename__ = "time_off"
    __table_args__ = (CheckConstraint("starts_at < ends_at", name="order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(200), default="")


class Room(Model):
    """A treatment room with its microneedling device; it holds one visit at a time."""

    __tablename__ = "rooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    device: Mapped[str] = mapped_column(String(120))
    is_active: Mapped[bool] = mapped_column(default=True)


class Service(Model):
    """What can be booked. A visit is numbing, then procedure, then cleaning (API.md)."""

    __tablename__ = "services"
    __table_args__ = (
        UniqueConstraint("name"),
        CheckConstraint("procedure_minutes > 0", name="procedure_minutes"),
        CheckConstraint("numbing_minutes >= 0", name="numbing_minutes"),
        CheckConstraint("buffer_minutes >= 0", name="buffer_minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[ServiceKind] = mapped_column(
        Enum(
            ServiceKind,
            name="service_kind",
            native_enum=False,
            length=30,
            values_callable=lambda kinds: [k.value for k in kinds],
        )
    )
    procedure_minutes: Mapped[int]
    numbing_minutes: Mapped[int] = mapped_column(default=0)
    buffer_minutes: Mapped[int] = mapped_column(default=0)
    provider_free_while_numbing: Mapped[bool] = mapped_column(default=False)
    price_cents: Mapped[int] = mapped_column(default=0)
    indications: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True)
