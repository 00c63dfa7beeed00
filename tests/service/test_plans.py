"""Plans against a real database: creation rules, booking a planned session, the gap and
cap at booking time whether or not the visit comes from the plan, pause, outcome."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from clinic.audit.models import AuditEntry
from clinic.errors import RuleBroken
from clinic.extensions import db
from clinic.operations import VisitRequest, book_visit, complete_visit, find_open_times, move_visit
from clinic.plans.creation import PlanRequest, create_plan
from clinic.plans.lifecycle import OutcomeInput, pause_plan, record_outcome, resume_plan
from clinic.plans.models import PlanStatus
from clinic.plans.rules import SessionStatus
from clinic.plans.service import results_check_in_window, status_of
from clinic.scheduling.availability import AvailabilityQuery
from clinic.scheduling.screenings import record_screening
from clinic.scheduling.service import change_status
from clinic.scheduling.status import AppointmentStatus
from tests.clinics import LA, complete_session
from tests.service.conftest import NO, STAFF, World, local

TODAY = date(2027, 3, 10)


def plan_for(
    world: World, indications=("fine_lines",), sessions=None, override=None, start=date(2027, 3, 11)
):
    return create_plan(
        PlanRequest(world.maya.id, tuple(indications), start, sessions, override),
        clinic=world.clinic,
        actor=STAFF,
        today=TODAY,
        now=world.now,
    )


def book(world: World, start, session_id=None, patient=None, provider=None):
    return book_visit(
        VisitRequest(
            (patient or world.maya).id, world.face.id, start, (provider or world.ana).id, session_id
        ),
        clinic=world.clinic,
        actor=STAFF,
        now=world.now,
    )


def test_a_new_plan_takes_a_visit_already_booked_in_a_sessions_window(world: World) -> None:
    """Booked before the plan existed, inside session 1's days: it is session 1, not a
    visit the plan asks her to book again (and whose gap would refuse session 1)."""
    visit = book(world, local("2027-03-15", "10:00"))
    plan = plan_for(world)
    db.session.commit()
    first, second = plan.sessions
    assert first.appointment_id == visit.id and second.appointment_id is None
    assert status_of(first, date(2027, 3, 11)) is SessionStatus.BOOKED


def test_a_plan_of_two_with_targets_and_windows(world: World) -> None:
    plan = plan_for(world)
    db.session.commit()
    assert plan.sessions_per_year == 2 and plan.end_date == date(2028, 3, 11)
    first, second = plan.sessions
    assert (first.target_date, first.window_start) == (date(2027, 3, 11), date(2027, 3, 11))
    assert (second.target_date - first.target_date).days == 183  # moved off Sunday
    assert second.target_date.weekday() != 6  # the test clinic is closed on Sundays
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.entity == "plan"))


def test_more_than_two_needs_burn_scars_stretch_marks_or_an_override(world: World) -> None:
    with pytest.raises(RuleBroken) as refusal:
        plan_for(world, sessions=3)
    assert "burn scars or stretch marks" in refusal.value.fields["sessions_per_year"]
    assert len(plan_for(world, ["stretch_marks"], sessions=5).sessions) == 5


def test_override_with_reason_allows_three_to_five(world: World) -> None:
    plan = plan_for(world, sessions=4, override="Severe acne scarring; Dr. Shah")
    assert len(plan.sessions) == 4 and plan.override_reason
    with pytest.raises(RuleBroken, match="at most 5"):
        create_plan(
            PlanRequest(world.noor.id, ("fine_lines",), date(2027, 3, 11), 6, "x"),
            clinic=world.clinic,
            actor=STAFF,
            today=TODAY,
            now=world.now,
        )


def test_one_open_plan_per_patient(world: World) -> None:
    plan_for(world)
    with pytest.raises(RuleBroken, match="already has an active plan"):
        plan_for(world)


def test_booking_a_planned_session_inside_its_window(world: World) -> None:
    plan = plan_for(world, ["stretch_marks"], sessions=5)
    first = plan.sessions[0]
    with pytest.raises(RuleBroken, match="books between"):
        book(world, local("2027-04-05", "10:00"), first.id)
    visit = book(world, local("2027-03-12", "10:00"), first.id)
    db.session.commit()
    assert first.appointment_id == visit.id
    assert status_of(first, TODAY) is SessionStatus.BOOKED
    with pytest.raises(RuleBroken, match="already booked"):
        book(world, local("2027-03-13", "10:00"), first.id)


def test_a_visit_inside_a_due_window_becomes_that_session(world: World) -> None:
    plan = plan_for(world)
    visit = book(world, local("2027-03-12", "10:00"))
    assert plan.sessions[0].appointment_id == visit.id


def test_minimum_gap_applies_to_any_microneedling_visit(world: World) -> None:
    book(world, local("2027-03-12", "10:00"))  # no plan
    with pytest.raises(RuleBroken, match="28 days apart"):
        book(world, local("2027-04-02", "10:00"))
    assert book(world, local("2027-04-09", "10:00")).id


def test_without_a_plan_two_in_any_twelve_months(world: World) -> None:
    book(world, local("2027-03-12", "10:00"))
    book(world, local("2027-05-12", "10:00"))
    with pytest.raises(RuleBroken, match="at most 2 sessions in any twelve months"):
        book(world, local("2027-08-12", "10:00"))


def test_plan_year_cap_even_outside_the_plan(world: World) -> None:
    plan = plan_for(world)  # two a year
    book(world, local("2027-03-12", "10:00"), plan.sessions[0].id)
    book(world, local("2027-05-12", "10:00"))  # an extra visit, not from the plan
    with pytest.raises(RuleBroken, match="allows 2 sessions in its year"):
        book(world, local("2027-09-10", "10:00"), plan.sessions[1].id)


def test_moving_a_planned_visit_stays_in_its_window(world: World) -> None:
    plan = plan_for(world)
    visit = book(world, local("2027-03-12", "10:00"), plan.sessions[0].id)
    with pytest.raises(RuleBroken, match="books between"):
        move_visit(
            visit,
            local("2027-04-12", "10:00"),
            None,
            clinic=world.clinic,
            actor=STAFF,
            now=world.now,
        )
    move_visit(
        visit, local("2027-03-15", "10:00"), None, clinic=world.clinic, actor=STAFF, now=world.now
    )
    assert visit.starts_at == local("2027-03-15", "10:00")


def test_availability_applies_window_gap_and_cap(world: World) -> None:
    plan = plan_for(world, ["stretch_marks"], sessions=5)
    book(world, local("2027-03-12", "10:00"), plan.sessions[0].id)
    slots = find_open_times(
        AvailabilityQuery(world.face, date(2027, 3, 12), date(2027, 4, 30), patient=world.maya),
        clinic=world.clinic,
        now=world.now,
    )
    days = {s.start_utc.astimezone(local("2027-03-12", "00:00").tzinfo).date() for s in slots}
    assert days and min(days) >= date(2027, 4, 9)  # 28 days after 12 March
    second = plan.sessions[1]
    in_window = find_open_times(
        AvailabilityQuery(world.face, date(2027, 3, 12), date(2027, 6, 30), patient=world.maya),
        clinic=world.clinic,
        now=world.now,
        planned_session=second,
    )
    assert in_window
    assert all(
        second.window_start <= s.start_utc.date() <= second.window_end + timedelta(1)
        for s in in_window
    )
    for slot in in_window[:: max(1, len(in_window) // 5)][:3]:  # booking an offered slot works
        with db.session.begin_nested() as savepoint:
            visit = book(
                world,
                slot.start_utc,
                second.id,
                provider=db.session.get(type(world.ana), slot.provider_id),
            )
            assert visit.id
            savepoint.rollback()


def complete_late_first_session(world: World, plan) -> None:
    """Session 1 done on 20 March, nine days after its target: screened, checked in, done."""
    visit = book(world, local("2027-03-20", "10:00"), plan.sessions[0].id)
    record_screening(
        world.maya, NO, clinic=world.clinic, actor=STAFF, now=local("2027-03-20", "09:00")
    )
    change_status(
        visit,
        AppointmentStatus.CHECKED_IN,
        clinic=world.clinic,
        actor=STAFF,
        now=local("2027-03-20", "09:58"),
    )
    complete_visit(visit, clinic=world.clinic, actor=STAFF, now=local("2027-03-20", "11:20"))


def test_a_late_session_moves_the_later_targets(world: World) -> None:
    plan = plan_for(world, ["stretch_marks"], sessions=5)
    second_target = plan.sessions[1].target_date
    complete_late_first_session(world, plan)
    assert plan.sessions[1].target_date >= second_target + timedelta(days=9)


def test_results_check_in_window_follows_the_last_session(world: World) -> None:
    plan = plan_for(world)
    window = results_check_in_window(plan, world.clinic)
    last = plan.sessions[-1].target_date
    assert (window.start, window.end) == (last + timedelta(weeks=6), last + timedelta(weeks=8))


def test_pause_and_resume_move_due_sessions(world: World) -> None:
    plan = plan_for(world)
    target = plan.sessions[1].target_date
    pause_plan(plan, "Pregnancy", actor=STAFF, today=TODAY, now=world.now)
    assert plan.status is PlanStatus.PAUSED
    resume_plan(
        plan, clinic=world.clinic, actor=STAFF, today=TODAY + timedelta(days=100), now=world.now
    )
    assert plan.status is PlanStatus.ACTIVE
    assert plan.sessions[1].target_date >= target + timedelta(days=100)


def test_outcome_per_indication_completes_the_plan(world: World) -> None:
    plan = plan_for(world, ["fine_lines", "acne_scars"])
    whole = OutcomeInput({"fine_lines": "a_lot", "acne_scars": "some"}, 5, "Very happy", True)
    with pytest.raises(RuleBroken) as refusal:  # no treatment yet: nothing to judge
        record_outcome(plan, whole, actor=STAFF, now=world.now)
    assert refusal.value.message.startswith("No session of this plan has been done yet")
    complete_session(plan.sessions[0], world.face, world.ana.id, world.rose.id)
    with pytest.raises(RuleBroken) as refusal:
        record_outcome(
            plan, OutcomeInput({"fine_lines": "a_lot"}, 7, "", True), actor=STAFF, now=world.now
        )
    assert set(refusal.value.fields) == {"results.acne_scars", "patient_rating"}
    record_outcome(
        plan,
        OutcomeInput({"fine_lines": "a_lot", "acne_scars": "some"}, 5, "Very happy", True),
        actor=STAFF,
        now=world.now,
    )
    assert plan.status is PlanStatus.COMPLETED and plan.outcome.renew


def test_preview_checks_the_request_and_saves_nothing(world: World) -> None:
    from clinic.plans.creation import preview_plan
    from clinic.plans.models import Plan

    request = PlanRequest(world.maya.id, ("stretch_marks",), date(2027, 3, 11), 5)
    targets = preview_plan(request, clinic=world.clinic, today=TODAY)
    assert [t.number for t in targets] == [1, 2, 3, 4, 5]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Plan)) == 0
    with pytest.raises(RuleBroken) as refusal:
        preview_plan(
            PlanRequest(world.maya.id, ("fine_lines",), date(2027, 3, 11), 3),
            clinic=world.clinic,
            today=TODAY,
        )
    assert "sessions_per_year" in refusal.value.fields


def test_a_missed_session_gets_a_new_window_and_can_be_rebooked(world: World) -> None:
    from clinic.plans.service import reopen_session

    plan = plan_for(world, start=TODAY - timedelta(days=60))
    first = plan.sessions[0]
    assert status_of(first, TODAY) is SessionStatus.MISSED
    with pytest.raises(RuleBroken):
        reopen_session(
            plan.sessions[1], clinic=world.clinic, actor=STAFF, today=TODAY, now=world.now
        )
    reopen_session(first, clinic=world.clinic, actor=STAFF, today=TODAY, now=world.now)
    assert first.window_start == TODAY
    assert first.window_end < plan.sessions[1].window_start
    assert status_of(first, TODAY) is SessionStatus.DUE
    visit = book(world, local("2027-03-15", "10:00"), first.id)
    db.session.commit()
    assert first.appointment_id == visit.id
    assert status_of(first, TODAY) is SessionStatus.BOOKED


def test_a_missed_session_squeezed_by_the_next_window_is_refused(world: World) -> None:
    from clinic.plans.service import reopen_session

    plan = plan_for(world, start=TODAY - timedelta(days=60))
    plan.sessions[1].window_start = TODAY - timedelta(days=1)
    with pytest.raises(RuleBroken) as refusal:
        reopen_session(
            plan.sessions[0], clinic=world.clinic, actor=STAFF, today=TODAY, now=world.now
        )
    assert "session 2" in refusal.value.message


def test_the_call_list_asks_for_an_overdue_results_check_in_only_after_a_course(
    world: World,
) -> None:
    """A course whose sessions were all booked and whose check-in window passed unbooked is
    a call to make; a plan whose sessions were never had is not (there are no results)."""
    from clinic.plans.call_list import call_list

    plan = plan_for(world)
    window = results_check_in_window(plan, world.clinic)
    after = local((window.end + timedelta(days=1)).isoformat(), "09:00")
    assert "Results check-in overdue" not in [e.reason for e in call_list(world.clinic, after)]

    for session, day in zip(plan.sessions, ("2027-03-12", "2027-09-13"), strict=True):
        book(world, local(day, "10:00"), session.id)
    db.session.commit()
    window = results_check_in_window(plan, world.clinic)
    after = local((window.end + timedelta(days=1)).isoformat(), "09:00")
    reasons = [e.reason for e in call_list(world.clinic, after)]
    assert "Results check-in overdue" in reasons


def test_a_time_in_the_past_is_refused_as_past_not_as_too_close_to_her_session(
    world: World,
) -> None:
    book(world, local("2027-03-12", "10:00"))
    db.session.commit()

    with pytest.raises(RuleBroken) as refusal:
        book(world, local("2027-03-09", "10:00"))  # yesterday, three days before her session

    assert refusal.value.message == "This time has already passed."
    assert refusal.value.fields == {"start": "This time has already passed."}


def test_a_plan_changed_to_burn_scars_gets_more_sessions_after_the_booked_one(
    world: World,
) -> None:
    from clinic.plans.lifecycle import PlanChange, change_plan

    plan = plan_for(world)
    book(world, local("2027-03-12", "10:00"), plan.sessions[0].id)
    first = (plan.sessions[0].target_date, plan.sessions[0].window_end)

    change_plan(
        plan,
        PlanChange(("fine_lines", "burn_scars"), 4),
        clinic=world.clinic,
        actor=STAFF,
        today=TODAY,
        now=world.now,
    )
    db.session.commit()

    assert plan.indications == ["burn_scars", "fine_lines"] and plan.sessions_per_year == 4
    assert [s.number for s in plan.sessions] == [1, 2, 3, 4]
    assert (plan.sessions[0].target_date, plan.sessions[0].window_end) == first
    assert plan.sessions[0].appointment_id is not None  # the booking stays the session's
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "change"))
    assert entry.changes["sessions_per_year"] == [2, 4]


def test_a_plan_change_follows_the_count_rules(world: World) -> None:
    from clinic.plans.lifecycle import PlanChange, change_plan

    plan = plan_for(world, ["burn_scars"], sessions=4)
    for change, message in [
        (PlanChange(("fine_lines",), 4), "more needs burn scars or stretch marks"),
        (PlanChange((), 2), "Choose at least one indication."),
        (PlanChange(("burn_scars",), 6), "at most 5 sessions"),
    ]:
        with pytest.raises(RuleBroken, match=message):
            change_plan(plan, change, clinic=world.clinic, actor=STAFF, today=TODAY, now=world.now)
    reasoned = PlanChange(("fine_lines",), 4, "Deep acne scars; discussed with Dr. Shah")
    change_plan(plan, reasoned, clinic=world.clinic, actor=STAFF, today=TODAY, now=world.now)
    assert plan.override_reason == "Deep acne scars; discussed with Dr. Shah"
    change_plan(
        plan,
        PlanChange(("fine_lines",), 2),
        clinic=world.clinic,
        actor=STAFF,
        today=TODAY,
        now=world.now,
    )
    assert plan.override_reason is None and len(plan.sessions) == 2  # no longer needed


def test_a_late_session_also_moves_a_later_one_whose_visit_was_cancelled(
    world: World,
) -> None:
    from clinic.operations import cancel_visit

    plan = plan_for(world, ["stretch_marks"], sessions=5)
    second = plan.sessions[1]
    second_target = second.target_date
    later = book(world, local(second.window_start.isoformat(), "10:00"), second.id)
    cancel_visit(later, "Away that week", clinic=world.clinic, actor=STAFF, now=world.now)
    db.session.commit()  # as the desk would: one request cancels, a later one completes
    complete_late_first_session(world, plan)

    assert second.target_date >= second_target + timedelta(days=9)


def book_check_in(world: World, start):
    return book_visit(
        VisitRequest(world.maya.id, world.check_in.id, start, world.ana.id),
        clinic=world.clinic,
        actor=STAFF,
        now=world.now,
    )


def test_a_second_results_check_in_for_a_plan_is_refused(world: World) -> None:
    """One check-in per course: the second would leave the first booked, no longer the
    plan's, and the patient with two."""
    plan = plan_for(world)
    check_in = book_check_in(world, local("2027-10-25", "10:00"))
    db.session.commit()
    assert plan.results_appointment_id == check_in.id

    with pytest.raises(RuleBroken, match="is booked for Monday 25 October 2027 at 10:00; move"):
        book_check_in(world, local("2027-11-01", "10:00"))


