"""Messages at the right local time, once, never after a cancel: against a real SMTP
server on loopback (aiosmtpd) and the real outbox."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from clinic.extensions import db
from clinic.operations import (
    VisitRequest,
    book_visit,
    cancel_visit,
    change_visit_status,
    move_visit,
)
from clinic.practice.models import Closure
from clinic.reminders.dispatch import LEASE, claim_due
from clinic.reminders.rules import Channel, MessageKind, MessageStatus
from clinic.scheduling.screenings import record_screening
from clinic.scheduling.status import AppointmentStatus
from tests.service.conftest import NO, STAFF, World, local
from tests.service.outbox import book, dispatch, due_confirmations, messages
from tests.smtp import free_port, smtp_server


def test_confirmation_goes_once_with_preparation(world: World, inbox) -> None:
    box, port = inbox
    visit = book(world, local("2027-03-25", "10:00"))
    assert dispatch(world, port, world.now).sent == 1
    assert dispatch(world, port, world.now + timedelta(minutes=1)).sent == 0
    [mail] = box.messages
    assert mail["Subject"] == "Your visit is booked: Thursday 25 March at 10:00"
    body = mail.get_content()
    assert "Stop retinoids" in body and "Test Clinic" in body
    # To move or cancel it: her visit's own page in the portal, not the portal's front door.
    assert f"/portal/appointments/{visit.id}\r\n" in body
    assert mail["Message-ID"].endswith("@lumen.example>")
    assert "List-Unsubscribe" not in mail  # a notice, not a reminder


def test_reminder_at_the_visits_own_time_two_days_before_and_once(world: World, inbox) -> None:
    box, port = inbox
    book(world, local("2027-03-25", "10:00"))
    reminder_at = local("2027-03-23", "10:00")
    [reminder] = messages(MessageKind.REMINDER)
    assert reminder.send_at == reminder_at
    dispatch(world, port, reminder_at - timedelta(minutes=1))  # confirmation, preparation
    assert box.of_kind("Reminder") == []
    assert dispatch(world, port, reminder_at).sent == 1
    assert dispatch(world, port, reminder_at + timedelta(hours=1)).sent == 0
    assert len(box.of_kind("Reminder")) == 1
    assert box.of_kind("Reminder")[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_preparation_seven_days_before_at_ten(world: World, inbox) -> None:
    book(world, local("2027-03-25", "15:30"))
    [preparation] = messages(MessageKind.PREPARATION)
    assert preparation.send_at == local("2027-03-18", "10:00")


def test_no_reminder_after_a_cancel(world: World, inbox) -> None:
    box, port = inbox
    visit = book(world, local("2027-03-25", "10:00"))
    cancel_visit(visit, "Unwell", clinic=world.clinic, actor=STAFF, now=world.now)
    db.session.commit()
    dispatch(world, port, local("2027-03-24", "12:00"))
    # Cancelled before it went, the confirmation is cancelled too: only the notice goes.
    assert [m["Subject"] for m in box.messages] == ["Your visit is cancelled"]
    assert all(m.status is MessageStatus.CANCELLED for m in messages(MessageKind.REMINDER))


def test_a_reschedule_moves_the_reminder(world: World, inbox) -> None:
    box, port = inbox
    visit = book(world, local("2027-03-25", "10:00"))
    dispatch(world, port, world.now)  # confirmed: a move is then a move
    move_visit(
        visit, local("2027-03-30", "14:00"), None, clinic=world.clinic, actor=STAFF, now=world.now
    )
    db.session.commit()
    reminders = {m.status: m for m in messages(MessageKind.REMINDER)}
    assert reminders[MessageStatus.SCHEDULED].send_at == local("2027-03-28", "14:00")
    assert MessageStatus.CANCELLED in reminders
    dispatch(world, port, local("2027-03-28", "14:00"))
    assert [m["Subject"] for m in box.of_kind("Reminder")] == [
        "Reminder: your visit Tuesday 30 March at 14:00"
    ]
    [notice] = box.of_kind("moved")
    assert notice["Subject"] == "Your visit has moved: Tuesday 30 March at 14:00"
    assert "It is now: Tuesday 30 March at 14:00, with Ana." in notice.get_content()


def test_a_visit_booked_or_moved_inside_the_cut_off_says_to_call_not_to_use_the_portal(
    world: World, inbox
) -> None:
    """The portal changes a visit until 24 hours before it: a confirmation or a move
    notice for one closer than that gives the phone number only."""
    box, port = inbox
    book(world, local("2027-03-10", "14:00"))  # this afternoon, inside 24 hours
    later = book_visit(
        VisitRequest(world.noor.id, world.face.id, local("2027-03-25", "10:00"), world.sam.id),
        clinic=world.clinic,
        actor=STAFF,
        now=world.now,
    )
    db.session.commit()
    dispatch(world, port, world.now)
    move_visit(
        later, local("2027-03-10", "16:00"), None, clinic=world.clinic, actor=STAFF, now=world.now
    )
    db.session.commit()

    dispatch(world, port, world.now)

    [confirmation] = [m for m in box.of_kind("booked") if "14:00" in m["Subject"]]
    assert "To move or cancel it, please call us on (415) 555-0100." in confirmation.get_content()
    assert "/portal/" not in confirmation.get_content()
    [notice] = box.of_kind("moved")
    said = notice.get_content()
    assert "If this time does not suit you, please call us on (415) 555-0100." in said
    assert "/portal/" not in said


def test_a_visit_moved_before_its_confirmation_went_is_confirmed_at_its_new_time(
    world: World, inbox
) -> None:
    """Booked in quiet hours and moved before morning: her first message confirms the new
    time, not "your visit has moved" about a visit she never heard of. Once confirmed, a
    move is a move."""
    box, port = inbox
    night = local("2027-03-09", "22:30")
    visit = book(world, local("2027-03-25", "10:00"), now=night)
    move_visit(
        visit, local("2027-03-26", "11:00"), None, clinic=world.clinic, actor=STAFF, now=night
    )
    db.session.commit()

    dispatch(world, port, world.now)

    assert [m["Subject"] for m in box.of_kind("booked")] == [
        "Your visit is booked: Friday 26 March at 11:00"
    ]
    assert box.of_kind("moved") == []
    move_visit(
        visit, local("2027-03-30", "14:00"), None, clinic=world.clinic, actor=STAFF, now=world.now
    )
    db.session.commit()
    dispatch(world, port, world.now)
    assert [m["Subject"] for m in box.of_kind("moved")] == [
        "Your visit has moved: Tuesday 30 March at 14:00"
    ]
    assert len(box.of_kind("booked")) == 1


def test_a_move_while_a_worker_is_sending_the_confirmation_sends_a_moved_notice(
    world: World, inbox
) -> None:
    """A worker holds the confirmation (it may be at the mail server this moment): the move
    leaves it to the worker and plans "moved", not a second confirmation. The confirmation
    still goes, at the visit's new time: were it skipped as moved, "moved" would be her first
    word of the visit (here the worker dies and another takes it over after the lease)."""
    box, port = inbox
    visit = book(world, local("2027-03-25", "10:00"))
    assert claim_due(world.now, "busy-worker", batch_size=10)  # the confirmation, in flight
    move_visit(
        visit, local("2027-03-26", "11:00"), None, clinic=world.clinic, actor=STAFF, now=world.now
    )
    db.session.commit()

    [confirmation] = messages(MessageKind.CONFIRMATION)
    assert confirmation.status is MessageStatus.SCHEDULED
    assert confirmation.claimed_by == "busy-worker"  # its worker marks it when it is done
    assert [m.status for m in messages(MessageKind.RESCHEDULED)] == [MessageStatus.SCHEDULED]

    dispatch(world, port, world.now + LEASE + timedelta(minutes=1))
    assert [m["Subject"] for m in box.of_kind("booked")] == [
        "Your visit is booked: Friday 26 March at 11:00"
    ]
    assert [m["Subject"] for m in box.of_kind("moved")] == [
        "Your visit has moved: Friday 26 March at 11:00"
    ]


def test_the_dispatcher_skips_a_visit_moved_behind_its_back(world: World, inbox) -> None:
    """Re-checked at send time: a visit whose time changed without its messages moving."""
    _, port = inbox
    visit = book(world, local("2027-03-25", "10:00"))
    visit.starts_at = local("2027-03-25", "11:00")
    db.session.commit()
    dispatch(world, port, local("2027-03-23", "10:00"))
    [reminder] = messages(MessageKind.REMINDER)
    assert (reminder.status, reminder.skip_reason) == (MessageStatus.SKIPPED, "the visit has moved")


def test_no_reminder_for_a_day_the_clinic_has_since_closed_until_it_opens_again(
    world: World, inbox
) -> None:
    """The desk must still move or cancel the visit (the setup pages list it, the portal asks
    her for a new time); meanwhile no "see you on Thursday" goes for a closed Thursday. A
    closure lifted again (added by mistake) lets the waiting messages go."""
    box, port = inbox
    book(world, local("2027-03-25", "10:00"))
    assert dispatch(world, port, world.now).sent == 1  # the confirmation, before the closure
    closure = Closure(on=date(2027, 3, 25), name="Flooded")
    db.session.add(closure)
    db.session.commit()
    reminder_at = local("2027-03-23", "10:00")
    result = dispatch(world, port, reminder_at)
    assert result.sent == 0 and result.deferred == 2  # the preparation and the reminder
    assert len(box.messages) == 1
    for kind in (MessageKind.PREPARATION, MessageKind.REMINDER):
        [message] = messages(kind)
        assert message.status is MessageStatus.SCHEDULED and message.send_at > reminder_at

    db.session.delete(closure)
    db.session.commit()
    dispatch(world, port, reminder_at + timedelta(hours=7))
    assert len(box.messages) == 3 and len(box.of_kind("Reminder")) == 1  # both went, once


def test_consent_and_unsubscribe(world: World, inbox) -> None:
    box, port = inbox
    world.maya.email_consent = False
    visit = book(world, local("2027-03-25", "10:00"))
    dispatch(world, port, world.now)
    assert box.messages == []
    assert messages(MessageKind.CONFIRMATION)[0].status is MessageStatus.SKIPPED
    world.maya.email_consent = True
    world.maya.unsubscribed_at = world.now
    move_visit(
        visit, local("2027-03-26", "10:00"), None, clinic=world.clinic, actor=STAFF, now=world.now
    )
    db.session.commit()
    dispatch(world, port, local("2027-03-24", "10:00"))
    assert [m["Subject"] for m in box.messages] == [
        "Your visit is booked: Friday 26 March at 10:00"
    ]  # never confirmed (no consent then), it is confirmed now; the reminder is not sent
    reminder = next(
        m for m in messages(MessageKind.REMINDER) if m.status is not MessageStatus.CANCELLED
    )
    assert reminder.skip_reason == "unsubscribed"


def test_quiet_hours_hold_a_late_message_until_eight(world: World, inbox) -> None:
    _box, port = inbox
    book(world, local("2027-03-25", "10:00"))
    late_evening = local("2027-03-10", "22:30")  # an outage delayed the confirmation
    result = dispatch(world, port, late_evening)
    assert (result.sent, result.deferred) == (0, 1)
    assert messages(MessageKind.CONFIRMATION)[0].send_at == local("2027-03-11", "08:00")
    assert dispatch(world, port, local("2027-03-11", "07:59")).sent == 0
    assert dispatch(world, port, local("2027-03-11", "08:00")).sent == 1


@pytest.mark.parametrize("visit_day", ["2027-03-13", "2027-11-06"])  # the days before DST ends
def test_aftercare_at_nine_local_across_dst(world: World, inbox, visit_day: str) -> None:
    _, _port = inbox
    start = local(visit_day, "10:00")
    visit = book(world, start, now=start - timedelta(days=3))
    record_screening(world.maya, NO, clinic=world.clinic, actor=STAFF, now=start)
    for target, at in (
        (AppointmentStatus.CHECKED_IN, start),
        (AppointmentStatus.COMPLETED, start + timedelta(minutes=80)),
    ):
        change_visit_status(visit, target, clinic=world.clinic, actor=STAFF, now=at)
    db.session.commit()
    [next_day] = messages(MessageKind.AFTERCARE_NEXT_DAY)
    local_send = next_day.send_at.astimezone(start.tzinfo)
    assert (local_send.hour, local_send.minute) == (9, 0)
    assert local_send.date().isoformat() > visit_day
    [same_day] = messages(MessageKind.AFTERCARE_SAME_DAY)
    assert same_day.send_at == visit.ends_at + timedelta(hours=1)


def test_an_outage_then_recovery_loses_nothing(world: World) -> None:
    port = free_port()  # nothing listens here yet
    book(world, local("2027-03-25", "10:00"))
    first = dispatch(world, port, world.now)
    assert first.retried == 1
    [confirmation] = messages(MessageKind.CONFIRMATION)
    assert confirmation.status is MessageStatus.SCHEDULED and confirmation.last_error
    assert confirmation.send_at == world.now + timedelta(minutes=1)
    with smtp_server(port) as (box, _):
        assert dispatch(world, port, world.now + timedelta(minutes=1)).sent == 1
        assert dispatch(world, port, world.now + timedelta(minutes=5)).sent == 0
    assert len(box.messages) == 1


def test_failures_stop_after_the_limit(world: World) -> None:
    port = free_port()
    book(world, local("2027-03-25", "10:00"))
    at = world.now
    for _ in range(5):
        dispatch(world, port, at)
        at += timedelta(days=1)  # past the backoff, and never in quiet hours
    [confirmation] = messages(MessageKind.CONFIRMATION)
    assert confirmation.status is MessageStatus.FAILED and confirmation.attempts == 5


def test_a_killed_workers_claims_are_taken_over_after_the_lease(world: World, inbox) -> None:
    box, port = inbox
    book(world, local("2027-03-25", "10:00"))
    assert len(claim_due(world.now, "killed-worker", batch_size=10)) == 1  # then it died
    assert dispatch(world, port, world.now + timedelta(minutes=1), worker="w2").sent == 0
    assert dispatch(world, port, world.now + timedelta(minutes=6), worker="w2").sent == 1
    assert len(box.messages) == 1


def test_nightly_job_runs_on_one_of_two_workers(
    app: Flask, world: World, is_postgres: bool
) -> None:
    from clinic.worker import run_nightly

    if not is_postgres:
        pytest.skip("the advisory lock is PostgreSQL's; SQLite runs one worker")
    db.session.commit()
    other = db.engine.connect()
    transaction = other.begin()
    other.execute(sa.text("SELECT pg_advisory_xact_lock(7141001)"))  # worker 1 is running
    try:
        assert run_nightly(app, world.now) is False  # worker 2 leaves the job
    finally:
        transaction.rollback()
        other.close()
    assert run_nightly(app, world.now) is True


def test_messages_go_to_the_address_the_patient_has_now(world: World, inbox) -> None:
    box, port = inbox
    book(world, local("2027-03-25", "10:00"))
    world.maya.email = "maya.new@example.com"  # the desk corrected a typo
    db.session.commit()
    dispatch(world, port, world.now)
    assert [m["To"] for m in box.messages] == ["maya.new@example.com"]


def test_a_results_check_in_gets_no_preparation(world: World, inbox) -> None:
    box, port = inbox
    book_visit(
        VisitRequest(world.maya.id, world.check_in.id, local("2027-03-25", "10:00"), world.ana.id),
        clinic=world.clinic,
        actor=STAFF,
        now=world.now,
    )
    db.session.commit()
    assert messages(MessageKind.PREPARATION) == []
    dispatch(world, port, world.now)
    assert "retinoids" not in box.messages[0].get_content()


def test_a_reminder_after_the_visit_began_is_skipped(world: World, inbox) -> None:
    box, port = inbox
    visit = book(world, local("2027-03-25", "10:00"))
    dispatch(world, port, world.now)
    dispatch(world, port, visit.starts_at + timedelta(minutes=5))  # the worker was down
    assert box.of_kind("Reminder") == [] and box.of_kind("prepare") == []
    assert {m.skip_reason for m in messages(MessageKind.REMINDER)} == {"the visit has begun"}


def test_a_message_that_cannot_be_rendered_does_not_stall_the_outbox(
    world: World, inbox, monkeypatch
) -> None:
    from clinic.reminders import dispatch as dispatcher

    _box, port = inbox
    book(world, local("2027-03-25", "10:00"))
    real_render = dispatcher.render

    def broken_once(message, *args, **kwargs):
        if message.kind is MessageKind.CONFIRMATION:
            raise KeyError("template")
        return real_render(message, *args, **kwargs)

    monkeypatch.setattr(dispatcher, "render", broken_once)
    result = dispatch(world, port, local("2027-03-18", "10:00"))  # confirmation + preparation
    assert (result.failed, result.sent) == (1, 1)
    [confirmation] = messages(MessageKind.CONFIRMATION)
    assert confirmation.status is MessageStatus.FAILED and "KeyError" in confirmation.last_error


def test_a_mark_the_database_refuses_does_not_undo_the_others(
    world: World, inbox, monkeypatch
) -> None:
    """Marks are committed together; one bad row must not make sent messages go again."""
    from clinic.reminders import dispatch as dispatcher

    box, port = inbox
    book(world, local("2027-03-25", "10:00"))
    from clinic.reminders import marks

    monkeypatch.setattr(marks, "MARK_WINDOW_SECONDS", 0.3)  # both marks in one commit
    real_handle = dispatcher._handle

    def refused_mark(message, *args, **kwargs):
        changes = real_handle(message, *args, **kwargs)
        if message.kind is MessageKind.CONFIRMATION:
            changes["recipient"] = None  # NOT NULL: the database refuses this mark
        return changes

    monkeypatch.setattr(dispatcher, "_handle", refused_mark)
    result = dispatch(world, port, local("2027-03-18", "10:00"))  # confirmation + preparation
    assert result.sent == 2 and len(box.messages) == 2
    db.session.expire_all()
    [preparation] = messages(MessageKind.PREPARATION)
    [confirmation] = messages(MessageKind.CONFIRMATION)
    assert preparation.status is MessageStatus.SENT
    assert confirmation.status is MessageStatus.SCHEDULED  # still claimed: it goes again
    assert confirmation.claimed_by == "w1"


# -- the nightly nudges ----------------------------------------------------------------------


def two_session_plan(world: World):
    from clinic.plans.creation import PlanRequest, create_plan

    plan = create_plan(
        PlanRequest(world.maya.id, ("fine_lines",), local("2027-03-11", "00:00").date()),
        clinic=world.clinic,
        actor=STAFF,
        today=world.now.date(),
        now=world.now,
    )
    db.session.commit()
    return plan


def nightly(at: datetime) -> None:
    from clinic.nightly import run_maintenance

    run_maintenance(at)
    db.session.commit()


def test_a_session_window_opening_unbooked_nudges_once_at_ten(world: World, inbox) -> None:
    box, port = inbox
    plan = two_session_plan(world)
    opens = plan.sessions[0].window_start.isoformat()
    nightly(local(opens, "03:00"))
    nightly(local(opens, "03:05"))  # a second run, or a second worker, adds nothing
    [nudge] = messages(MessageKind.NEXT_SESSION_DUE)
    assert nudge.send_at == local(opens, "10:00")
    assert dispatch(world, port, local(opens, "09:59")).sent == 0
    assert dispatch(world, port, local(opens, "10:00")).sent == 1
    [mail] = box.messages
    start, end = plan.sessions[0].window_start, plan.sessions[0].window_end
    assert f"{start.day} {start:%B} and {end.day} {end:%B}" in mail.get_content()


def test_no_nudge_for_a_booked_session(world: World, inbox) -> None:
    plan = two_session_plan(world)
    book(world, local("2027-03-12", "10:00"))  # inside session 1's window: it is session 1
    nightly(local(plan.sessions[0].window_start.isoformat(), "03:00"))
    assert messages(MessageKind.NEXT_SESSION_DUE) == []


def test_no_nudge_when_an_extra_visit_used_up_the_plans_year(world: World, inbox) -> None:
    """Two sessions a year: session 1, then a visit outside every window. Session 2's window
    opens unbooked, but booking it would be refused (the cap), so nobody is asked to."""
    plan = two_session_plan(world)
    book(world, local("2027-03-12", "10:00"))
    book(world, local("2027-05-12", "10:00"))  # an extra visit, from no session
    second = plan.sessions[1]
    nightly(local(second.window_start.isoformat(), "03:00"))
    assert messages(MessageKind.NEXT_SESSION_DUE) == []


def test_the_results_check_in_is_nudged_when_its_window_opens_and_a_week_before_it_closes(
    world: World,
) -> None:
    from clinic.plans.service import results_check_in_window

    plan = two_session_plan(world)
    for session in plan.sessions:
        day = session.window_start + timedelta(days=1)
        while day.weekday() == 6:  # the test clinic is closed on Sundays
            day += timedelta(days=1)
        visit = book(world, local(day.isoformat(), "10:00"))
        arrival = local(day.isoformat(), "09:50")  # screened on arrival, as check-in needs
        record_screening(world.maya, NO, clinic=world.clinic, actor=STAFF, now=arrival)
        for status, at in (
            (AppointmentStatus.CHECKED_IN, "09:55"),
            (AppointmentStatus.COMPLETED, "11:30"),
        ):
            change_visit_status(
                visit, status, clinic=world.clinic, actor=STAFF, now=local(day.isoformat(), at)
            )
        db.session.commit()
    window = results_check_in_window(plan, world.clinic)
    nightly(local((window.start - timedelta(days=1)).isoformat(), "03:00"))
    assert messages(MessageKind.RESULTS_CHECK_IN_DUE) == []
    nightly(local(window.start.isoformat(), "03:00"))
    assert len(messages(MessageKind.RESULTS_CHECK_IN_DUE)) == 1
    closing = window.end - timedelta(days=7)
    nightly(local(closing.isoformat(), "03:00"))
    nudges = messages(MessageKind.RESULTS_CHECK_IN_DUE)
    assert sorted(m.send_at for m in nudges) == [
        local(window.start.isoformat(), "10:00"),
        local(closing.isoformat(), "10:00"),
    ]


def _open_day(day: date) -> date:
    while day.weekday() == 6:  # the test clinic is closed on Sundays
        day += timedelta(days=1)
    return day


def test_a_nudge_after_a_missed_session_gives_its_own_sessions_dates(world: World, inbox) -> None:
    """Session 1 was never booked (missed); session 2's window opens: the nudge is about
    session 2 and gives its dates, not session 1's past ones."""
    box, port = inbox
    plan = two_session_plan(world)
    second = plan.sessions[1]
    opens = second.window_start.isoformat()
    nightly(local(opens, "03:00"))
    [nudge] = messages(MessageKind.NEXT_SESSION_DUE)
    assert nudge.planned_session_id == second.id

    dispatch(world, port, local(opens, "10:00"))

    [mail] = box.of_kind("next session")
    start, end = second.window_start, second.window_end
    assert f"between {start.day} {start:%B} and {end.day} {end:%B}" in mail.get_content()


