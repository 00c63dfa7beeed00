"""Booking, moving, cancelling and status changes against a real database."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from clinic.audit.models import AuditEntry
from clinic.errors import Conflict, RuleBroken
from clinic.extensions import db
from clinic.operations import move_visit
from clinic.reminders.models import Message
from clinic.scheduling.models import Appointment
from clinic.scheduling.screenings import record_screening
from clinic.scheduling.service import (
    BookingRequest,
    Clearance,
    book_appointment,
    cancel_appointment,
    change_status,
    reschedule_appointment,
)
from clinic.scheduling.status import AppointmentStatus
from tests.service.conftest import NO, STAFF, World, add_patient, local


def book(world: World, patient_id: int, start, provider_id=None, service=None, **kwargs):
    service = service or world.face
    return book_appointment(
        BookingRequest(patient_id, service.id, start, provider_id, **kwargs),
        clinic=world.clinic,
        actor=STAFF,
        now=world.now,
    )


def test_booking_stores_the_visit_and_its_busy_times(world: World) -> None:
    visit = book(world, world.maya.id, local("2027-03-11", "10:00"), world.ana.id)
    db.session.commit()
    assert visit.status is AppointmentStatus.BOOKED
    assert visit.starts_at == local("2027-03-11", "10:00")
    assert visit.ends_at == local("2027-03-11", "11:15")  # 45 numbing + 30 procedure
    assert visit.provider_busy_from == local("2027-03-11", "10:45")
    assert visit.room_busy_until == local("2027-03-11", "11:30")
    assert visit.room_id == world.rose.id  # the first free room
    assert [e.kind for e in visit.events] == ["booked"]
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "book"))


def test_the_same_provider_is_refused_with_the_visit_named(world: World) -> None:
    first = book(world, world.maya.id, local("2027-03-11", "10:00"), world.ana.id)
    db.session.commit()
    with pytest.raises(Conflict) as refusal:  # Ana would treat both 11:00-11:15
        book(world, world.noor.id, local("2027-03-11", "10:15"), world.ana.id)
    assert refusal.value.conflicts == [{"kind": "provider", "appointment_id": first.id}]


def test_processing_time_lets_one_provider_numb_in_another_room(world: World) -> None:
    """Ana treats Maya 10:45-11:15 after her cream has set; Noor arrives at 10:30 and numbs
    in the other room while Ana treats Maya, then Ana treats Noor 11:15-11:45."""
    book(world, world.maya.id, local("2027-03-11", "10:00"), world.ana.id)
    second = book(world, world.noor.id, local("2027-03-11", "10:30"), world.ana.id)
    assert second.room_id == world.sage.id
    db.session.commit()


def test_the_patient_cannot_be_in_two_visits(world: World) -> None:
    first = book(world, world.maya.id, local("2027-03-11", "10:00"), world.ana.id)
    with pytest.raises(Conflict) as refusal:
        book(world, world.maya.id, local("2027-03-11", "10:30"), world.sam.id)
    assert {"kind": "patient", "appointment_id": first.id} in refusal.value.conflicts


def test_rules_come_before_conflicts(world: World) -> None:
    book(world, world.maya.id, local("2027-03-11", "10:00"), world.ana.id)
    with pytest.raises(RuleBroken) as refusal:  # taken AND inside the lead time
        book(world, world.maya.id, world.now + timedelta(minutes=30), world.ana.id)
    assert "start" in refusal.value.fields


@pytest.mark.parametrize(
    ("start", "sentence"),
    [
        (local("2027-03-10", "08:00"), "already passed"),
        (local("2027-03-10", "10:00"), "too soon"),
        (local("2027-03-14", "10:00"), "opening hours"),  # a Sunday: closed
        (local("2027-03-11", "12:30"), "not working"),  # runs into the 13:00 break
        (local("2028-03-10", "10:00"), "too far ahead"),
    ],
)
def test_times_that_break_a_rule_are_422(world: World, start, sentence: str) -> None:
    with pytest.raises(RuleBroken) as refusal:
        book(world, world.maya.id, start, world.ana.id)
    assert sentence in refusal.value.fields["start"]


def test_unknown_ids_are_named_fields(world: World) -> None:
    with pytest.raises(RuleBroken) as refusal:
        book_appointment(
            BookingRequest(999, 998, local("2027-03-11", "10:00"), 997),
            clinic=world.clinic,
            actor=STAFF,
            now=world.now,
        )
    assert set(refusal.value.fields) == {"patient_id", "service_id", "provider_id"}


def test_microneedling_needs_an_eligible_screening(world: World) -> None:
    record_screening(
        world.maya, {**NO, "pregnant": True}, clinic=world.clinic, actor=STAFF, now=world.now
    )
    with pytest.raises(RuleBroken, match="pregnant"):
        book(world, world.maya.id, local("2027-03-11", "10:00"))
    clearance = Clearance("Cleared by Dr. Shah", STAFF)
    with pytest.raises(RuleBroken, match="No sign-off can clear"):
        book(world, world.maya.id, local("2027-03-11", "10:00"), clearance=clearance)


def test_a_sign_off_item_is_cleared_for_one_visit(world: World) -> None:
    record_screening(
        world.maya, {**NO, "recent_sunburn": True}, clinic=world.clinic, actor=STAFF, now=world.now
    )
    with pytest.raises(RuleBroken, match="sign-off"):
        book(world, world.maya.id, local("2027-03-11", "10:00"))
    clinician = STAFF.__class__(label="Dr. Shah (clinician)")
    visit = book(
        world,
        world.maya.id,
        local("2027-03-11", "10:00"),
        clearance=Clearance("Sunburn healed; checked in person", clinician),
    )
    assert visit.clearance_reason == "Sunburn healed; checked in person"
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "clear"))


def test_age_rules(world: World) -> None:
    teen = add_patient("teen", world.now.date().replace(year=2010), world.now)
    young = add_patient("young", world.now.date().replace(year=2006), world.now)
    for patient in (teen, young):
        record_screening(patient, NO, clinic=world.clinic, actor=STAFF, now=world.now)
    with pytest.raises(RuleBroken, match="aged 18 and over"):
        book(world, teen.id, local("2027-03-11", "10:00"))
    with pytest.raises(RuleBroken, match="sign off"):
        book(world, young.id, local("2027-03-11", "10:00"))
    assert book(
        world,
        young.id,
        local("2027-03-11", "10:00"),
        clearance=Clearance("Parental consent on file", STAFF),
    ).id


def test_results_check_in_needs_no_screening(world: World) -> None:
    fresh = add_patient("fresh", world.maya.date_of_birth, world.now)
    visit = book(world, fresh.id, local("2027-03-11", "10:00"), service=world.check_in)
    assert visit.ends_at - visit.starts_at == timedelta(minutes=15)


def test_without_a_provider_the_first_free_one_is_chosen(world: World) -> None:
    book(world, world.maya.id, local("2027-03-11", "10:00"), world.ana.id)
    visit = book(world, world.noor.id, local("2027-03-11", "10:15"))  # Ana busy at 11:00
    assert visit.provider_id == world.sam.id


def test_reschedule_moves_and_keeps_history(world: World) -> None:
    visit = book(world, world.maya.id, local("2027-03-11", "10:00"), world.ana.id)
    reschedule_appointment(
        visit, local("2027-03-12", "14:00"), None, clinic=world.clinic, actor=STAFF, now=world.now
    )
    db.session.commit()
    assert visit.starts_at == local("2027-03-12", "14:00")
    kinds = [event.kind for event in visit.events]
    assert kinds == ["booked", "rescheduled"]
    assert visit.events[1].details["from"]["start"].startswith("2027-03-11T18:00")


def test_a_visit_can_move_onto_its_own_time(world: World) -> None:
    visit = book(world, world.maya.id, local("2027-03-11", "10:00"), world.ana.id)
    reschedule_appointment(
        visit, local("2027-03-11", "10:15"), None, clinic=world.clinic, actor=STAFF, now=world.now
    )
    assert visit.starts_at == local("2027-03-11", "10:15")


def test_a_move_onto_its_own_time_keeps_every_rule_and_changes_nothing(world: World) -> None:
    """The engine judges a move to the time a visit has like any other (API.md): allowed,
    it records nothing and tells the patient nothing (a retried request, say); once that
    time has passed, it is refused."""
    visit = book(world, world.maya.id, local("2027-03-11", "10:00"), world.ana.id)
    db.session.commit()
    planned = db.session.scalar(sa.select(sa.func.count(Message.id)))
    for provider_id in (None, world.ana.id):
        move_visit(
            visit,
            local("2027-03-11", "10:00"),
            provider_id,
            clinic=world.clinic,
            actor=STAFF,
            now=world.now,
        )
    db.session.commit()
    assert [event.kind for event in visit.events] == ["booked"]
    assert db.session.scalar(sa.select(sa.func.count(Message.id))) == planned
    with pytest.raises(RuleBroken, match="passed"):
        move_visit(
            visit,
            local("2027-03-11", "10:00"),
            None,
            clinic=world.clinic,
            actor=STAFF,
            now=local("2027-03-11", "10:30"),
        )


def test_cancel_frees_the_time_and_flags_late_cancellations(world: World) -> None:
    early = book(world, world.maya.id, local("2027-03-11", "10:00"), world.ana.id)
    cancel_appointment(
        early, "Moving house", clinic=world.clinic, actor=STAFF, now=world.now
    )  # 25 hours before
    assert not early.is_late_cancellation and early.cancel_reason == "Moving house"
    again = book(world, world.noor.id, local("2027-03-11", "10:00"), world.ana.id)
    cancel_appointment(
        again, "Feeling unwell", clinic=world.clinic, actor=STAFF, now=local("2027-03-11", "08:00")
    )
    assert again.is_late_cancellation
    assert [e.kind for e in again.events] == ["booked", "cancelled"]


def test_status_changes_follow_the_rules(world: World) -> None:
    visit = book(world, world.maya.id, local("2027-03-11", "10:00"), world.ana.id)
    with pytest.raises(RuleBroken, match="only on its day"):
        change_status(
            visit, AppointmentStatus.CHECKED_IN, clinic=world.clinic, actor=STAFF, now=world.now
        )
    on_the_day = local("2027-03-11", "09:55")
    change_status(
        visit, AppointmentStatus.CHECKED_IN, clinic=world.clinic, actor=STAFF, now=on_the_day
    )
    with pytest.raises(RuleBroken, match="before it starts"):
        change_status(
            visit, AppointmentStatus.COMPLETED, clinic=world.clinic, actor=STAFF, now=on_the_day
        )
    change_status(
        visit,
        AppointmentStatus.COMPLETED,
        clinic=world.clinic,
        actor=STAFF,
        now=local("2027-03-11", "11:20"),
    )
    with pytest.raises(RuleBroken, match="cannot be"):
        cancel_appointment(
            visit, "Too late", clinic=world.clinic, actor=STAFF, now=local("2027-03-11", "11:30")
        )


def test_check_in_needs_a_fresh_screening(world: World) -> None:
    visit = book(world, world.maya.id, local("2027-03-25", "10:00"), world.ana.id)
    with pytest.raises(RuleBroken, match="screening"):
        change_status(
            visit,
            AppointmentStatus.CHECKED_IN,
            clinic=world.clinic,
            actor=STAFF,
            now=local("2027-03-25", "09:50"),
        )
    record_screening(
        world.maya, NO, clinic=world.clinic, actor=STAFF, now=local("2027-03-25", "09:52")
    )
    change_status(
        visit,
        AppointmentStatus.CHECKED_IN,
        clinic=world.clinic,
        actor=STAFF,
        now=local("2027-03-25", "09:55"),
    )
    assert visit.status is AppointmentStatus.CHECKED_IN


def test_incomplete_screening_names_each_missing_answer(world: World) -> None:
    answers = {**NO}
    del answers["pregnant"]
    answers["oral_herpes"] = "maybe"
    with pytest.raises(RuleBroken) as refusal:
        record_screening(world.maya, answers, clinic=world.clinic, actor=STAFF, now=world.now)
    assert set(refusal.value.fields) == {"answers.pregnant", "answers.oral_herpes"}


def test_postgres_refuses_overlaps_even_past_the_application(
    world: World, is_postgres: bool
) -> None:
    """The exclusion constraints are the last defence: a raw insert that skips every check
    is still refused."""
    if not is_postgres:
        pytest.skip("exclusion constraints exist on PostgreSQL; SQLite serialises instead")
    first = book(world, world.maya.id, local("2027-03-11", "10:00"), world.ana.id)
    db.session.commit()
    clone = Appointment(
        patient_id=world.noor.id,
        service_id=world.face.id,
        provider_id=world.ana.id,
        room_id=world.sage.id,
        status=AppointmentStatus.BOOKED,
        starts_at=first.starts_at,
        ends_at=first.ends_at,
        provider_busy_from=first.provider_busy_from,
        room_busy_until=first.room_busy_until,
        created_at=world.now,
    )
    db.session.add(clone)
    with pytest.raises(IntegrityError, match="ex_appointments_provider"):
        db.session.flush()
    db.session.rollback()


def test_a_yes_on_the_arrival_screening_stops_the_check_in(world: World) -> None:
    """The fresh screening exists to catch a new cold sore or a pregnancy before needling."""
    visit = book(world, world.maya.id, local("2027-03-25", "10:00"), world.ana.id)
    record_screening(
        world.maya,
        {**NO, "oral_herpes": True},
        clinic=world.clinic,
        actor=STAFF,
        now=local("2027-03-25", "09:50"),
    )
    with pytest.raises(RuleBroken, match="a cold sore now"):
        change_status(
            visit,
            AppointmentStatus.CHECKED_IN,
            clinic=world.clinic,
            actor=STAFF,
            now=local("2027-03-25", "09:55"),
        )
    assert visit.status is AppointmentStatus.BOOKED


def test_a_race_lost_at_the_database_keeps_what_the_transaction_did_before(
    world: World, is_postgres: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A visit booked earlier in the same transaction survives a later booking's lost race:
    only that booking is undone (the demo clinic books many visits in one transaction)."""
    if not is_postgres:
        pytest.skip("PostgreSQL only: SQLite serialises bookings before the check")
    from clinic.scheduling import booking_guard

    earlier = book(world, world.maya.id, local("2027-03-11", "10:00"), world.ana.id)
    monkeypatch.setattr(booking_guard, "busy_visits", lambda *args: [])  # blind to it
    with pytest.raises(Conflict):
        book(world, world.noor.id, local("2027-03-11", "10:00"), world.ana.id)
    db.session.commit()
    assert db.session.get(Appointment, earlier.id) is not None


