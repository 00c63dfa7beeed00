"""The dispatcher: claim due messages, re-check them, send, mark. Safe with many workers.

This is the one place that commits as it goes, because a sent email cannot be rolled back:
each message is claimed in a short transaction (FOR UPDATE SKIP LOCKED with a lease, so two
workers never take the same row and a killed worker's claims come back when the lease
ends; a batch starts no send once half its lease is spent), sent, then marked sent and
committed at once, by a second thread while the next message is sent (several marks per
commit when they queue up). Only a worker killed between the mail server's acceptance and
that commit can cause a repeat, with the same Message-ID.

At send time a message must still make sense (clinic.reminders.judging) and not fall in
quiet hours; a message about a visit the setup no longer allows waits. The marks are
written by clinic.reminders.marks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload

from clinic.extensions import db
from clinic.practice.models import Clinic
from clinic.reminders.content import render
from clinic.reminders.judging import WAIT_WHILE_UNFIT, unfit_visits, why_not, window_words
from clinic.reminders.marks import MarkWriter
from clinic.reminders.models import Message
from clinic.reminders.rules import (
    Channel,
    MessageKind,
    MessagePolicy,
    MessageStatus,
    in_quiet_hours,
    out_of_quiet_hours,
    retry_at,
)
from clinic.reminders.transports import Outgoing, SendFailed, Transport

log = logging.getLogger(__name__)

# How long a claim keeps other workers off a message. A batch starts no send once half of
# it is spent, leaving the other half for a send under way (its transport times out first).
LEASE = timedelta(minutes=5)
# A message about a visit the setup no longer allows (a closure, time off, narrower hours)
# waits, and is looked at again this much later: telling her to come would be wrong, and
# the visit may be moved, cancelled, or allowed again (a closure lifted). A cancellation
# and aftercare are not about coming, and a request to choose a new time is about this.
UNFIT_VISIT_RETRY = timedelta(hours=6)


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

    Marks are written by MarkWriter while the next message is sent: a row is committed as
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
    unfit = unfit_visits(batch.values(), clinic, now) if clinic is not None else {}
    marker = MarkWriter(worker)
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
    reason = why_not(message, patient, now, today, tz)
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
        window=window_words(message, clinic, today),
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