def test_a_nudge_after_a_missed_session_is_dropped_once_its_session_is_booked(
    world: World, inbox
) -> None:
    box, port = inbox
    plan = two_session_plan(world)
    second = plan.sessions[1]
    opens = second.window_start.isoformat()
    nightly(local(opens, "03:00"))
    on = _open_day(second.target_date)
    book(world, local(on.isoformat(), "11:00"), now=local(opens, "08:30"))  # she called

    dispatch(world, port, local(opens, "10:00"))

    assert box.of_kind("next session") == []
    [nudge] = messages(MessageKind.NEXT_SESSION_DUE)
    assert (nudge.status, nudge.skip_reason) == (MessageStatus.SKIPPED, "the session is booked")


def test_no_results_check_in_nudge_for_a_course_never_had(world: World) -> None:
    """Neither session was booked: there are no results to look at, so no "your results
    show now" message (the portal would not let her book the check-in either)."""
    from clinic.plans.service import results_check_in_window

    plan = two_session_plan(world)
    window = results_check_in_window(plan, world.clinic)
    nightly(local(window.start.isoformat(), "03:00"))
    assert messages(MessageKind.RESULTS_CHECK_IN_DUE) == []


def test_aftercare_held_by_the_quiet_hours_never_goes_on_another_day(world: World, inbox) -> None:
    """The desk marks the day's last visit completed at 21:05: the quiet hours hold the
    same-day message ("no makeup today"); the next morning it is dropped, and the next-day
    message goes at 09:00 alone."""
    box, port = inbox
    visit = book(world, local("2027-03-25", "16:45"))  # ends 18:00
    record_screening(
        world.maya, NO, clinic=world.clinic, actor=STAFF, now=local("2027-03-25", "16:40")
    )
    change_visit_status(
        visit,
        AppointmentStatus.COMPLETED,
        clinic=world.clinic,
        actor=STAFF,
        now=local("2027-03-25", "21:05"),
    )
    db.session.commit()
    for at in (("2027-03-25", "21:05"), ("2027-03-26", "08:00"), ("2027-03-26", "09:00")):
        dispatch(world, port, local(*at))

    assert [m["Subject"] for m in box.of_kind("treatment")] == ["The day after your treatment"]
    [same_day] = messages(MessageKind.AFTERCARE_SAME_DAY)
    assert (same_day.status, same_day.skip_reason) == (MessageStatus.SKIPPED, "its day has passed")


