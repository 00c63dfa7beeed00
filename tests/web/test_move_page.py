"""The desk's move page for a visit whose provider has left (made inactive)."""

from __future__ import annotations

import html
from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from clinic.extensions import db
from clinic.practice.models import Provider
from clinic.reminders.models import Message
from clinic.reminders.rules import MessageStatus
from clinic.scheduling.models import Appointment
from tests.conftest import sign_in
from tests.web.booking_world import World, at, build_world, weekday
from tests.web.test_api_booking import token_for

API = "/api/v1"


def _booked_with_ana(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> tuple[World, date, int]:
    """Maya's visit with Ana at 10:00 on a weekday soon. Returns (world, day, visit id)."""
    world: World = build_world(app)
    day = weekday(1)
    booked = client.post(
        f"{API}/appointments",
        json={
            "patient_id": world.maya,
            "service_id": world.face,
            "start": at(day, 10),
            "provider_id": world.ana,
        },
        headers=token_for(app, staff["front_desk"]),
    )
    assert booked.status_code == 201, booked.get_data(as_text=True)
    return world, day, int(booked.json["id"])


def _booked_with_ana_then_she_left(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> tuple[date, int]:
    """Maya's visit with Ana next week; then Ana is made inactive. Returns (day, visit id)."""
    world, day, visit = _booked_with_ana(app, client, staff)
    with app.app_context():
        ana = db.session.get(Provider, world.ana)
        assert ana is not None
        ana.is_active = False
        db.session.commit()
    return day, visit


def test_a_visit_whose_provider_left_is_moved_to_someone_who_works_here(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> None:
    day, visit = _booked_with_ana_then_she_left(app, client, staff)

    sign_in(client, staff["front_desk"])
    page = client.get(f"/visits/{visit}/move").get_data(as_text=True)
    assert "no longer works here (inactive)" in page
    assert "No free times in these days." not in page
    assert "Choose a provider" in page

    typed = client.post(
        f"/visits/{visit}/move",
        data={"provider_id": "0", "on_date": day.isoformat(), "at_time": "11:00"},
    )
    assert typed.status_code == 422
    assert "no longer works here." in typed.get_data(as_text=True)


def test_the_day_view_marks_the_column_of_a_provider_who_left(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> None:
    day, _visit = _booked_with_ana_then_she_left(app, client, staff)
    sign_in(client, staff["front_desk"])
    page = client.get(f"/calendar?date={day.isoformat()}").get_data(as_text=True)
    assert '<text class="tt__subheading" x="' in page and ">Inactive</text>" in page


def test_moving_a_visit_to_the_time_it_has_changes_nothing(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> None:
    """The move form sent again (or her own time typed): no history entry, no message."""
    world, day, visit = _booked_with_ana(app, client, staff)
    with app.app_context():
        planned = db.session.scalar(select(func.count(Message.id)))
    sign_in(client, staff["front_desk"])

    for provider in ("0", str(world.ana)):  # "the same provider" or her by name
        same = client.post(
            f"/visits/{visit}/move",
            data={"provider_id": provider, "on_date": day.isoformat(), "at_time": "10:00"},
        )
        assert same.status_code == 302
        page = client.get(same.headers["Location"]).get_data(as_text=True)
        assert "The visit is at that time already: nothing changed." in page
    with app.app_context():
        visit_row = db.session.get(Appointment, visit)
        assert visit_row is not None and [e.kind for e in visit_row.events] == ["booked"]
        statuses = db.session.scalars(select(Message.status)).all()
        assert len(statuses) == planned  # no notice of any kind was added
        assert MessageStatus.CANCELLED not in statuses  # nor one planned taken back


def test_a_move_search_with_dates_that_are_no_dates_says_what_it_shows_instead(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> None:
    _, day, visit = _booked_with_ana(app, client, staff)
    sign_in(client, staff["front_desk"])

    unreadable = client.get(f"/visits/{visit}/move?from_on=abc").get_data(as_text=True)
    assert "“abc” is not a date; showing" in html.unescape(unreadable)
    before = day - timedelta(days=3)
    backwards = client.get(
        f"/visits/{visit}/move", query_string={"from_on": day.isoformat(), "to_on": before}
    ).get_data(as_text=True)
    assert f"The end came before the start; showing {day:%-d %B %Y} alone." in backwards
