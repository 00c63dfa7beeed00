"""From a setup warning's list, or a visit's page, the front desk asks the patients of
visits the clinic can no longer hold to choose a new time: the answer says who was asked,
who had been, and whom to call; the visit's history keeps it.

The pages read the real clock, so the visits are booked on days counted from today
(booking_world.weekday).
"""

from __future__ import annotations

from datetime import time

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.practice.models import Closure
from clinic.reminders.models import Message
from clinic.reminders.rules import MessageKind, MessageStatus
from tests.conftest import sign_in
from tests.web.booking_world import World, build_world, weekday
from tests.web.test_setup_warnings import CLOSE_DAY, _book, _saved_page, _signed_in_with_csrf

DAY = weekday(0)


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


def _close_day(app: Flask) -> None:
    with app.app_context():
        db.session.add(Closure(on=DAY, name="Staff day"))
        db.session.commit()


def _consenting(app: Flask, *patients: int) -> None:
    """The booking world's patients have not agreed to email; these now have."""
    with app.app_context():
        for patient_id in patients:
            db.session.get(Patient, patient_id).email_consent = True
        db.session.commit()


def _requests(app: Flask) -> list[tuple[int, MessageStatus]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(Message.appointment_id, Message.status).where(
                Message.kind == MessageKind.NEW_TIME_NEEDED
            )
        )
        return sorted((visit, status) for visit, status in rows)


def _form(page: str) -> str:
    return page.split('<form class="ask-new-times"')[1].split("</form>")[0]


def test_the_closure_warning_asks_its_patients_once_each(
    csrf_app: Flask, staff: dict[str, str], world: World
) -> None:
    maya = _book(csrf_app, world.maya, world.face, world.ana, DAY, time(10))
    noor = _book(csrf_app, world.noor, world.face, world.sam, DAY, time(14))
    _consenting(csrf_app, world.maya, world.noor)
    admin, token = _signed_in_with_csrf(csrf_app, staff["admin"])
    closing = {**CLOSE_DAY, "csrf_token": token("/admin/closures")}
    page = _saved_page(admin, "/admin/closures", closing)

    form = _form(page)
    assert "Ask these 2 patients to choose a new time" in form
    assert f'name="appointment_ids" value="{maya}"' in form
    assert f'name="appointment_ids" value="{noor}"' in form
    form_token = form.split('name="csrf_token" value="')[1].split('"')[0]
    asking = {"appointment_ids": [maya, noor], "next": "/admin/closures", "csrf_token": form_token}

    page = _saved_page(admin, "/visits/new-time-requests", asking)

    assert "Asked Maya Test, Noor Test to choose a new time, by email or text." in page
    assert _requests(csrf_app) == [(maya, MessageStatus.SCHEDULED), (noor, MessageStatus.SCHEDULED)]
    # Back on the closures page: each visit says she was asked, and nobody is left to ask.
    assert page.count("(asked to choose a new time ") == 2
    assert 'class="ask-new-times"' not in page
    assert "Every patient was asked to choose a new time" in page

    again = _saved_page(admin, "/visits/new-time-requests", asking)
    assert "Asked before, for the same time: Maya Test, Noor Test." in again
    assert len(_requests(csrf_app)) == 2

    visit_page = admin.get(f"/visits/{maya}").get_data(as_text=True)
    assert "Asked the patient to choose a new time: The clinic is closed on this day." in visit_page

    without_token = {"appointment_ids": [maya], "next": "/admin/closures"}
    assert admin.post("/visits/new-time-requests", data=without_token).status_code == 400


def test_the_visit_page_offers_to_ask_her_and_comes_back(
    client: FlaskClient, app: Flask, staff: dict[str, str], world: World
) -> None:
    maya = _book(app, world.maya, world.face, world.ana, DAY, time(10))
    _consenting(app, world.maya)
    sign_in(client, staff["front_desk"])
    assert "Ask Maya to choose a new time" not in client.get(f"/visits/{maya}").get_data(
        as_text=True
    )  # nothing wrong with it yet
    _close_day(app)

    page = client.get(f"/visits/{maya}").get_data(as_text=True)
    assert "Ask Maya to choose a new time" in _form(page)

    answer = client.post(
        "/visits/new-time-requests",
        data={"appointment_ids": [maya], "next": f"/visits/{maya}"},
    )
    assert answer.status_code == 302 and answer.headers["Location"] == f"/visits/{maya}"
    page = client.get(f"/visits/{maya}").get_data(as_text=True)
    assert "Asked Maya Test to choose a new time" in page
    # Asked: the page says when, instead of offering to ask again.
    assert "Asked to choose a new time on " in page and "; not moved yet." in page
    assert 'class="ask-new-times"' not in page


def test_a_patient_without_consent_is_named_to_call(
    client: FlaskClient, app: Flask, staff: dict[str, str], world: World
) -> None:
    maya = _book(app, world.maya, world.face, world.ana, DAY, time(10))
    with app.app_context():
        patient = db.session.get(Patient, world.maya)
        patient.email_consent = False
        patient.phone = "+14155550123"
        db.session.commit()
    _close_day(app)
    sign_in(client, staff["front_desk"])

    page = _saved_page(
        client, "/visits/new-time-requests", {"appointment_ids": [maya], "next": "/"}
    )

    assert "Call them: no email or text may be sent to Maya Test ((415) 555-0123)." in page
    assert _requests(app) == []
    # The closure's warning names her to call instead of offering a button that cannot ask.
    admin = app.test_client()
    sign_in(admin, staff["admin"])
    closures = admin.get("/admin/closures").get_data(as_text=True)
    assert "Call Maya Test on (415) 555-0123:</strong> no email or text she allows." in closures
    assert 'class="ask-new-times"' not in closures


def test_a_visit_that_still_fits_is_not_asked_about(
    client: FlaskClient, app: Flask, staff: dict[str, str], world: World
) -> None:
    maya = _book(app, world.maya, world.face, world.ana, DAY, time(10))
    sign_in(client, staff["front_desk"])

    page = _saved_page(
        client, "/visits/new-time-requests", {"appointment_ids": [maya], "next": "/"}
    )

    assert "1 visit needs no new time" in page
    assert _requests(app) == []


@pytest.mark.parametrize(
    "data",
    [
        {"appointment_ids": ["abc"], "next": "/"},
        {"appointment_ids": ["99999999999999999999999"], "next": "/"},
        {"next": "/"},
        {"appointment_ids": ["1"], "next": "https://elsewhere.example/"},
    ],
)
def test_unreadable_requests_are_answered_on_a_page_of_ours(
    client: FlaskClient, staff: dict[str, str], world: World, data: dict[str, object]
) -> None:
    sign_in(client, staff["front_desk"])

    answer = client.post("/visits/new-time-requests", data=data)

    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/")
