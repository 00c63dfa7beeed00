"""The health questions reached from a link: the link names a visit (the sign-in email, the
reminder), and that visit may since have been cancelled, or the link may be mangled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from clinic.clock import utcnow
from clinic.extensions import db
from clinic.operations import cancel_visit
from clinic.practice.service import get_clinic
from clinic.scheduling.models import Appointment
from clinic.scheduling.screening import Contraindication
from tests.web.booking_world import DESK, World, build_world, weekday
from tests.web.test_portal import portal_sign_in
from tests.web.test_portal_walkthrough import _book, _page, _said

NO_TO_ALL = {code.value: "no" for code in Contraindication}


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


def test_a_cancelled_visits_link_asks_about_her_next_visit_not_the_cancelled_one(
    app: Flask, client: FlaskClient, world: World
) -> None:
    cancelled_on, next_on = weekday(1), weekday(1) + timedelta(weeks=5)
    cancelled = _book(app, world, cancelled_on, 10)
    _book(app, world, next_on, 11)
    with app.test_request_context():
        visit = db.session.get(Appointment, cancelled)
        assert visit is not None
        cancel_visit(visit, "Patient called", clinic=get_clinic(), actor=DESK, now=utcnow())
        db.session.commit()
    portal_sign_in(client, app, world.maya)

    form = _said(_page(client, f"/portal/screening?appointment_id={cancelled}"))
    assert f"before your visit on {next_on:%A} {next_on.day} {next_on:%B}" in form

    sent = client.post("/portal/screening", data={**NO_TO_ALL, "appointment_id": cancelled})
    done = _said(_page(client, sent.headers["Location"]))
    assert f"See you on {next_on:%A} {next_on.day} {next_on:%B}" in done and "at 11:00" in done
    assert f"{cancelled_on:%A} {cancelled_on.day} {cancelled_on:%B}" not in done


def test_with_no_visit_ahead_the_questions_do_not_speak_of_one(
    app: Flask, client: FlaskClient, world: World
) -> None:
    portal_sign_in(client, app, world.maya)

    form = _said(_page(client, "/portal/screening?appointment_id=99999999999999999999"))
    assert "before every microneedling treatment" in form
    assert "before your visit" not in form

    sent = client.post(
        "/portal/screening", data={**NO_TO_ALL, "appointment_id": "99999999999999999999"}
    )
    done = _said(_page(client, sent.headers["Location"]))
    assert "Thank you, all done" in done and "See you on" not in done


def test_a_portal_form_sent_back_says_error_first_and_takes_focus(
    app: Flask, client: FlaskClient, world: World
) -> None:
    """As on the staff pages: the title starts with "Error: " (a screen reader says it
    first) and the message is marked for error-summary.js to move focus to."""
    refused = client.post("/portal/sign-in", data={"email": "not an address"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "<title>Error: Sign in" in page
    assert 'tabindex="-1" data-error-summary' in page and "js/error-summary.js" in page

    portal_sign_in(client, app, world.maya)
    unanswered = client.post("/portal/screening", data={})
    assert "<title>Error: Health questions" in unanswered.get_data(as_text=True)
    assert "<title>Health questions" in client.get("/portal/screening").get_data(as_text=True)
