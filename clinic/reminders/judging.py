"""Whether a due message still makes sense when its time comes, and its words that depend
on the moment: the visit still booked at the time it was planned for (or completed, for
aftercare; cancelled, for the cancellation notice; not allowed by the setup, for a request
to choose a new time), consent for the channel, no unsubscribe (except for notices), the
plan still active and its session still to book. Read afresh as each message goes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.plans.models import Plan, PlannedSession, PlanStatus
from clinic.plans.rules import SessionStatus
from clinic.plans.service import (
    is_course_settled,
    results_check_in_window,
    sessions_left,
    status_of,
)
from clinic.practice.models import Clinic
from clinic.reminders.models import Message
from clinic.reminders.rules import (
    AFTERCARE,
    Channel,
    MessageKind,
    aftercare_day,
    describe_day,
)
from clinic.scheduling.models import Appointment
from clinic.scheduling.setup_notices import find_setup_notices
from clinic.scheduling.status import AppointmentStatus

# A visit's messages that tell her to come: they wait while the setup does not allow it.
WAIT_WHILE_UNFIT = frozenset(
    {
        MessageKind.CONFIRMATION,
        MessageKind.PREPARATION,
        MessageKind.REMINDER,
        MessageKind.RESCHEDULED,
    }
)


def unfit_visits(messages: Iterable[Message], clinic: Clinic, now: datetime) -> dict[int, str]:
    """{visit id: why it cannot go ahead as booked, in her words} for the booked visits yet
    to begin that the batch's messages are about and the setup no longer allows: one read
    of the visits and one of the setup for the batch."""
    ids = {m.appointment_id for m in messages if m.appointment_id is not None}
    if not ids:
        return {}
    visits = list(db.session.scalars(select(Appointment).where(Appointment.id.in_(ids))))
    return find_setup_notices(visits, clinic, now)


def why_not(
    message: Message,
    patient: Patient | None,
    now: datetime,
    today: date,
    tz: ZoneInfo,
) -> str | None:
    """Why a due message should not go any more, or None."""
    if patient is None:
        return "the patient is gone"
    if message.channel is Channel.EMAIL and not (patient.email_consent and patient.email):
        return "no email consent"
    if message.channel is Channel.SMS and not (patient.sms_consent and patient.phone):
        return "no SMS consent"
    if patient.unsubscribed_at is not None and not message.kind.is_notice:
        return "unsubscribed"
    if message.appointment_id is not None:
        appointment = db.session.get(Appointment, message.appointment_id, populate_existing=True)
        if appointment is None:
            return "the visit is gone"
        if message.kind is MessageKind.CANCELLATION:
            return None if appointment.status is AppointmentStatus.CANCELLED else "not cancelled"
        if message.kind in AFTERCARE:
            if appointment.status is not AppointmentStatus.COMPLETED:
                return "not completed"
            # Aftercare for a day that has passed helps nobody ("no makeup today"). Judged
            # by the visit's day, not send_at, which the quiet hours may have moved on.
            due_on = aftercare_day(message.kind, appointment.ends_at, tz)
            return None if today <= due_on else "its day has passed"
        if appointment.status is not AppointmentStatus.BOOKED:
            return f"the visit is {appointment.status.value.replace('_', ' ')}"
        # A confirmation says the visit's time as it is now; one still pending after a move
        # was held by a worker as the visit moved (a move replaces any other), and is the
        # only word of the visit she has had.
        moved = message.visit_starts_at != appointment.starts_at
        if moved and message.kind is not MessageKind.CONFIRMATION:
            return "the visit has moved"
        if now >= appointment.starts_at:
            return "the visit has begun"
    if message.plan_id is not None:
        plan = db.session.get(Plan, message.plan_id, populate_existing=True)
        if plan is None or plan.status is not PlanStatus.ACTIVE:
            return "the plan is no longer active"
        if message.kind is MessageKind.NEXT_SESSION_DUE:
            reason = session_not_due(nudged_session(message, plan), today)
            if reason is not None:
                return reason
            if not sessions_left(plan, tz):
                return "the plan's sessions for the year are used up"
        if message.kind is MessageKind.RESULTS_CHECK_IN_DUE:
            if plan.results_appointment is not None and plan.results_appointment.status.holds_time:
                return "the check-in is booked"
            if not is_course_settled(plan, today):
                return "the course's sessions are not all done or booked"
    return None


def nudged_session(message: Message, plan: Plan) -> PlannedSession | None:
    """The session a "next session due" nudge asks her to book; None once a change of the
    plan dropped it."""
    return next((s for s in plan.sessions if s.id == message.planned_session_id), None)


def session_not_due(session: PlannedSession | None, today: date) -> str | None:
    """Why a nudge to book this session makes no sense any more, or None."""
    if session is None:
        return "the session is gone"
    status = status_of(session, today)
    if status in (SessionStatus.BOOKED, SessionStatus.DONE):
        return "the session is booked"
    if status is not SessionStatus.DUE:
        return f"the session is {status.value}"
    if session.window_start > today:
        return "the session's window has moved later"
    return None


def window_words(message: Message, clinic: Clinic, today: date) -> str | None:
    """The dates a nudge asks the patient to book in: "12 April and 10 May"."""
    if message.plan_id is None:
        return None
    plan = db.session.get(Plan, message.plan_id)
    if plan is None:
        return None
    if message.kind is MessageKind.RESULTS_CHECK_IN_DUE:
        window = results_check_in_window(plan, clinic)
        start, end = window.start, window.end
    else:
        session = nudged_session(message, plan)
        if session is None:
            return None
        start, end = session.window_start, session.window_end
    return (
        f"{describe_day(start, today=today, weekday=False)} and "
        f"{describe_day(end, today=today, weekday=False)}"
    )
