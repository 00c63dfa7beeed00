"""The words of each message, from templates/emails and templates/sms.

Emails carry the details (preparation, aftercare); SMS bodies never name a treatment or a
health detail (DOMAIN.md): "Visit at Lumen Skin Studio, Tuesday 9 March at 10:00."
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from clinic.extensions import db
from clinic.practice.models import Clinic, ServiceKind
from clinic.reminders.models import Message
from clinic.reminders.rules import Channel, MessageKind, describe_when
from clinic.scheduling.models import Appointment
from clinic.scheduling.preparation import (
    FULL_NOTICE_DAYS,
    days_left,
    is_short_notice,
    preparation_steps,
)

SUBJECTS = {
    MessageKind.CONFIRMATION: "Your visit is booked: {when}",
    MessageKind.PREPARATION: "Your visit in a week: how to prepare",
    MessageKind.REMINDER: "Reminder: your visit {when}",
    MessageKind.RESCHEDULED: "Your visit has moved: {when}",
    MessageKind.CANCELLATION: "Your visit is cancelled",
    MessageKind.NEW_TIME_NEEDED: "Please choose a new time for your visit on {when}",
    MessageKind.VISIT_GOES_AHEAD: "Good news: your visit on {when} goes ahead",
    MessageKind.AFTERCARE_SAME_DAY: "After your treatment today",
    MessageKind.AFTERCARE_NEXT_DAY: "The day after your treatment",
    MessageKind.AFTERCARE_DAY_3: "Three days after your treatment",
    MessageKind.NEXT_SESSION_DUE: "Time to book your next session",
    MessageKind.RESULTS_CHECK_IN_DUE: "Time for your results check-in",
}


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def render(
    message: Message,
    base_url: str,
    *,
    clinic: Clinic,
    window: str | None = None,
    notice: str | None = None,
    cancel_hours: int | None = None,
    now: datetime,
) -> Rendered:
    tz = ZoneInfo(clinic.timezone)
    appointment = (
        db.session.get(Appointment, message.appointment_id) if message.appointment_id else None
    )
    today = now.astimezone(tz).date()
    when = describe_when(appointment.starts_at, tz, today=today) if appointment else ""
    left = days_left(appointment.starts_at, today, tz) if appointment else FULL_NOTICE_DAYS
    context = {
        "clinic": clinic,
        "kind": message.kind.value,
        "first_name": message.patient.first_name,
        "emailed": message.patient.emailable,
        "when": when,
        "provider": appointment.provider.name if appointment else None,
        "numbing_minutes": appointment.service.numbing_minutes if appointment else 45,
        "preparation": preparation_steps(left),
        "short_notice": is_short_notice(left),
        "window": window,
        "notice": notice,
        "cancel_hours": cancel_hours,
        # The portal moves a visit until `cancel_hours` before it; later, only a call does.
        "changes_online": appointment is None
        or appointment.starts_at - now >= timedelta(hours=cancel_hours or 0),
        "base_url": base_url.rstrip("/"),
        # Her visit's own page (move, cancel, preparation); signing in first comes back to it.
        "visit_url": f"{base_url.rstrip('/')}/portal/"
        + (f"appointments/{appointment.id}" if appointment else ""),
        "is_microneedling": appointment is not None
        and appointment.service.kind is ServiceKind.MICRONEEDLING,
        "is_check_in": appointment is not None
        and appointment.service.kind is ServiceKind.RESULTS_CHECK_IN,
    }
    if message.channel is Channel.SMS:
        return Rendered("", _render("sms/message.txt", context).strip())
    subject = SUBJECTS[message.kind].format(when=when)
    return Rendered(subject, _render(f"emails/{message.kind.value}.txt", context))


def _render(name: str, context: Mapping[str, object]) -> str:
    """Plain text from a template, without the pages' context (no request, no user)."""
    return current_app.jinja_env.get_template(name).render(**context)
