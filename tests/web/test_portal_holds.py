"""What the portal tells a patient who cannot simply book, and the pages she comes back to:
screening or age hold her (she is told why and what helps, not "no free times"), a session
whose days passed (call us), a time that is not offered (the grid is the clinic's), and
the browser's Back button after booking or cancelling (where things stand, not an error).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from clinic.clock import utcnow
from clinic.extensions import db
from clinic.reminders.models import Message
from clinic.scheduling.models import Appointment
from tests.web.booking_world import LA, World, build_world, local_today, weekday
from tests.web.test_portal import portal_sign_in, time_links
from tests.web.test_portal_walkthrough import _book, _page, _plan, _said


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


def _visits(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Appointment.id))) or 0


def test_without_a_screening_she_is_asked_to_answer_it_first(
    app: Flask, client: FlaskClient, world: World
) -> None:
    [first, _] = _plan(app, world.unscreened, ("fine_lines",))
    portal_sign_in(client, app, world.unscreened)

    home = _page(client, "/portal/")
    assert "Answer the health questions, then book session 1" in _said(home)
    assert 'href="/portal/screening"' in home

    booking = _said(_page(client, f"/portal/book/session/{first}"))
    assert "please answer the health questions" in booking
    assert "no free times" not in booking


@pytest.mark.parametrize("who", ["sunburnt", "young"])
def test_a_yes_on_the_screening_or_her_age_asks_her_to_call(
    app: Flask, client: FlaskClient, world: World, who: str
) -> None:
    patient = getattr(world, who)
    [first, _] = _plan(app, patient, ("fine_lines",))
    portal_sign_in(client, app, patient)

    home = _page(client, "/portal/")
    assert "Session 1: Before you book, we would like to talk with you" in _said(home)
    assert 'href="tel:+14155550100"' in home
    assert f"/portal/book/session/{first}" not in home

    booking = _said(_page(client, f"/portal/book/session/{first}"))
    assert "we would like to talk with you about your treatment. Please call us." in booking
    assert "no free times" not in booking


def test_after_a_yes_moving_her_visit_asks_her_to_call_not_to_choose_another_day(
    app: Flask, client: FlaskClient, world: World
) -> None:
    from clinic.scheduling.screening import Contraindication

    visit = _book(app, world, weekday(2), 10)
    portal_sign_in(client, app, world.maya)
    answers = {code.value: "no" for code in Contraindication} | {"recent_sunburn": "yes"}
    assert client.post("/portal/screening", data=answers).status_code == 302

    moving = _said(_page(client, f"/portal/appointments/{visit}/reschedule"))

    assert "we would like to talk with you about your treatment. Please call us." in moving
    assert "Please choose another day" not in moving and "Choose a day" not in moving


def test_a_window_that_opened_days_ago_is_offered_from_the_first_day_she_can_book(
    app: Flask, client: FlaskClient, world: World
) -> None:
    began = local_today() - timedelta(days=5)
    [first, _] = _plan(app, world.maya, ("fine_lines",), began)
    portal_sign_in(client, app, world.maya)

    page = _said(_page(client, f"/portal/book/session/{first}"))

    first = (utcnow() + timedelta(hours=2)).astimezone(LA).date()  # the 2-hour lead time
    assert f"Any day from {began:%A} {began.day} {began:%B}" not in page
    assert f"Any day from {first:%A} {first.day} {first:%B}" in page


def test_a_session_whose_days_passed_asks_her_to_call(
    app: Flask, client: FlaskClient, world: World
) -> None:
    _plan(app, world.maya, ("fine_lines",), start=local_today() - timedelta(days=40))
    portal_sign_in(client, app, world.maya)

    home = _said(_page(client, "/portal/"))
    assert "The days for session 1 have passed. Please call us to find it a new time." in home
    plan = _said(_page(client, "/portal/plan"))
    assert "These days have passed. Please call us on (415) 555-0100 to find it a new time." in plan


def test_a_time_that_was_not_offered_is_not_booked(
    app: Flask, client: FlaskClient, world: World
) -> None:
    [first, _] = _plan(app, world.maya, ("fine_lines",))
    portal_sign_in(client, app, world.maya)
    day = weekday(0)
    offered = time_links(_page(client, f"/portal/book/session/{first}?day={day.isoformat()}"))
    assert offered  # the day has free times
    provider = offered[0].split("provider_id=")[1].split("&")[0]
    off_grid = datetime.combine(day, time(10, 7), tzinfo=LA).isoformat()  # not on the grid

    refused = client.post(
        f"/portal/book/session/{first}", data={"start": off_grid, "provider_id": provider}
    )

    assert refused.status_code == 409
    assert "Someone has just taken that time" in _said(refused.get_data(as_text=True))
    assert _visits(app) == 0


def test_back_after_booking_or_cancelling_shows_where_things_stand(
    app: Flask, client: FlaskClient, world: World
) -> None:
    [first, _] = _plan(app, world.maya, ("fine_lines",))
    visit = _book(app, world, weekday(3), 10, first)
    portal_sign_in(client, app, world.maya)

    back = client.get(f"/portal/book/session/{first}")
    assert back.status_code == 302 and back.headers["Location"] == f"/portal/appointments/{visit}"
    assert "Session 1 is booked:" in _said(_page(client, back.headers["Location"]))

    form = _page(client, f"/portal/appointments/{visit}/cancel")
    assert " checked" not in form  # no reason chosen for her
    vague = client.post(f"/portal/appointments/{visit}/cancel", data={"reason": "Something else"})
    assert vague.status_code == 422
    assert "Please tell us in a few words" in vague.get_data(as_text=True)
    done = client.post(
        f"/portal/appointments/{visit}/cancel",
        data={"reason": "I am unwell", "details": "Fever since Friday, please call me"},
    )
    assert done.status_code == 302
    with app.app_context():
        reason = db.session.get(Appointment, visit).cancel_reason
    assert reason == "Patient (portal): I am unwell: Fever since Friday, please call me"

    again = client.get(f"/portal/appointments/{visit}/cancel")
    assert again.status_code == 302
    assert "is cancelled." in _said(_page(client, again.headers["Location"]))


def test_back_to_the_confirm_page_after_moving_changes_nothing(
    app: Flask, client: FlaskClient, world: World
) -> None:
    """After a move, Back shows the confirm page for the time the visit now has: opening it
    or sending it again says so, and no second move, history entry or message follows."""
    visit = _book(app, world, weekday(3), 10)
    with app.app_context():
        moved_to = datetime.combine(weekday(3), time(14), tzinfo=LA)
        ana = db.session.get(Appointment, visit).provider_id
    portal_sign_in(client, app, world.maya)
    path = f"/portal/appointments/{visit}/reschedule"
    pick = {"start": moved_to.isoformat(), "provider_id": ana}
    assert client.post(path, data=pick).status_code == 302
    with app.app_context():
        events, messages = _history(visit)

    _page(client, f"/portal/appointments/{visit}")  # where the move took her
    for method in ("GET", "POST"):
        answer = client.open(
            path, method=method, **{"query_string" if method == "GET" else "data": pick}
        )
        assert answer.status_code == 302
        assert answer.headers["Location"] == f"/portal/appointments/{visit}"
        page = _said(_page(client, answer.headers["Location"]))
        assert "Your visit is at this time already: nothing has changed." in page
    with app.app_context():
        assert _history(visit) == (events, messages)


def _history(visit_id: int) -> tuple[list[str], int]:
    """The visit's history entries and how many messages were made for it."""
    visit = db.session.get(Appointment, visit_id)
    assert visit is not None
    made = db.session.scalar(
        select(func.count(Message.id)).where(Message.appointment_id == visit_id)
    )
    return [event.kind for event in visit.events], made or 0