def test_a_batch_outliving_half_its_lease_hands_the_rest_back(world: World, inbox) -> None:
    """Slow sends (an SMS API at seconds a message) must not carry a batch past its claim:
    another host's worker would take the same messages over and both would send them. The
    batch stops sending once half the lease is spent and gives the rest back at once."""
    from clinic.reminders.dispatch import LEASE

    box, port = inbox
    due_confirmations(world, 3)
    elapsed = iter([timedelta(0), timedelta(minutes=1), LEASE / 2, LEASE / 2])
    first = dispatch(world, port, world.now, "slow", clock=lambda: world.now + next(elapsed))
    assert (first.claimed, first.sent) == (3, 2)

    second = dispatch(world, port, world.now + LEASE / 2, worker="other")

    assert (second.claimed, second.sent) == (1, 1)  # claimable at once, not after the lease
    assert len(box.messages) == 3 and len(set(box.ids())) == 3


def test_a_confirmation_at_short_notice_asks_only_what_can_still_be_done(
    world: World, inbox
) -> None:
    box, port = inbox
    book(world, local("2027-03-12", "10:00"))  # booked on Wednesday for Friday

    dispatch(world, port, world.now)

    body = box.messages[0].get_content()
    assert "Your visit is less than a week away: here is what you can still do before it." in body
    assert "- Stop retinoids, acids (AHA/BHA) and exfoliants today, and tell us" in body
    assert "(such as ibuprofen) from now" in body
    assert "five to seven days before" not in body