def test_a_booking_that_dies_in_a_deadlock_with_a_racing_one_is_a_409(world: World) -> None:
    """Racing inserts may each wait on the other's uncommitted row under the exclusion
    constraints; PostgreSQL fails one with "deadlock detected" (SQLSTATE 40P01). That
    booking lost the race: the answer is the 409 naming the winner, not a 500 (a busy CI
    machine showed it with the concurrency test)."""
    import psycopg
    from sqlalchemy.exc import OperationalError

    from clinic.scheduling.booking_guard import Calendar, flush_guarded
    from clinic.scheduling.slots import BookingCheck

    winner = book(world, world.maya.id, local("2027-03-11", "10:00"), world.ana.id)
    db.session.commit()

    def deadlocked() -> None:
        raise OperationalError("INSERT INTO appointments", {}, psycopg.errors.DeadlockDetected())

    def recheck() -> BookingCheck:  # as the booking's own check, made again now
        calendar = Calendar.around(winner.starts_at, clinic=world.clinic, now=world.now)
        return calendar.check(world.face, winner.starts_at, world.ana.id, patient_id=world.noor.id)

    with pytest.raises(Conflict) as refusal:
        flush_guarded(deadlocked, recheck)
    assert {"kind": "provider", "appointment_id": winner.id} in refusal.value.conflicts
