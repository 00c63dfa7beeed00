"""Treatment plans: the year's course, its sessions, and the results check-in outcome."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.db import UTCDateTime
from clinic.extensions import Model
from clinic.patients.models import Patient
from clinic.scheduling.models import Appointment


class PlanStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


OPEN_PLAN_SQL = "status IN ('active', 'paused')"


class Plan(Model):
    __tablename__ = "plans"
    __table_args__ = (
        # One active (or paused) plan per patient, guarded by the database.
        Index(
            "uq_plans_open_per_patient",
            "patient_id",
            unique=True,
            sqlite_where=text(OPEN_PLAN_SQL),
            postgresql_where=text(OPEN_PLAN_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    indications: Mapped[list[str]] = mapped_column(JSON)
    sessions_per_year: Mapped[int]
    start_date: Mapped[date]
    end_date: Mapped[date]  # exclusive: twelve months on, plus any pause
    status: Mapped[PlanStatus] = mapped_column(
        Enum(
            PlanStatus,
            name="plan_status",
            native_enum=False,
            length=20,
            values_callable=lambda statuses: [s.value for s in statuses],
        ),
        default=PlanStatus.ACTIVE,
    )
    override_reason: Mapped[str | None] = mapped_column(Text)
    paused_on: Mapped[date | None]
    pause_reason: Mapped[str | None] = mapped_column(String(300))
    results_appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"))
    renewed_from_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_label: Mapped[str] = mapped_column(String(120))

    patient: Mapped[Patient] = relationship()
    sessions: Mapped[list[PlannedSession]] = relationship(
        order_by="PlannedSession.number", back_populates="plan", cascade="all, delete-orphan"
    )
    results_appointment: Mapped[Appointment | None] = relationship()
    outcome: Mapped[PlanOutcome | None] = relationship(back_populates="plan")


class PlannedSession(Model):
    """One session of a plan: its target day, booking window and (latest) visit. Its
    status is derived (plans.rules.session_status), so it can never go stale."""

    __tablename__ = "planned_sessions"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    number: Mapped[int]
    target_date: Mapped[date]
    window_start: Mapped[date]
    window_end: Mapped[date]
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"), index=True)

    plan: Mapped[Plan] = relationship(back_populates="sessions")
    appointment: Mapped[Appointment | None] = relationship()


class Outcome(StrEnum):
    A_LOT = "a_lot"
    SOME = "some"
    NONE = "none"


class PlanOutcome(Model):
    """What the clinician recorded at the results check-in."""

    __tablename__ = "plan_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), unique=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by_label: Mapped[str] = mapped_column(String(120))
    results: Mapped[dict[str, Any]] = mapped_column(JSON)  # indication -> Outcome
    patient_rating: Mapped[int]  # 1 (unhappy) to 5 (delighted)
    notes: Mapped[str] = mapped_column(Text, default="")
    renew: Mapped[bool]

    plan: Mapped[Plan] = relationship(back_populates="outcome")
