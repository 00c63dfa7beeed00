"""Asking a patient to choose a new time for a visit the clinic can no longer hold: one
message with the reason in her words and the portal's address, against a real SMTP server
on loopback; never twice for the same time, never for a visit that fits again or has moved."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from clinic.audit.models import AuditEntry
from clinic.extensions import db
from clinic.operations import move_visit
from clinic.practice.models import Closure, TimeOff
from clinic.reminders.models import Message
from clinic.reminders.new_times import ask_for_new_times
from clinic.reminders.rules import MessageKind, MessageStatus
from clinic.scheduling.models import Appointment, AppointmentEvent
from tests.service.conftest import STAFF, World, local
from tests.service.outbox import book, dispatch, messages

THURSDAY = date(2027, 3, 25)


def close(on: date, name: str = "Flooded") -> Closure:
    closure = Closure(on=on, name=name)
    db.session.add(closure)
    db.session.commit()
    return closure


def ana_away_on_thursday(world: World) -> None:
    db.session.add(
        TimeOff(
            provider_id=world.ana.id,
            starts_at=local("2027-03-25", "00:00"),
            ends_at=local("2027-03-26", "00:00"),
            reason="Course",
        )
    )
    db.session.commit()


def ask(world: World, *visits: Appointment, now=None):
    done = ask_for_new_times(list(visits), clinic=world.clinic, actor=STAFF, now=now or world.now)
    db.session.commit()
    return done


def test_she_is_asked_once_with_the_reason_and_the_portal(world: World, inbox) -> None:
    box, port = inbox
    visit = book(world, local("2027-03-25", "10:00"))
    close(THURSDAY)

    done = ask(world, visit)

    assert done.asked == [visit] and not done.already_asked
    result = dispatch(world, port, world.now)
    assert (result.sent, result.deferred) == (1, 1)  # the confirmation waits: closed that day
    [mail] = box.of_kind("new time")
    subject = "Please choose a new time for your visit on Thursday 25 March at 10:00"
    assert mail["Subject"] == subject
    body = mail.get_content()
    assert "cannot go ahead as booked. The clinic is closed on this day." in body
    assert f"/portal/appointments/{visit.id}\r\n" in body
    assert "List-Unsubscribe" not in mail  # a notice about her visit, not a reminder
    [event] = db.session.scalars(
        sa.select(AppointmentEvent).where(AppointmentEvent.kind == "new_time_asked")
    )
    assert event.details == {"reason": "The clinic is closed on this day."}
    assert db.session.scalar(
        sa.select(AuditEntry.summary).where(AuditEntry.action == "ask_new_time")
    ) == (f"Asked the patient of visit #{visit.id} to choose a new time")

    again = ask(world, visit, now=world.now + timedelta(hours=1))
    assert again.already_asked == [visit] and not again.asked
    dispatch(world, port, world.now + timedelta(hours=1))
    assert len(box.of_kind("new time")) == 1


def test_the_reason_names_the_provider_away(world: World, inbox) -> None:
    box, port = inbox
    visit = book(world, local("2027-03-25", "10:00"))
    ana_away_on_thursday(world)

    ask(world, visit)
    dispatch(world, port, world.now)

    [mail] = box.of_kind("new time")
    assert "Ana is no longer available at this time." in mail.get_content()


def test_a_visit_the_setup_allows_is_not_asked_about(world: World, inbox) -> None:
    visit = book(world, local("2027-03-25", "10:00"))

    done = ask(world, visit)

    assert done.still_fitting == [visit] and not done.asked
    assert messages(MessageKind.NEW_TIME_NEEDED) == []


def test_a_patient_who_may_not_be_messaged_is_left_to_a_call(world: World, inbox) -> None:
    world.maya.email_consent = False
    visit = book(world, local("2027-03-25", "10:00"))
    close(THURSDAY)

    done = ask(world, visit)

    assert done.unreachable == [visit] and not done.asked
    assert messages(MessageKind.NEW_TIME_NEEDED) == []
    audited = sa.select(AuditEntry.id).where(AuditEntry.action == "ask_new_time")
    assert list(db.session.scalars(audited)) == []


def test_an_unsubscribed_patient_is_still_asked(world: World, inbox) -> None:
    box, port = inbox
    visit = book(world, local("2027-03-25", "10:00"))
    world.maya.unsubscribed_at = world.now
    close(THURSDAY)

    ask(world, visit)
    dispatch(world, port, world.now)

    assert len(box.of_kind("new time")) == 1


def test_a_closure_lifted_before_the_message_goes_drops_it(world: World, inbox) -> None:
    """A closure added by mistake and removed: she is not told her visit cannot go ahead."""
    box, port = inbox
    visit = book(world, local("2027-03-25", "10:00"))
    closure = close(THURSDAY)
    ask(world, visit)
    db.session.delete(closure)
    db.session.commit()

    dispatch(world, port, world.now)

    assert box.of_kind("new time") == []
    [message] = messages(MessageKind.NEW_TIME_NEEDED)
    assert message.status is MessageStatus.SKIPPED
    assert message.skip_reason == "the visit fits the clinic's setup again"


def test_moving_the_visit_answers_the_request_and_a_new_time_may_be_asked_again(
    world: World, inbox
) -> None:
    box, port = inbox
    visit = book(world, local("2027-03-25", "10:00"))
    close(THURSDAY)
    ask(world, visit)

    move_visit(
        visit, local("2027-03-30", "14:00"), None, clinic=world.clinic, actor=STAFF, now=world.now
    )
    db.session.commit()
    [pending] = messages(MessageKind.NEW_TIME_NEEDED)
    assert pending.status is MessageStatus.CANCELLED
    dispatch(world, port, world.now)
    assert box.of_kind("new time") == []

    close(date(2027, 3, 30), "Power cut")  # the new day closes too: she is asked again
    assert ask(world, visit).asked == [visit]
    dispatch(world, port, world.now + timedelta(minutes=5))
    [mail] = box.of_kind("new time")
    assert "Tuesday 30 March at 14:00" in mail["Subject"]


def test_asked_in_quiet_hours_it_goes_at_eight(world: World, inbox) -> None:
    visit = book(world, local("2027-03-25", "10:00"))
    close(THURSDAY)

    ask(world, visit, now=local("2027-03-11", "22:30"))

    [email] = db.session.scalars(
        sa.select(Message).where(Message.kind == MessageKind.NEW_TIME_NEEDED)
    )
    assert email.send_at == local("2027-03-12", "08:00")


def test_a_text_names_no_treatment(world: World, inbox) -> None:
    """An SMS never names a treatment or a health detail (DOMAIN.md)."""
    _, port = inbox
    world.maya.phone = "+14155550123"
    world.maya.sms_consent = True
    visit = book(world, local("2027-03-25", "10:00"))
    close(THURSDAY)
    ask(world, visit)

    dispatch(world, port, world.now)

    [text] = [m for m in messages(MessageKind.NEW_TIME_NEEDED) if m.channel.value == "sms"]
    assert text.status is MessageStatus.SENT
    assert text.body == (
        "Your visit at Test Clinic, Thursday 25 March at 10:00, cannot go ahead as booked. "
        "Please choose a new time. Questions: (415) 555-0100"
    )
    assert "icroneedling" not in text.body


def test_a_request_dropped_as_no_longer_needed_does_not_block_a_later_one(
    world: World, inbox
) -> None:
    """The closure was a mistake and lifted before the message went; a week later the
    provider is away that day: she is asked then."""
    box, port = inbox
    visit = book(world, local("2027-03-25", "10:00"))
    closure = close(THURSDAY)
    ask(world, visit)
    db.session.delete(closure)
    db.session.commit()
    dispatch(world, port, world.now)
    [dropped] = messages(MessageKind.NEW_TIME_NEEDED)
    assert dropped.status is MessageStatus.SKIPPED

    later = world.now + timedelta(days=7)
    ana_away_on_thursday(world)
    assert ask(world, visit, now=later).asked == [visit]
    dispatch(world, port, later)

    [mail] = box.of_kind("new time")
    assert "Ana is no longer available at this time." in mail.get_content()


def test_inside_the_cancellation_cut_off_she_is_asked_to_call(world: World, inbox) -> None:
    """The portal no longer moves a visit that close: the message says to call."""
    box, port = inbox
    visit = book(world, local("2027-03-10", "14:00"))  # this afternoon, within 24 hours
    close(date(2027, 3, 10), "Burst pipe")
    ask(world, visit)

    dispatch(world, port, world.now)

    body = box.of_kind("new time")[0].get_content()
    assert "Please call us on (415) 555-0100 to choose a new time." in body
    assert "/portal/" not in body


def test_asked_then_the_closure_is_lifted_she_is_told_the_visit_goes_ahead(
    world: World, inbox
) -> None:
    """The request went; the closure was a mistake and is removed: with the next dispatch
    pass she hears that her visit goes ahead as booked, once, and its history says so."""
    from clinic.reminders.new_times import tell_visits_going_ahead

    box, port = inbox
    visit = book(world, local("2027-03-25", "10:00"))
    closure = close(THURSDAY)
    ask(world, visit)
    dispatch(world, port, world.now)
    assert len(box.of_kind("new time")) == 1
    later = world.now + timedelta(hours=2)
    assert tell_visits_going_ahead(world.clinic, later) == []  # still closed: nothing yet

    db.session.delete(closure)
    db.session.commit()
    assert tell_visits_going_ahead(world.clinic, later) == [visit]
    db.session.commit()
    assert tell_visits_going_ahead(world.clinic, later) == []  # once
    dispatch(world, port, later)

    [mail] = box.of_kind("Good news")
    assert mail["Subject"] == "Good news: your visit on Thursday 25 March at 10:00 goes ahead"
    assert "can go ahead as booked after all" in mail.get_content()
    kinds = [e.kind for e in db.session.get(type(visit), visit.id).events]
    assert kinds[-1] == "goes_ahead"


def test_a_patient_who_moved_her_visit_is_not_told_the_old_time_goes_ahead(
    world: World, inbox
) -> None:
    from clinic.reminders.new_times import tell_visits_going_ahead

    _, port = inbox
    visit = book(world, local("2027-03-25", "10:00"))
    closure = close(THURSDAY)
    ask(world, visit)
    dispatch(world, port, world.now)
    move_visit(
        visit, local("2027-03-30", "14:00"), None, clinic=world.clinic, actor=STAFF, now=world.now
    )
    db.session.delete(closure)
    db.session.commit()

    assert tell_visits_going_ahead(world.clinic, world.now + timedelta(hours=1)) == []


def test_each_dispatch_pass_of_the_worker_tells_them(
    app, world: World, inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clinic.worker import dispatch_once

    box, port = inbox
    for key, value in (("MAIL_SERVER", "127.0.0.1"), ("MAIL_PORT", port), ("MAIL_BACKEND", "smtp")):
        monkeypatch.setitem(app.config, key, value)  # the app is the session's: put back after
    visit = book(world, local("2027-03-25", "10:00"))
    closure = close(THURSDAY)
    ask(world, visit)
    dispatch(world, port, world.now)
    db.session.delete(closure)
    db.session.commit()

    dispatch_once(app, world.now + timedelta(hours=1))

    assert [m["Subject"] for m in box.of_kind("Good news")] == [
        "Good news: your visit on Thursday 25 March at 10:00 goes ahead"
    ]
