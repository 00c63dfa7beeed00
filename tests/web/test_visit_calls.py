"""The call list names booked visits that need a word before they happen, and the portal
tells her to call: a "yes" on a screening answered after booking, a day the clinic closed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from clinic.extensions import db
from clinic.operations import VisitRequest, book_visit
from clinic.patients.models import Patient
from clinic.practice.models import Closure
from clinic.practice.service import get_clinic
from clinic.scheduling.models import Screening
from clinic.scheduling.screening import Contraindication
from clinic.scheduling.screenings import record_screening
from tests.conftest import sign_in
from tests.web.booking_world import DESK, LA, World, build_world, local_today, weekday
from tests.web.test_portal import portal_sign_in
from tests.web.test_portal_walkthrough import _book, _page, _said


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


def _book_noor(app: Flask, world: World, on: date, hour: int) -> int:
    with app.test_request_context():
        visit = book_visit(
            VisitRequest(world.noor, world.face, datetime.combine(on, time(hour), LA), world.sam),
            clinic=get_clinic(),
            actor=DESK,
            now=datetime.now(UTC),
        )
        db.session.commit()
        return visit.id


def _answers_yes_to_pregnancy(app: Flask, patient_id: int) -> None:
    answers = {code.value: code is Contraindication.PREGNANT for code in Contraindication}
    with app.test_request_context():
        patient = db.session.get(Patient, patient_id)
        record_screening(patient, answers, clinic=get_clinic(), actor=DESK, now=datetime.now(UTC))
        db.session.commit()


def test_a_yes_after_booking_puts_the_visit_on_the_call_list_and_asks_her_to_call(
    app: Flask, client: FlaskClient, staff: dict[str, str], world: World
) -> None:
    visit = _book(app, world, weekday(1), 10)
    _answers_yes_to_pregnancy(app, world.maya)

    portal_sign_in(client, app, world.maya)
    assert "Please call us before this visit." in _said(
        _page(client, f"/portal/appointments/{visit}")
    )
    assert "Please call us before this visit." in _said(_page(client, "/portal/"))

    desk = app.test_client()
    sign_in(desk, staff["front_desk"])
    calls = _page(desk, "/plans/call-list")
    row = calls.split(f'href="/visits/{visit}"')[0].rsplit("<tr>", 1)[1]
    assert "Maya Test" in row
    assert (
        "Talk with the patient first: The screening found what rules out microneedling: "
        "pregnant or breastfeeding." in _said(row)
    )


def test_a_visit_on_a_day_since_closed_is_on_the_call_list(
    app: Flask, client: FlaskClient, staff: dict[str, str], world: World
) -> None:
    day = weekday(2)
    afternoon = _book_noor(app, world, day, 15)
    visit = _book(app, world, day, 10)
    with app.app_context():
        db.session.add(Closure(on=day, name="Staff training"))
        db.session.commit()
    sign_in(client, staff["front_desk"])

    calls = _said(_page(client, "/plans/call-list"))

    assert "Needs a new time: the clinic is closed that day" in calls
    assert "asked to choose a new time" not in calls
    with app.app_context():
        db.session.get(Patient, world.maya).email_consent = True
        db.session.commit()
    client.post("/visits/new-time-requests", data={"appointment_ids": [visit], "next": "/"})
    page = _page(client, "/plans/call-list")
    assert "(asked to choose a new time " in _said(page)
    # The day's visits in the order of the day, each with its time.
    assert page.index(f'href="/visits/{visit}"') < page.index(f'href="/visits/{afternoon}"')
    assert f"{day:%a} {day.day} {day:%b}, 10:00" in calls


def test_a_screening_only_too_old_is_not_a_call(
    app: Flask, client: FlaskClient, staff: dict[str, str], world: World
) -> None:
    """The reminder asks her to answer the questions again, and the desk can on arrival."""
    _book(app, world, weekday(1), 10)
    with app.app_context():
        long_ago = local_today() - timedelta(days=400)
        db.session.execute(
            update(Screening)
            .where(Screening.patient_id == world.maya)
            .values(taken_on=long_ago, valid_until=long_ago + timedelta(days=365))
        )
        db.session.commit()
    sign_in(client, staff["front_desk"])

    assert "Maya Test" not in _said(_page(client, "/plans/call-list"))


def test_a_session_to_book_says_when_the_patient_must_talk_with_a_clinician_first(
    app: Flask, client: FlaskClient, staff: dict[str, str], world: World
) -> None:
    """The portal asks a 20-year-old to call before booking: the call list says why."""
    from tests.web.test_portal_walkthrough import _plan

    _plan(app, world.young, ("fine_lines",))
    _plan(app, world.noor, ("fine_lines",))
    sign_in(client, staff["front_desk"])

    calls = _said(_page(client, "/plans/call-list"))

    young = calls.split("Young Test")[1].split("Open the plan")[0]
    assert "to book" in young and "talk with the patient first: The patient will be 20" in young
    noor = calls.split("Noor Test")[1].split("Open the plan")[0]
    assert "talk with the patient first" not in noor