def test_answers_given_weeks_ahead_say_they_will_be_asked_again(
    app: Flask, client: FlaskClient, world: World
) -> None:
    from clinic.scheduling.screening import Contraindication

    far = weekday(0) + timedelta(weeks=5)
    visit = _book(app, world, far, 10)
    portal_sign_in(client, app, world.maya)
    answers = {code.value: "no" for code in Contraindication}

    done = client.post(
        f"/portal/screening?appointment_id={visit}", data=answers, follow_redirects=True
    )

    assert done.status_code == 200
    page = _said(done.get_data(as_text=True))
    again_from = far - timedelta(days=7)
    assert "we will ask these questions again from" in page
    assert f"{again_from:%A} {again_from.day} {again_from:%B}" in page


def test_a_check_in_left_too_soon_by_a_later_last_session_asks_her_for_a_new_day(
    app: Flask, client: FlaskClient, world: World
) -> None:
    from clinic.practice.models import Service
    from tests.clinics import retime_visit, write_visit

    [_, second] = _plan(app, world.maya, ("fine_lines",))
    with app.app_context():
        from clinic.plans.models import PlannedSession

        session = db.session.get(PlannedSession, second)
        assert session is not None
        plan = session.plan
        face = db.session.get(Service, world.face)
        check_in = db.session.get(Service, world.check_in)
        assert face is not None and check_in is not None
        last_on = session.target_date
        last = write_visit(
            world.maya, face, world.ana, world.rose, datetime.combine(last_on, time(10), tzinfo=LA)
        )
        session.appointment = last
        results_on = last_on + timedelta(days=45)
        plan.results_appointment = write_visit(
            world.maya,
            check_in,
            world.ana,
            world.rose,
            datetime.combine(results_on, time(11), tzinfo=LA),
        )
        db.session.commit()
        last_id = last.id
    portal_sign_in(client, app, world.maya)
    assert "too soon for your results" not in _said(_page(client, "/portal/plan"))

    with app.app_context():
        retime_visit(last_id, datetime.combine(last_on + timedelta(days=10), time(10), tzinfo=LA))
        db.session.commit()
    page = _said(_page(client, "/portal/plan"))

    opens = last_on + timedelta(days=10 + 42)
    assert "Your last session is now later, so this is too soon for your results to show" in page
    assert f"choose a day from {opens.day} {opens:%B %Y} to" in page


