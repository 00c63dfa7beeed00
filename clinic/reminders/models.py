"""The outbox: every message the clinic sends is a row, scheduled, claimed, sent, marked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.db import UTCDateTime
from clinic.extensions import Model
from clinic.patients.models import Patient
from clinic.reminders.rules import Channel, MessageKind, MessageStatus


def _enum(kind: type, name: str, length: int) -> Enum:
    return Enum(
        kind,
        name=name,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
    )


class Message(Model):
    __tablename__ = "messages"
    __table_args__ = (
        # The dispatcher's one query: scheduled rows due now, oldest first.
        Index("ix_messages_status_send_at", "status", "send_at"),
        Index("ix_messages_patient_id", "patient_id"),
        Index("ix_messages_appointment_id", "appointment_id"),
        # Every dispatch pass looks for the rare requests to choose a new time that went
        # (new_times.tell_visits_going_ahead): read by kind, not by scanning all sent mail.
        Index("ix_messages_kind_status", "kind", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # One event never makes two messages: e.g. "reminder:email:appointment:12:r0".
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))
    # The session a "next session due" nudge asks her to book: judged and worded by it
    # alone; emptied when a plan change drops the session (then the nudge is not sent).
    planned_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("planned_sessions.id", ondelete="SET NULL")
    )
    kind: Mapped[MessageKind] = mapped_column(_enum(MessageKind, "message_kind", 30))
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "message_channel", 10))
    recipient: Mapped[str] = mapped_column(String(254))
    send_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[MessageStatus] = mapped_column(
        _enum(MessageStatus, "message_status", 20), default=MessageStatus.SCHEDULED
    )
    # The visit's start when this was planned: sent only while the visit keeps that time.
    visit_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The Message-ID's unique part, fixed at planning: a repeat after a crash carries the
    # same Message-ID (<token@mail-domain>), so mail software can recognise it.
    message_id: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)  # as sent, so staff can see it
    skip_reason: Mapped[str | None] = mapped_column(String(200))
    # A claim by a dispatcher: other workers leave the row alone until the lease ends.
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    patient: Mapped[Patient] = relationship()
