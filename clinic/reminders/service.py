"""Putting messages in the outbox when something happens to a visit or a plan.

Each function adds rows in the caller's transaction (a message is planned together with the
change that causes it, or not at all) and never sends: the dispatcher does, after commit.
A row's `dedupe_key` makes every call idempotent: the same event never makes two messages.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import selectinload

from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.practice.models import Clinic, ServiceKind
from clinic.reminders.judging import why_not
from clinic.reminders.models import Message
from clinic.reminders.rules import (
    VISIT_REMINDERS,
    Channel,
    MessageKind,
    MessagePolicy,
    MessageStatus,
    Planned,
    aftercare_messages,
    nudge_at,
    out_of_quiet_hours,
    visit_messages,
)
from clinic.scheduling.models import Appointment, AppointmentEvent


def message_policy(clinic: Clinic) -> MessagePolicy:
    return MessagePolicy(
        quiet_start=clinic.quiet_hours_start,
        quiet_end=clinic.quiet_hours_end,
        preparation_days_before=clinic.preparation_days_before,
        preparation_at=clinic.preparation_at,
        reminder_days_before=clinic.reminder_days_before,
        aftercare_at=clinic.aftercare_at,
        nudge_at=clinic.nudge_at,
    )


def _channels(patient: Patient) -> list[tuple[Channel, str]]:
    """Every channel the patient has an address for; consent is judged at send time."""
    found = []
    if patient.email:
        found.append((Channel.EMAIL, patient.email))
    if patient.phone:
        found.append((Channel.SMS, patient.phone))
    return found


def _plan(
    patient: Patient,
    planned: list[Planned],
    key: str,
    *,
    now: datetime,
    appointment: Appointment | None = None,
    plan_id: int | None = None,
    planned_session_id: int | None = None,
    first_of_its_key: bool = False,
) -> int:
    """Insert a message per planned kind and channel, except those already made for the
    same event (one read for all of them); returns how many went in. `first_of_its_key`
    skips that read where no message can have the key yet: a visit inserted in this very
    transaction (the unique key still guards it). The rows go in as one bulk insert, not
    as ORM objects: a booking plans about six, and nothing reads them back before commit."""
    wanted = {
        f"{item.kind.value}:{channel.value}:{key}": (item, channel, recipient)
        for item in planned
        for channel, recipient in _channels(patient)
    }
    if not wanted:
        return 0
    made = (
        set()
        if first_of_its_key
        else set(
            db.session.scalars(
                select(Message.dedupe_key).where(Message.dedupe_key.in_(list(wanted)))
            )
        )
    )
    rows = [
        {
            "dedupe_key": dedupe_key,
            "patient_id": patient.id,
            "appointment_id": appointment.id if appointment else None,
            "plan_id": plan_id,
            "planned_session_id": planned_session_id,
            "kind": item.kind,
            "channel": channel,
            "recipient": recipient,
            "send_at": item.send_at,
            "status": MessageStatus.SCHEDULED,
            "visit_starts_at": appointment.starts_at if appointment else None,
            "message_id": f"{item.kind.value}.{secrets.token_hex(12)}",
            "created_at": now,
        }
        for dedupe_key, (item, channel, recipient) in wanted.items()
        if dedupe_key not in made
    ]
    if rows:
        db.session.execute(insert(Message), rows)
    return len(rows)


def _revision(appointment: Appointment) -> int:
    """How many times the visit was moved: messages for each time get their own keys.
    Counted in the database, not from a list that may have been loaded before the move."""
    return (
        db.session.scalar(
            select(func.count(AppointmentEvent.id)).where(
                AppointmentEvent.appointment_id == appointment.id,
                AppointmentEvent.kind == "rescheduled",
            )
        )
        or 0
    )


def _for_this_visit(appointment: Appointment, planned: list[Planned]) -> list[Planned]:
    """A results check-in needs no preparation: that is for microneedling."""
    if appointment.service.kind is ServiceKind.MICRONEEDLING:
        return planned
    return [p for p in planned if p.kind is not MessageKind.PREPARATION]


def visit_booked(appointment: Appointment, *, clinic: Clinic, now: datetime) -> None:
    """Confirmation, preparation and reminder for a new visit (revision 0: never moved)."""
    tz = ZoneInfo(clinic.timezone)
    planned = visit_messages(appointment.starts_at, now, tz, message_policy(clinic))
    _plan(
        appointment.patient,
        _for_this_visit(appointment, planned),
        f"appointment:{appointment.id}:r0",
        now=now,
        appointment=appointment,
        first_of_its_key=True,
    )


def visit_moved(appointment: Appointment, *, clinic: Clinic, now: datetime) -> None:
    """The pending preparation and reminder move with the visit; a notice goes now. A
    request to choose a new time that has not gone yet has been answered. A visit whose
    confirmation has not gone yet (booked in quiet hours, then moved) is confirmed at its
    new time instead: "your visit has moved" would be her first word of it."""
    confirmed = _has_gone(appointment, MessageKind.CONFIRMATION, now)
    settled = (*VISIT_REMINDERS, MessageKind.NEW_TIME_NEEDED)
    _cancel_pending(
        appointment, kinds=settled if confirmed else (*settled, MessageKind.CONFIRMATION)
    )
    tz = ZoneInfo(clinic.timezone)
    planned = visit_messages(appointment.starts_at, now, tz, message_policy(clinic))
    notice = MessageKind.RESCHEDULED if confirmed else MessageKind.CONFIRMATION
    _plan(
        appointment.patient,
        [
            Planned(notice, now),
            *(p for p in _for_this_visit(appointment, planned) if p.kind in VISIT_REMINDERS),
        ],
        f"appointment:{appointment.id}:r{_revision(appointment)}",
        now=now,
        appointment=appointment,
    )


def visit_cancelled(appointment: Appointment, *, now: datetime) -> None:
    _cancel_pending(appointment)
    _plan(
        appointment.patient,
        [Planned(MessageKind.CANCELLATION, now)],
        f"appointment:{appointment.id}",
        now=now,
        appointment=appointment,
    )


def new_time_asked(appointment: Appointment, *, clinic: Clinic, now: datetime) -> int:
    """Ask her to choose a new time for a visit the clinic can no longer hold as booked.
    Asking again while a request for the visit's time is on its way or sent adds nothing;
    one dropped (the visit fitted again, a closure lifted) does not count, so a later
    problem on the same day is asked about. Returns how many messages were added: none when
    she was asked already or has no email or phone."""
    asked = list(
        db.session.scalars(
            select(Message.status).where(
                Message.appointment_id == appointment.id,
                Message.kind == MessageKind.NEW_TIME_NEEDED,
                Message.visit_starts_at == appointment.starts_at,
            )
        )
    )
    if any(status in (MessageStatus.SCHEDULED, MessageStatus.SENT) for status in asked):
        return 0
    tz = ZoneInfo(clinic.timezone)
    send_at = out_of_quiet_hours(now, tz, message_policy(clinic))
    return _plan(
        appointment.patient,
        [Planned(MessageKind.NEW_TIME_NEEDED, send_at)],
        f"appointment:{appointment.id}:r{_revision(appointment)}:ask{len(asked)}",
        now=now,
        appointment=appointment,
    )


def visit_goes_ahead(appointment: Appointment, request_key: str, *, now: datetime) -> int:
    """She was asked to choose a new time (the request's own key) and the visit fits the
    setup again: tell her it goes ahead as booked; once per request."""
    return _plan(
        appointment.patient,
        [Planned(MessageKind.VISIT_GOES_AHEAD, now)],
        request_key,
        now=now,
        appointment=appointment,
    )


def visit_missed(appointment: Appointment) -> None:
    _cancel_pending(appointment)


def visit_completed(appointment: Appointment, *, clinic: Clinic, now: datetime) -> None:
    """Aftercare follows a completed microneedling visit (not a check-in)."""
    if appointment.service.kind is not ServiceKind.MICRONEEDLING:
        return
    tz = ZoneInfo(clinic.timezone)
    _plan(
        appointment.patient,
        aftercare_messages(appointment.ends_at, tz, message_policy(clinic)),
        f"appointment:{appointment.id}",
        now=now,
        appointment=appointment,
    )


def nudge(
    patient: Patient,
    kind: MessageKind,
    on: date,
    key: str,
    *,
    clinic: Clinic,
    plan_id: int,
    now: datetime,
    planned_session_id: int | None = None,
) -> int:
    """A nudge to book (a session's window, the results check-in) at 10:00 on `on`."""
    send_at = max(now, nudge_at(on, ZoneInfo(clinic.timezone), message_policy(clinic)))
    return _plan(
        patient,
        [Planned(kind, send_at)],
        key,
        now=now,
        plan_id=plan_id,
        planned_session_id=planned_session_id,
    )


def _has_gone(appointment: Appointment, kind: MessageKind, now: datetime) -> bool:
    """Whether a message of this kind about the visit went on any channel, or is going: a
    worker holds it under a live lease, and may be handing it to the mail server now."""
    gone = select(Message.id).where(
        Message.appointment_id == appointment.id,
        Message.kind == kind,
        (Message.status == MessageStatus.SENT)
        | ((Message.status == MessageStatus.SCHEDULED) & (Message.lease_until > now)),
    )
    return db.session.scalar(gone.limit(1)) is not None


def _cancel_pending(appointment: Appointment, kinds: tuple[MessageKind, ...] | None = None) -> None:
    query = update(Message).where(
        Message.appointment_id == appointment.id, Message.status == MessageStatus.SCHEDULED
    )
    if kinds is not None:
        query = query.where(Message.kind.in_(kinds))
    db.session.execute(
        query.values(status=MessageStatus.CANCELLED, claimed_by=None, lease_until=None)
    )


def list_messages(
    *,
    patient_id: int | None = None,
    appointment_id: int | None = None,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[Message]:
    query = (
        select(Message)
        .options(selectinload(Message.patient))  # each row names its patient
        .order_by(Message.send_at.desc(), Message.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if patient_id is not None:
        query = query.where(Message.patient_id == patient_id)
    if appointment_id is not None:
        query = query.where(Message.appointment_id == appointment_id)
    if status:
        query = query.where(Message.status == status)
    if kind:
        query = query.where(Message.kind == kind)
    return list(db.session.scalars(query))


def resend_problem(message: Message, *, clinic: Clinic, now: datetime) -> str | None:
    """Why sending this message again would not help, or None: only a failed or skipped
    message is sent again, and not one `why_not` would skip again (no consent, its visit
    moved: the new time has its own messages). The dispatcher's checks of the setup (a new
    time asked for a visit that fits again) are judged when it goes."""
    if message.status not in (MessageStatus.FAILED, MessageStatus.SKIPPED):
        return "Only a failed or skipped message can be sent again."
    tz = ZoneInfo(clinic.timezone)
    reason = why_not(message, message.patient, now, now.astimezone(tz).date(), tz)
    return f"Sending it again would be skipped too: {reason}." if reason else None


def resend(message: Message, *, now: datetime) -> Message:
    """A failed or skipped message goes again at the next dispatch, with a new Message-ID
    only if it was never accepted by the mail server (it was not)."""
    message.status = MessageStatus.SCHEDULED
    message.send_at = now
    message.attempts = 0
    message.last_error = None
    message.skip_reason = None
    message.claimed_by = None
    message.lease_until = None
    return message