def test_a_yes_with_nothing_booked_asks_her_to_call_before_booking(
    app: Flask, client: FlaskClient, world: World
) -> None:
    from clinic.scheduling.screening import Contraindication

    portal_sign_in(client, app, world.maya)
    answers = {code.value: "no" for code in Contraindication} | {"recent_sunburn": "yes"}

    answered = client.post("/portal/screening", data=answers, follow_redirects=True)

    page = _said(answered.get_data(as_text=True))
    assert "Please call the clinic on (415) 555-0100 before you book a treatment." in page
    assert "your visit" not in page and "your visits" not in page


def test_a_window_is_worded_by_the_days_the_clinic_opens(
    app: Flask, client: FlaskClient, world: World
) -> None:
    """Its last day is a closure (or a Sunday, when the clinic is shut): the plan page and
    the to-do name the last day she can choose."""
    from clinic.plans.models import PlannedSession
    from clinic.practice.models import Closure

    [first, _] = _plan(app, world.maya, ("fine_lines",))
    with app.app_context():
        session = db.session.get(PlannedSession, first)
        assert session is not None
        end = session.window_end
        db.session.add(Closure(on=end, name="Staff training"))
        db.session.commit()
    last = end - timedelta(days=1)
    while last.weekday() == 6:  # the test clinic opens Monday to Saturday
        last -= timedelta(days=1)
    portal_sign_in(client, app, world.maya)

    for path in ("/portal/plan", "/portal/"):
        page = _said(_page(client, path))
        assert f"to {last.day} {last:%B}" in page, path
        assert f"to {end.day} {end:%B}" not in page, path
