"""The dispatcher: claim due messages, re-check them, send, mark. Safe with many workers.

This is the one place that commits as it goes, because a sent email cannot be rolled back:
each message is claimed in a short transaction (FOR UPDATE SKIP LOCKED with a lease, so two
workers never take the same row and a killed worker's claims come back when the lease
ends; a batch starts no send once half its lease is spent), sent, then marked sent and
committed at once, by a second thread while the next message is sent (several marks per
commit when they queue up). Only a worker killed between the mail server's acceptance and
that commit can cause a repeat, with the same Message-ID.

At send time a message must still make sense: the visit still booked at the time it was
planned for (or completed, for aftercare; cancelled, for the cancellation notice; still not
allowed by the setup, for a request to choose a new time), consent for the channel, no
unsubscribe (except for notices of a change), and not quiet hours.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Update, bindparam, or_, select, update
from sqlalchemy.orm import joinedload

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
from clinic.reminders.content import render
from clinic.reminders.models import Message
from clinic.reminders.rules import (
    AFTERCARE,
    Channel,
    MessageKind,
    MessagePolicy,
    MessageStatus,
    aftercare_day,
    describe_day,
    in_quiet_hours,
    out_of_quiet_hours,
    retry_at,
)
from clinic.reminders.transports import Outgoing, SendFailed, Transport
from clinic.scheduling.models import Appointment
from clinic.scheduling.setup_notices import find_setup_notices
from clinic.scheduling.status import AppointmentStatus

log = logging.getLogger(__name__)

# How long a claim keeps other workers off a message. A batch starts no send once half of
# it is spent, leaving the other half for a send under way (its transport times out first).
LEASE = timedelta(minutes=5)
# A message about a visit the setup no longer allows (a closure, time off, narrower hours)
# waits, and is looked at again this much later: telling her to come would be wrong, and
# the visit may be moved, cancelled, or allowed again (a closure lifted). A cancellation
# and aftercare are not about coming, and a request to choose a new time is about this.
UNFIT_VISIT_RETRY = timedelta(hours=6)
WAIT_WHILE_UNFIT = frozenset(
    {
        MessageKind.CONFIRMATION,
        MessageKind.PREPARATION,
        MessageKind.REMINDER,
        MessageKind.RESCHEDULED,
    }
)
# How long the mark writer lets marks gather before committing them together. A few
# milliseconds more between the server's acceptance and the commit (the window in which a
# killed worker causes a repeat) buys one commit for several messages.
MARK_WINDOW_SECONDS = 0.005


@dataclass
class DispatchResult:
    sent: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0
    claimed: int = 0

    def add(self, other: DispatchResult) -> None:
        for name in ("sent", "skipped", "retried", "failed", "deferred", "claimed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class Delivery:
    """How this deployment sends: makers of the batch's transports (opened only when a
    message needs one), the domain of its Message-IDs, and its unsubscribe links."""

    email: Callable[[], Transport]
    sms: Callable[[], Transport]
    mail_domain: str
    unsubscribe_url: Callable[[int], str]
    base_url: str = ""  # links in messages (the portal's screening page)


def claim_due(now: datetime, worker: str, *, batch_size: int) -> list[int]:
    """Claim up to `batch_size` due messages for `worker`: one UPDATE … RETURNING, so the
    choice and the claim are one atomic statement (on PostgreSQL the chosen rows are
    locked with SKIP LOCKED, so concurrent workers take different rows)."""
    due = (
        select(Message.id)
        .where(
            Message.status == MessageStatus.SCHEDULED,
            Message.send_at <= now,
            or_(Message.lease_until.is_(None), Message.lease_until < now),
        )
        .order_by(Message.send_at, Message.id)
        .limit(batch_size)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    claimed = db.session.scalars(
        update(Message)
        .where(Message.id.in_(due.scalar_subquery()))
        .values(claimed_by=worker, lease_until=now + LEASE)
        .returning(Message.id)
        .execution_options(synchronize_session=False)
    )
    ids = sorted(claimed)
    db.session.commit()
    return ids


def dispatch_due(
    *,
    now: datetime,
    clinic_id: int,
    worker: str,
    delivery: Delivery,
    policy: MessagePolicy,
    batch_size: int = 200,
    should_stop: Callable[[], bool] = lambda: False,
    clock: Callable[[], datetime] | None = None,
) -> DispatchResult:
    """One pass: claim what is due at `now`, then handle each message and mark it.

    Marks are written by _Marker while the next message is sent: a row is committed as
    sent right after the mail server accepted it (several rows per commit when they queue). The
    batch's messages and patients are read once, as it starts; what a message depends on
    beyond that (its visit, its plan) is read afresh just before it goes.
    """
    result = DispatchResult()
    ids = claim_due(now, worker, batch_size=batch_size)
    result.claimed = len(ids)
    if not ids:
        return result
    opened: dict[Channel, Transport] = {}
    clinic = db.session.get(Clinic, clinic_id)
    batch = {
        message.id: message
        for message in db.session.scalars(
            select(Message).where(Message.id.in_(ids)).options(joinedload(Message.patient))
        )
    }
    # The batch's visits the setup no longer allows (a closure, time off, narrower hours),
    # judged once for the batch: their messages wait (the desk moves or cancels those
    # visits; the portal asks the patient for a new time) and go if the setup allows them
    # again; a request to choose a new time goes only while it does not.
    unfit = _unfit_visits(batch.values(), clinic, now) if clinic is not None else {}
    marker = _Marker(worker)
    try:
        for index, message_id in enumerate(ids):
            moment = clock() if clock else now
            if should_stop() or moment >= now + LEASE / 2:
                # Stopping, or the claim is half spent: the rest go back to the outbox at
                # once (the next batch claims them afresh), so no message is sent after
                # another worker may have taken it over.
                marker.mark(ids[index:], claimed_by=None, lease_until=None)
                break
            message = batch.get(message_id)
            if clinic is None or message is None or message.claimed_by != worker:
                continue
            try:
                changes = _handle(message, clinic, moment, policy, opened, delivery, result, unfit)
            except Exception as error:  # one broken message must not stall the outbox
                log.exception("message %s could not be handled", message_id)
                changes = {
                    "status": MessageStatus.FAILED,
                    "claimed_by": None,
                    "lease_until": None,
                    "last_error": f"{type(error).__name__}: cannot be sent",
                }
                result.failed += 1
            marker.mark([message_id], **changes)
    finally:
        for transport in opened.values():
            transport.close()
        marker.close()
        db.session.rollback()  # the batch's reads end; its objects are stale now
    return result


class _Marker:
    """Writes the messages' outcomes on its own connection and thread, so the next message
    is being sent while the last ones' rows commit.

    Marks that queue up while a commit is flushing are written together in the next
    transaction (group commit): one WAL flush for several messages instead of one each,
    which is most of a mark's cost. Each message is still committed as sent within a few
    milliseconds of the mail server accepting it. A worker killed mid-batch loses the marks
    still queued: those messages were accepted but not committed, so they go again, with
    the same Message-ID, once their lease ends (the one repeat API.md allows). A mark only
    lands while this worker still holds the claim.
    """

    def __init__(self, worker: str) -> None:
        self._worker = worker
        self._queue: queue.Queue[tuple[list[int], dict[str, Any]] | None] = queue.Queue()
        self._connection = db.engine.connect()
        self._thread = threading.Thread(target=self._write, name="outbox-marks", daemon=True)
        self._thread.start()

    def mark(self, ids: list[int], **changes: Any) -> None:
        self._queue.put((ids, changes))

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self._connection.close()

    def _write(self) -> None:
        done = False
        while not done:
            group = [self._queue.get()]
            if group[0] is not None:
                time.sleep(MARK_WINDOW_SECONDS)  # let the next marks gather: one commit
            while not self._queue.empty():
                group.append(self._queue.get_nowait())
            done = group[-1] is None
            self._commit([item for item in group if item is not None])

    def _commit(self, marks: list[tuple[list[int], dict[str, Any]]]) -> None:
        """The marks in one transaction, in order, one executemany per run of marks with
        the same columns (sent, skipped, retried...). If that fails, each mark is tried on
        its own, so one bad row cannot undo the marks of messages that went out."""
        if not marks:
            return
        try:
            with self._connection.begin():
                for columns, rows in _runs_by_columns(marks):
                    self._connection.execute(self._statement(columns), rows)
            return
        except Exception:
            log.warning("marking %s messages together failed; marking them one by one", len(marks))
        for mark in marks:
            try:
                with self._connection.begin():
                    for columns, rows in _runs_by_columns([mark]):
                        self._connection.execute(self._statement(columns), rows)
            except Exception:  # the lease brings this message back; say which
                log.exception("could not mark message(s) %s", mark[0])

    def _statement(self, columns: tuple[str, ...]) -> Update:
        return (
            update(Message)
            .where(Message.id == bindparam("mark_id"), Message.claimed_by == self._worker)
            .values({column: bindparam(f"new_{column}") for column in columns})
        )


def _runs_by_columns(
    marks: list[tuple[list[int], dict[str, Any]]],
) -> list[tuple[tuple[str, ...], list[dict[str, Any]]]]:
    """Consecutive marks that set the same columns, as executemany parameter lists: the
    order is kept, so a later mark of a message is written after an earlier one."""
    runs: list[tuple[tuple[str, ...], list[dict[str, Any]]]] = []
    for ids, changes in marks:
        columns = tuple(sorted(changes))
        if not runs or runs[-1][0] != columns:
            runs.append((columns, []))
        runs[-1][1].extend(
            {"mark_id": message_id, **{f"new_{c}": changes[c] for c in columns}}
            for message_id in ids
        )
    return runs


def _handle(
    message: Message,
    clinic: Clinic,
    now: datetime,
    policy: MessagePolicy,
    opened: dict[Channel, Transport],
    delivery: Delivery,
    result: DispatchResult,
    unfit: Mapping[int, str],
) -> dict[str, Any]:
    """Judge, render and send one message; returns the columns to write."""
    tz = ZoneInfo(clinic.timezone)
    today = now.astimezone(tz).date()
    changes: dict[str, Any] = {"claimed_by": None, "lease_until": None}
    if in_quiet_hours(now, tz, policy):
        result.deferred += 1
        return {**changes, "send_at": out_of_quiet_hours(now, tz, policy)}
    patient = message.patient  # read with the batch, a moment ago
    reason = _why_not(message, patient, now, today, tz)
    notice = unfit.get(message.appointment_id) if message.appointment_id else None
    if reason is None and message.kind is MessageKind.NEW_TIME_NEEDED and notice is None:
        reason = "the visit fits the clinic's setup again"
    if reason is None and message.kind is MessageKind.VISIT_GOES_AHEAD and notice is not None:
        reason = "the setup no longer allows the visit again"
    if reason is None and notice is not None and message.kind in WAIT_WHILE_UNFIT:
        result.deferred += 1
        return {**changes, "send_at": now + UNFIT_VISIT_RETRY}
    if reason is not None or patient is None:
        result.skipped += 1
        return {
            **changes,
            "status": MessageStatus.SKIPPED,
            "skip_reason": reason or "the patient is gone",
        }
    # Sent to the address the patient has now: staff may have corrected a wrong one.
    recipient = (patient.email if message.channel is Channel.EMAIL else patient.phone) or ""
    rendered = render(
        message,
        delivery.base_url,
        clinic=clinic,
        now=now,
        cancel_hours=clinic.late_cancel_hours,
        window=_window_words(message, clinic, today),
        notice=notice,
    )
    outgoing = Outgoing(
        message_id=f"<{message.message_id}@{delivery.mail_domain}>",
        recipient=recipient,
        subject=rendered.subject,
        body=rendered.body,
        unsubscribe_url=None
        if message.kind.is_notice
        else delivery.unsubscribe_url(message.patient_id),
    )
    if message.channel not in opened:
        maker = delivery.email if message.channel is Channel.EMAIL else delivery.sms
        opened[message.channel] = maker()
    attempts = message.attempts + 1
    changes.update(attempts=attempts, recipient=recipient)
    try:
        opened[message.channel].send(outgoing)
    except SendFailed as error:
        changes["last_error"] = str(error)[:1000]
        log.warning("message %s: attempt %s failed", message.id, attempts)
        if attempts >= policy.max_attempts:
            result.failed += 1
            return {**changes, "status": MessageStatus.FAILED}
        result.retried += 1
        return {**changes, "send_at": retry_at(now, attempts)}
    result.sent += 1
    return {
        **changes,
        "status": MessageStatus.SENT,
        "sent_at": now,
        "subject": rendered.subject or None,
        "body": rendered.body,
    }


def _unfit_visits(messages: Iterable[Message], clinic: Clinic, now: datetime) -> dict[int, str]:
    """{visit id: why it cannot go ahead as booked, in her words} for the booked visits yet
    to begin that the batch's messages are about and the setup no longer allows: one read
    of the visits and one of the setup for the batch."""
    ids = {m.appointment_id for m in messages if m.appointment_id is not None}
    if not ids:
        return {}
    visits = list(db.session.scalars(select(Appointment).where(Appointment.id.in_(ids))))
    return find_setup_notices(visits, clinic, now)


def _why_not(
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
        if message.visit_starts_at != appointment.starts_at:
            return "the visit has moved"
        if now >= appointment.starts_at:
            return "the visit has begun"
    if message.plan_id is not None:
        plan = db.session.get(Plan, message.plan_id, populate_existing=True)
        if plan is None or plan.status is not PlanStatus.ACTIVE:
            return "the plan is no longer active"
        if message.kind is MessageKind.NEXT_SESSION_DUE:
            reason = _session_not_due(_nudged_session(message, plan), today)
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


def _nudged_session(message: Message, plan: Plan) -> PlannedSession | None:
    """The session a "next session due" nudge asks her to book; None once a change of the
    plan dropped it."""
    return next((s for s in plan.sessions if s.id == message.planned_session_id), None)


def _session_not_due(session: PlannedSession | None, today: date) -> str | None:
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


def _window_words(message: Message, clinic: Clinic, today: date) -> str | None:
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
        session = _nudged_session(message, plan)
        if session is None:
            return None
        start, end = session.window_start, session.window_end
    return (
        f"{describe_day(start, today=today, weekday=False)} and "
        f"{describe_day(end, today=today, weekday=False)}"
    )
