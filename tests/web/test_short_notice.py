"""A microneedling visit booked less than a week ahead: the front desk's visit page and
her portal say what she can still do, not steps that needed five to seven days."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from clinic.extensions import db
from clinic.scheduling.models import Appointment, Screening
from tests.conftest import sign_in
from tests.web.booking_world import World, build_world, weekday
from tests.web.test_portal import portal_sign_in
from tests.web.test_portal_walkthrough import _book, _page, _said


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


def test_the_desk_and_the_portal_give_what_can_still_be_done(
    app: Flask, client: FlaskClient, staff: dict[str, str], world: World
) -> None:
    soon = _book(app, world, weekday(0), 10)  # two to four days away
    later = _book(app, world, weekday(0) + timedelta(weeks=5), 10)
    sign_in(client, staff["front_desk"])

    desk = _said(_page(client, f"/visits/{soon}"))
    assert "Short notice: what Maya can still do" in desk
    assert "Stop retinoids, acids (AHA/BHA) and exfoliants today, and tell us" in desk
    assert "Short notice" not in _said(_page(client, f"/visits/{later}"))
    # Booked three weeks ago for the same day, she had the whole preparation sent: no card.
    with app.app_context():
        visit = db.session.get(Appointment, soon)
        assert visit is not None
        visit.created_at -= timedelta(weeks=3)
        db.session.commit()
    assert "Short notice" not in _said(_page(client, f"/visits/{soon}"))

    portal_sign_in(client, app, world.maya)
    portal = _said(_page(client, f"/portal/appointments/{soon}"))
    assert "exfoliants today, and tell us at your visit" in portal
    assert "five to seven days before" not in portal
    far = _said(_page(client, f"/portal/appointments/{later}"))
    assert "Stop retinoids, acids (AHA/BHA) and exfoliants five to seven days before." in far
    # She answered the health questions today: in time for the near visit, not the far one.
    assert "your answers to the health questions are in for this visit" in portal
    asked_from = weekday(0) + timedelta(weeks=5) - timedelta(days=7)
    assert (
        f"Please answer the health questions from {asked_from:%A} {asked_from.day} {asked_from:%B}"
    ) in far
    assert "answers given earlier are asked again then." in far
    # Her answers ten days old: for the near visit she is asked now, not "in the week before".
    with app.app_context():
        for screening in db.session.scalars(sa.select(Screening)):
            screening.taken_on -= timedelta(days=10)
        db.session.commit()
    soon_again = _said(_page(client, f"/portal/appointments/{soon}"))
    assert "Please answer the health questions now: they take a minute" in soon_again
    # Booked three weeks ago far ahead, then moved today to this week (the near visit
    # cancelled, for the gap between sessions): short notice again.
    sign_in(client, staff["front_desk"])
    cancelled = client.post(f"/visits/{soon}/cancel", data={"reason": "Moving the other one"})
    assert cancelled.status_code == 302
    with app.app_context():
        visit = db.session.get(Appointment, later)
        assert visit is not None
        visit.created_at -= timedelta(weeks=3)
        db.session.commit()
    moved = client.post(
        f"/visits/{later}/move",
        data={"on_date": weekday(1).isoformat(), "at_time": "10:00", "provider_id": "0"},
    )
    assert moved.status_code == 302, moved.get_data(as_text=True)
    assert "Short notice: what Maya can still do" in _said(_page(client, f"/visits/{later}"))
