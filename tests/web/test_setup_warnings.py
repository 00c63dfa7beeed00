"""Closing a day, adding time off or making a provider inactive, with visits already booked
then: the change is saved, the visits stay booked, and the page says how many need moving or
cancelling and links to each one. With nothing booked then, no warning.

The pages read the real clock, so the visits are booked on days counted from today
(booking_world.weekday).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic.clock import combine_local
from clinic.extensions import db
from clinic.practice.models import Clinic
from clinic.scheduling.models import Appointment
from clinic.scheduling.service import BookingRequest, book_appointment, cancel_appointment
from clinic.scheduling.status import AppointmentStatus
from tests.conftest import PASSWORD, sign_in
from tests.web.booking_world import DESK, LA, World, build_world, weekday

DAY = weekday(0)


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


@pytest.fixture
def admin(client: FlaskClient, staff: dict[str, str], world: World) -> FlaskClient:
    sign_in(client, staff["admin"])
    return client


def _book(app: Flask, patient: int, service: int, provider: int, on: date, at: time) -> int:
    with app.app_context():
        clinic = db.session.scalar(select(Clinic))
        visit = book_appointment(
            BookingRequest(patient, service, combine_local(on, at, LA), provider),
            clinic=clinic,
            actor=DESK,
            now=datetime.now(UTC),
        )
        db.session.commit()
        return visit.id


def _cancel(app: Flask, visit_id: int) -> None:
    with app.app_context():
        clinic = db.session.scalar(select(Clinic))
        visit = db.session.get(Appointment, visit_id)
        cancel_appointment(visit, "Moved away", clinic=clinic, actor=DESK, now=datetime.now(UTC))
        db.session.commit()


def _status(app: Flask, visit_id: int) -> AppointmentStatus:
    with app.app_context():
        return db.session.get(Appointment, visit_id).status


def _saved_page(client: FlaskClient, url: str, data: dict[str, str]) -> str:
    response = client.post(url, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client.get(response.headers["Location"]).get_data(as_text=True)


def _time_off(on: date, starts: str, ends: str) -> dict[str, str]:
    day = on.isoformat()
    return {"starts_on": day, "starts_at": starts, "ends_on": day, "ends_at": ends}


# --- Closures ---------------------------------------------------------------------------


def test_closing_a_day_with_booked_visits_lists_them_to_move_or_cancel(
    admin: FlaskClient, app: Flask, world: World
) -> None:
    maya = _book(app, world.maya, world.face, world.ana, DAY, time(10))
    noor = _book(app, world.noor, world.face, world.sam, DAY, time(14))
    _cancel(app, noor)

    page = _saved_page(admin, "/admin/closures", {"on": DAY.isoformat(), "name": "Staff day"})

    assert f"The clinic is closed on {DAY:%A %-d %B %Y}." in page
    assert "1 booked visit falls in this closure — move or cancel it." in page
    assert f'href="/visits/{maya}"' in page
    assert "Maya Test, Face with Ana" in page
    assert f"{DAY:%a %-d %b %Y}, 10:00" in page
    assert "Noor Test" not in page  # cancelled: nothing to handle
    assert _status(app, maya) is AppointmentStatus.BOOKED  # warned about, not cancelled


def test_the_closures_page_keeps_the_warning_until_the_visits_are_handled(
    admin: FlaskClient, app: Flask, world: World
) -> None:
    visits = [
        _book(app, world.maya, world.face, world.ana, DAY, time(10)),
        _book(app, world.noor, world.face, world.sam, DAY, time(10)),
    ]
    _saved_page(admin, "/admin/closures", {"on": DAY.isoformat(), "name": "Staff day"})

    page = admin.get("/admin/closures").get_data(as_text=True)
    assert f"{DAY:%A %-d %B %Y} (Staff day):" in page
    assert "2 booked visits fall in this closure — move or cancel them." in page
    for visit in visits:
        assert f'href="/visits/{visit}"' in page

    for visit in visits:
        _cancel(app, visit)
    assert "booked visit" not in admin.get("/admin/closures").get_data(as_text=True)


def test_closing_a_day_with_nothing_booked_gives_no_warning(
    admin: FlaskClient, app: Flask, world: World
) -> None:
    _book(app, world.maya, world.face, world.ana, weekday(1), time(10))  # another day

    page = _saved_page(admin, "/admin/closures", {"on": DAY.isoformat(), "name": "Staff day"})

    assert f"The clinic is closed on {DAY:%A %-d %B %Y}." in page
    assert "booked visit" not in page
    assert "Maya Test" not in page


def test_the_closure_form_with_its_csrf_token_warns_too(
    csrf_app: Flask, staff: dict[str, str], world: World
) -> None:
    maya = _book(csrf_app, world.maya, world.face, world.ana, DAY, time(10))
    client = csrf_app.test_client()

    def token(path: str) -> str:
        page = client.get(path).get_data(as_text=True)
        return page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]

    signed_in = client.post(
        "/sign-in",
        data={"email": staff["admin"], "password": PASSWORD, "csrf_token": token("/sign-in")},
    )
    assert signed_in.status_code == 302
    form = {"on": DAY.isoformat(), "name": "Staff day", "csrf_token": token("/admin/closures")}

    page = _saved_page(client, "/admin/closures", form)

    assert "1 booked visit falls in this closure — move or cancel it." in page
    assert f'href="/visits/{maya}"' in page


# --- Time off -----------------------------------------------------------------------------


def test_time_off_over_a_booked_visit_lists_it_to_move_or_cancel(
    admin: FlaskClient, app: Flask, world: World
) -> None:
    maya = _book(app, world.maya, world.face, world.ana, DAY, time(10))
    _book(app, world.noor, world.face, world.sam, DAY, time(10))  # another provider

    page = _saved_page(
        admin, f"/admin/providers/{world.ana}/time-off", _time_off(DAY, "11:00", "12:00")
    )

    assert "Time off for Ana added." in page
    assert "1 booked visit falls in this time off — move or cancel it." in page
    assert f'href="/visits/{maya}"' in page  # 10:00 to 11:15 reaches into the time off
    assert "Maya Test, Face with Ana" in page
    assert "Noor Test" not in page
    assert _status(app, maya) is AppointmentStatus.BOOKED


def test_time_off_with_nothing_booked_then_gives_no_warning(
    admin: FlaskClient, app: Flask, world: World
) -> None:
    _book(app, world.maya, world.face, world.ana, DAY, time(10))  # ends 11:15

    page = _saved_page(
        admin, f"/admin/providers/{world.ana}/time-off", _time_off(DAY, "11:15", "17:00")
    )

    assert "Time off for Ana added." in page
    assert "booked visit" not in page
    assert "Maya Test" not in page


# --- Making a provider inactive -------------------------------------------------------------


def test_making_a_provider_inactive_lists_her_booked_visits(
    admin: FlaskClient, app: Flask, world: World
) -> None:
    first = _book(app, world.maya, world.face, world.ana, DAY, time(10))
    later = _book(app, world.noor, world.check_in, world.ana, weekday(3), time(15))

    response = admin.post(f"/admin/providers/{world.ana}", data={"name": "Ana", "credential": "RN"})

    assert response.headers["Location"] == f"/admin/providers/{world.ana}"
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Changes saved." in page
    assert "Ana is inactive but still has 2 booked visits — move or cancel them." in page
    assert page.index(f'href="/visits/{first}"') < page.index(f'href="/visits/{later}"')
    assert "Noor Test, Check-in with Ana" in page
    assert _status(app, first) is AppointmentStatus.BOOKED


def test_making_a_provider_with_nothing_booked_inactive_gives_no_warning(
    admin: FlaskClient, app: Flask, world: World
) -> None:
    _book(app, world.maya, world.face, world.ana, DAY, time(10))  # Ana's, not Sam's

    response = admin.post(f"/admin/providers/{world.sam}", data={"name": "Sam", "credential": "MD"})

    assert response.headers["Location"] == "/admin/providers"
    page = admin.get("/admin/providers").get_data(as_text=True)
    assert "Changes saved." in page
    assert "booked visit" not in page
    assert "booked visit" not in admin.get(f"/admin/providers/{world.sam}").get_data(as_text=True)


def test_far_off_dates_typed_by_mistake_still_save_and_warn(
    admin: FlaskClient, app: Flask, world: World
) -> None:
    """Year 1 and 9999-12-31 overflow the day and index arithmetic: no server error."""
    maya = _book(app, world.maya, world.face, world.ana, DAY, time(10))
    forever = {"starts_on": "0001-01-01", "starts_at": "00:00"}
    forever |= {"ends_on": "2999-01-01", "ends_at": "00:00"}

    page = _saved_page(admin, f"/admin/providers/{world.ana}/time-off", forever)
    assert "1 booked visit falls in this time off — move or cancel it." in page
    assert f'href="/visits/{maya}"' in page

    page = _saved_page(admin, "/admin/closures", {"on": "9999-12-31", "name": "Typo"})
    assert "The clinic is closed on Friday 31 December 9999." in page
    assert "booked visit" not in page
