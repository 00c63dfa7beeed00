"""The outbox as the message tests drive it: book Maya's visit, run one dispatch pass
against the SMTP server on loopback (the `inbox` fixture of conftest.py), read the rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa

from clinic.extensions import db
from clinic.operations import VisitRequest, book_visit
from clinic.reminders.dispatch import Delivery, DispatchResult, dispatch_due
from clinic.reminders.models import Message
from clinic.reminders.rules import Channel, MessageKind, MessageStatus
from clinic.reminders.service import message_policy
from clinic.reminders.transports import LogSmsTransport, SmtpSettings, SmtpTransport
from clinic.scheduling.models import Appointment
from tests.service.conftest import STAFF, World


def delivery(port: int) -> Delivery:
    settings = SmtpSettings(host="127.0.0.1", port=port, sender="desk@lumen.example")
    return Delivery(
        email=lambda: SmtpTransport(settings),
        sms=LogSmsTransport,
        mail_domain="lumen.example",
        unsubscribe_url=lambda pid: f"http://clinic.test/unsubscribe/{pid}",
    )


def dispatch(
    world: World,
    port: int,
    now: datetime,
    worker: str = "w1",
    clock: Callable[[], datetime] | None = None,
) -> DispatchResult:
    """One batch due at `now`; `clock` is the time as the batch goes on (default: `now`)."""
    return dispatch_due(
        now=now,
        clinic_id=world.clinic.id,
        worker=worker,
        delivery=delivery(port),
        policy=message_policy(world.clinic),
        clock=clock,
    )


def book(world: World, start: datetime, now: datetime | None = None) -> Appointment:
    visit = book_visit(
        VisitRequest(world.maya.id, world.face.id, start, world.ana.id),
        clinic=world.clinic,
        actor=STAFF,
        now=now or world.now,
    )
    db.session.commit()
    return visit


def due_confirmations(world: World, count: int) -> None:
    """`count` confirmations to Maya, due now, with no visit behind them (the dispatch
    tests that only count what goes)."""
    for number in range(count):
        db.session.add(
            Message(
                dedupe_key=f"test:{number}",
                patient_id=world.maya.id,
                kind=MessageKind.CONFIRMATION,
                channel=Channel.EMAIL,
                recipient="maya@example.com",
                send_at=world.now,
                status=MessageStatus.SCHEDULED,
                message_id=f"test.{number}",
                created_at=world.now,
            )
        )
    db.session.commit()


def messages(kind: MessageKind) -> list[Message]:
    return list(db.session.scalars(sa.select(Message).where(Message.kind == kind)))