def test_a_results_check_in_is_not_before_its_window(world: World) -> None:
    """The results show six to eight weeks after the last session: a check-in before that
    window is refused, and a search for one offers no day before it."""
    plan = plan_for(world)  # two sessions from 11 March 2027: the window opens 22 October
    window = results_check_in_window(plan, world.clinic)
    assert (window.start, window.end) == (date(2027, 10, 22), date(2027, 11, 5))
    with pytest.raises(RuleBroken, match="between Friday 22 October 2027 and Friday 5 Novem"):
        book_check_in(world, local("2027-05-03", "10:00"))
    slots = find_open_times(
        AvailabilityQuery(
            world.check_in, date(2027, 10, 18), date(2027, 10, 23), patient=world.maya
        ),
        clinic=world.clinic,
        now=world.now,
    )
    assert slots and min(s.start_utc.astimezone(LA).date() for s in slots) == date(2027, 10, 22)


def test_a_clinicians_reason_covers_the_count_it_allowed_not_more(world: World) -> None:
    from clinic.plans.lifecycle import PlanChange, change_plan

    plan = plan_for(world, sessions=3, override="Deep acne scars; discussed with Dr. Shah")

    with pytest.raises(RuleBroken, match="more needs burn scars or stretch marks"):
        change_plan(
            plan,
            PlanChange(("fine_lines",), 5),  # the desk, with no new reason
            clinic=world.clinic,
            actor=STAFF,
            today=TODAY,
            now=world.now,
        )
    assert plan.sessions_per_year == 3
    change_plan(
        plan,
        PlanChange(("fine_lines", "acne_scars"), 3),  # the same count: the reason still holds
        clinic=world.clinic,
        actor=STAFF,
        today=TODAY,
        now=world.now,
    )
    assert plan.override_reason == "Deep acne scars; discussed with Dr. Shah"