def test_a_text_after_the_visit_points_to_an_email_only_when_one_is_sent(
    world: World, inbox
) -> None:
    _box, port = inbox
    world.maya.email_consent = False
    world.maya.phone, world.maya.sms_consent = "+14155550123", True
    start = local("2027-03-12", "10:00")
    visit = book(world, start)
    record_screening(world.maya, NO, clinic=world.clinic, actor=STAFF, now=start)
    change_visit_status(
        visit, AppointmentStatus.COMPLETED, clinic=world.clinic, actor=STAFF, now=visit.ends_at
    )
    db.session.commit()

    dispatch(world, port, visit.ends_at + timedelta(hours=1))

    [text] = [m for m in messages(MessageKind.AFTERCARE_SAME_DAY) if m.channel is Channel.SMS]
    assert text.body == "Thank you for visiting Test Clinic. Questions: (415) 555-0100"


def test_a_visit_next_year_is_named_with_its_year(world: World, inbox) -> None:
    box, port = inbox
    book(world, local("2028-01-05", "10:00"))

    dispatch(world, port, world.now)

    assert box.messages[0]["Subject"] == "Your visit is booked: Wednesday 5 January 2028 at 10:00"


def test_a_move_to_less_than_a_week_away_says_what_can_still_be_done(world: World, inbox) -> None:
    box, port = inbox
    visit = book(world, local("2027-03-25", "10:00"))
    dispatch(world, port, world.now)
    move_visit(
        visit, local("2027-03-12", "14:00"), None, clinic=world.clinic, actor=STAFF, now=world.now
    )
    db.session.commit()

    dispatch(world, port, world.now)

    [notice] = box.of_kind("moved")
    body = notice.get_content()
    assert "Your visit is now less than a week away: here is what you can still do" in body
    assert "- Stop retinoids, acids (AHA/BHA) and exfoliants today, and tell us" in body
    assert "\n\n\n" not in body.replace("\r\n", "\n")


def test_a_results_check_in_confirmation_says_what_the_visit_is(world: World, inbox) -> None:
    box, port = inbox
    book_visit(
        VisitRequest(world.noor.id, world.check_in.id, local("2027-03-26", "10:00"), world.ana.id),
        clinic=world.clinic,
        actor=STAFF,
        now=world.now,
    )
    db.session.commit()

    dispatch(world, port, world.now)

    body = box.messages[0].get_content()
    assert "Your results check-in at Test Clinic is booked: Friday 26 March at 10:00" in body
    assert "to look at the results of your course together" in body
    assert "Stop retinoids" not in body


def test_a_nudge_for_a_session_a_plan_change_dropped_is_not_sent(world: World, inbox) -> None:
    from clinic.plans.lifecycle import PlanChange, change_plan

    box, port = inbox
    plan = two_session_plan(world)
    second = plan.sessions[1]
    nightly(local(second.window_start.isoformat(), "03:00"))
    assert len(messages(MessageKind.NEXT_SESSION_DUE)) == 1
    change_plan(
        plan,
        PlanChange(("fine_lines",), 1),
        clinic=world.clinic,
        actor=STAFF,
        today=second.window_start,
        now=local(second.window_start.isoformat(), "08:00"),
    )
    db.session.commit()

    dispatch(world, port, local(second.window_start.isoformat(), "10:00"))

    assert box.of_kind("next session") == []
    [nudge] = messages(MessageKind.NEXT_SESSION_DUE)
    assert (nudge.status, nudge.skip_reason) == (MessageStatus.SKIPPED, "the session is gone")


def test_no_reminder_for_a_visit_whose_provider_has_since_taken_the_day_off(
    world: World, inbox
) -> None:
    """Not only a closed day: any setup the visit no longer fits (time off here) holds its
    messages until the desk moves it or the time off is lifted."""
    from clinic.practice.models import TimeOff

    box, port = inbox
    book(world, local("2027-03-25", "10:00"))
    assert dispatch(world, port, world.now).sent == 1  # the confirmation, before
    away = TimeOff(
        provider_id=world.ana.id,
        starts_at=local("2027-03-25", "00:00"),
        ends_at=local("2027-03-26", "00:00"),
        reason="Course",
    )
    db.session.add(away)
    db.session.commit()
    reminder_at = local("2027-03-23", "10:00")

    result = dispatch(world, port, reminder_at)

    assert (result.sent, result.deferred) == (0, 2)  # the preparation and the reminder
    db.session.delete(away)
    db.session.commit()
    dispatch(world, port, reminder_at + timedelta(hours=7))
    assert len(box.of_kind("Reminder")) == 1