def test_next_years_plan_waits_for_the_last_month_and_this_years_check_in(
    world: World,
) -> None:
    """Renewing closes the open plan: only in its plan year's last month, starting once
    that year ends, and with its results check-in booked (or its time past)."""
    # Ends 1 April 2027, its last month now; its check-in window runs to mid-March.
    old = plan_for(world, ["stretch_marks"], sessions=5, start=date(2026, 4, 1))
    renewal = PlanRequest(
        world.maya.id, ("fine_lines",), date(2027, 4, 1), 2, renewed_from_id=old.id
    )

    def create(request: PlanRequest, today: date = TODAY):
        return create_plan(request, clinic=world.clinic, actor=STAFF, today=today, now=world.now)

    with pytest.raises(RuleBroken, match="next year's plan can be made from"):
        create(renewal, today=date(2026, 10, 1))
    with pytest.raises(RuleBroken, match="Book the results check-in first"):
        create(renewal)  # its sessions' results are due from 6 weeks after the last target
    assert old.status is PlanStatus.ACTIVE

    book_visit(
        VisitRequest(world.maya.id, world.check_in.id, local("2027-03-12", "10:00"), world.ana.id),
        clinic=world.clinic,
        actor=STAFF,
        now=world.now,
    )
    db.session.commit()  # booked at the desk; the renewal comes in another request
    with pytest.raises(RuleBroken, match="starts once this plan year ends"):
        create(PlanRequest(world.maya.id, ("fine_lines",), TODAY, 2, renewed_from_id=old.id))
    new = create(renewal)
    assert old.status is PlanStatus.COMPLETED and new.status is PlanStatus.ACTIVE
    assert old.results_appointment is not None  # the check-in stays this course's
