"""Closing a day, adding time off, making a provider inactive, or narrowing the opening
hours or a provider's working hours, with visits already booked then: the change is saved,
the visits stay booked, and the page says how many need moving or cancelling and links to
each one. With nothing booked then, no warning.

The pages read the real clock, so the visits are booked on days counted from today
(booking_world.weekday).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from clinic.clock import combine_local
from clinic.extensions import db
from clinic.practice.models import Clinic, Closure, Provider, TimeOff
from clinic.scheduling.models import Appointment
from clinic.scheduling.service import BookingRequest, book_appointment, cancel_appointment
from clinic.scheduling.status import AppointmentStatus
from tests.conftest import PASSWORD, sign_in
from tests.web.booking_world import DESK, LA, World, build_world, weekday

DAY = weekday(0)
# Closing DAY, whose booked visits the admin has seen and closes the day anyway.
CLOSE_DAY = {"on": DAY.isoformat(), "name": "Staff day", "close_anyway": "y"}


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


def _signed_in_with_csrf(csrf_app: Flask, email: str) -> tuple[FlaskClient, Callable[[str], str]]:
    """A client signed in through the real sign-in form, and how to read a page's CSRF token."""
    client = csrf_app.test_client()

    def token(path: str) -> str:
        page = client.get(path).get_data(as_text=True)
        return page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]

    signed_in = client.post(
        "/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": token("/sign-in")}
    )
    assert signed_in.status_code == 302
    return client, token


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

    page = _saved_page(admin, "/admin/closures", CLOSE_DAY)

    assert f"The clinic is closed on {DAY:%A %-d %B %Y}." in page
    assert "1 booked visit falls in this closure — move or cancel it." in page
    assert f'href="/visits/{maya}"' in page
    assert "Maya Test, Face with Ana" in page
    assert f"{DAY:%a %-d %b %Y}, 10:00" in page
    assert "Noor Test" not in page  # cancelled: nothing to handle
    assert _status(app, maya) is AppointmentStatus.BOOKED  # warned about, not cancelled


def test_a_day_with_booked_visits_is_closed_only_once_the_admin_has_seen_them(
    admin: FlaskClient, app: Flask, world: World
) -> None:
    _book(app, world.maya, world.face, world.ana, DAY, time(10))
    first = admin.post("/admin/closures", data={"on": DAY.isoformat(), "name": "Staff day"})
    page = first.get_data(as_text=True)
    assert first.status_code == 422
    assert "1 booked visit on that day" in page and "Maya Test, Face with Ana" in page
    assert "The clinic is closed on" not in page
    with app.app_context():
        assert db.session.scalars(select(Closure)).all() == []
    assert f"The clinic is closed on {DAY:%A %-d %B %Y}." in _saved_page(
        admin, "/admin/closures", CLOSE_DAY
    )


def test_the_closures_page_keeps_the_warning_until_the_visits_are_handled(
    admin: FlaskClient, app: Flask, world: World
) -> None:
    visits = [
        _book(app, world.maya, world.face, world.ana, DAY, time(10)),
        _book(app, world.noor, world.face, world.sam, DAY, time(10)),
    ]
    _saved_page(admin, "/admin/closures", CLOSE_DAY)

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

    page = _saved_page(admin, "/admin/closures", CLOSE_DAY)

    assert f"The clinic is closed on {DAY:%A %-d %B %Y}." in page
    assert "booked visit" not in page
    assert "Maya Test" not in page


def test_the_closure_form_with_its_csrf_token_warns_too(
    csrf_app: Flask, staff: dict[str, str], world: World
) -> None:
    maya = _book(csrf_app, world.maya, world.face, world.ana, DAY, time(10))
    client, token = _signed_in_with_csrf(csrf_app, staff["admin"])
    form = {**CLOSE_DAY, "csrf_token": token("/admin/closures")}

    page = _saved_page(client, "/admin/closures", form)

    assert "1 booked visit falls in this closure — move or cancel it." in page
    assert f'href="/visits/{maya}"' in page


def test_removing_a_closure_asks_first_naming_its_day_and_its_visits(
    csrf_app: Flask, staff: dict[str, str], world: World
) -> None:
    maya = _book(csrf_app, world.maya, world.face, world.ana, DAY, time(10))
    with csrf_app.app_context():
        closure = Closure(on=DAY, name="Staff day")
        db.session.add(closure)
        db.session.commit()
        closure_id = closure.id
    client, _ = _signed_in_with_csrf(csrf_app, staff["admin"])
    url = f"/admin/closures/{closure_id}/delete"
    assert f'href="{url}"' in client.get("/admin/closures").get_data(as_text=True)

    page = client.get(url).get_data(as_text=True)
    assert f"Remove the closure on {DAY:%A %-d %B %Y}?" in page
    assert "Staff day" in page
    assert "1 booked visit on that day" in page
    assert f'href="/visits/{maya}"' in page and "Maya Test, Face with Ana" in page

    assert client.post(url).status_code == 400  # no CSRF token: refused
    with csrf_app.app_context():
        assert db.session.get(Closure, closure_id) is not None

    form = page.split(f'<form method="post" action="{url}"')[1].split("</form>")[0]
    form_token = form.split('name="csrf_token" value="')[1].split('"')[0]
    removed = client.post(url, data={"csrf_token": form_token})
    assert removed.status_code == 302
    with csrf_app.app_context():
        assert db.session.get(Closure, closure_id) is None
    assert _status(csrf_app, maya) is AppointmentStatus.BOOKED


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


def test_time_off_from_a_far_off_date_is_a_field_error(
    admin: FlaskClient, app: Flask, world: World
) -> None:
    forever = {"starts_on": "0001-01-01", "starts_at": "00:00"}
    forever |= {"ends_on": "2999-01-01", "ends_at": "00:00"}
    response = admin.post(f"/admin/providers/{world.ana}/time-off", data=forever)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Enter a date between the years 1900 and 2999." in page
    with app.app_context():
        assert db.session.scalar(select(func.count(TimeOff.id))) == 0


@pytest.mark.parametrize("typed", ["9999-12-31", "0001-01-01"])
def test_a_closure_on_a_far_off_date_is_a_field_error(
    admin: FlaskClient, app: Flask, typed: str
) -> None:
    response = admin.post("/admin/closures", data={"on": typed, "name": "Typo"})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<p class="field__error" id="on-error">' in page
    assert "Enter a date between the years 1900 and 2999." in page
    assert 'value="Typo"' in page  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(select(func.count(Closure.id))) == 0


# --- Narrower opening hours -----------------------------------------------------------------

OPEN = ("09:00", "19:00")  # booking_world: Monday to Saturday
WORK, LUNCH = ("09:00", "18:00"), ("13:00", "13:30")  # Ana and Sam, Monday to Saturday


def _rows(prefix: str, day: int, periods: list[tuple[str, str]], count: int) -> dict[str, str]:
    rows = periods + [("", "")] * (count - len(periods))
    data = {}
    for index, (start, end) in enumerate(rows):
        data[f"days-{day}-{prefix}-{index}-starts_at"] = start
        data[f"days-{day}-{prefix}-{index}-ends_at"] = end
    return data


def _opening(on: date, *periods: tuple[str, str]) -> dict[str, str]:
    """The world's opening hours form, with `on`'s weekday open for `periods` instead."""
    week = {day: [OPEN] if day < 6 else [] for day in range(7)}
    week[on.weekday()] = list(periods)
    data: dict[str, str] = {}
    for day, rows in week.items():
        data |= _rows("periods", day, rows, 3)
    return data


def _working(
    on: date, work: list[tuple[str, str]], breaks: list[tuple[str, str]]
) -> dict[str, str]:
    """The world's working week form, with `on`'s weekday given `work` and `breaks`."""
    data: dict[str, str] = {}
    for day in range(7):
        usual = ([WORK], [LUNCH]) if day < 6 else ([], [])
        day_work, day_breaks = (work, breaks) if day == on.weekday() else usual
        data |= _rows("work", day, day_work, 2) | _rows("breaks", day, day_breaks, 2)
    return data


def test_narrower_opening_hours_list_the_visits_left_outside(
    admin: FlaskClient, app: Flask, world: World
) -> None:
    early = _book(app, world.maya, world.face, world.ana, DAY, time(10))  # room until 11:30
    late = _book(app, world.noor, world.check_in, world.sam, DAY, time(17, 30))  # until 17:50
    noon = _book(app, world.young, world.check_in, world.sam, DAY, time(12))
    other_day = _book(app, world.teen, world.check_in, world.ana, weekday(1), time(9))
    gone = _book(app, world.sunburnt, world.check_in, world.ana, DAY, time(9))
    _cancel(app, gone)

    # 17:45 leaves the 17:30 check-in its end but not its room's cleaning.
    page = _saved_page(admin, "/admin/hours", _opening(DAY, ("11:00", "17:45")))

    assert "Opening hours saved." in page
    assert "2 booked visits fall outside the opening hours — move or cancel them." in page
    assert page.index(f'href="/visits/{early}"') < page.index(f'href="/visits/{late}"')
    assert "Maya Test, Face with Ana" in page
    assert "Noor Test, Check-in with Sam" in page
    assert f"{DAY:%a %-d %b %Y}, 17:30" in page
    for fits in (noon, other_day, gone):
        assert f'href="/visits/{fits}"' not in page
    assert _status(app, early) is AppointmentStatus.BOOKED  # warned about, not cancelled

    _cancel(app, early)
    page = admin.get("/admin/hours").get_data(as_text=True)
    assert "1 booked visit falls outside the opening hours — move or cancel it." in page
    _cancel(app, late)
    assert "booked visit" not in admin.get("/admin/hours").get_data(as_text=True)


def test_narrower_opening_hours_that_still_hold_every_visit_give_no_warning(
    admin: FlaskClient, app: Flask, world: World
) -> None:
    _book(app, world.maya, world.face, world.ana, DAY, time(10))  # room 10:00 to 11:30
    _book(app, world.noor, world.check_in, world.sam, DAY, time(17, 30))  # until 17:50

    page = _saved_page(admin, "/admin/hours", _opening(DAY, ("10:00", "11:30"), ("12:00", "17:50")))

    assert "Opening hours saved." in page
    assert "booked visit" not in page


def test_closing_a_weekday_with_its_csrf_token_warns_too(
    csrf_app: Flask, staff: dict[str, str], world: World
) -> None:
    maya = _book(csrf_app, world.maya, world.face, world.ana, DAY, time(10))
    client, token = _signed_in_with_csrf(csrf_app, staff["admin"])

    form = _opening(DAY) | {"csrf_token": token("/admin/hours")}  # closed that weekday

    page = _saved_page(client, "/admin/hours", form)

    assert "1 booked visit falls outside the opening hours — move or cancel it." in page
    assert f'href="/visits/{maya}"' in page


# --- Narrower working hours and new breaks ------------------------------------------------


def test_narrower_working_hours_list_the_providers_visits_left_outside(
    admin: FlaskClient, app: Flask, world: World
) -> None:
    early = _book(app, world.maya, world.face, world.ana, DAY, time(10))
    later = _book(app, world.noor, world.check_in, world.ana, DAY, time(15))
    sams = _book(app, world.young, world.check_in, world.sam, DAY, time(10))

    page = _saved_page(
        admin, f"/admin/providers/{world.ana}/hours", _working(DAY, [("11:00", "18:00")], [LUNCH])
    )

    assert "Working hours of Ana saved." in page
    assert "1 booked visit falls outside the working hours of Ana — move or cancel it." in page
    assert f'href="/visits/{early}"' in page
    assert "Maya Test, Face with Ana" in page
    assert f'href="/visits/{later}"' not in page
    assert f'href="/visits/{sams}"' not in page  # another provider's hours
    assert _status(app, early) is AppointmentStatus.BOOKED


def test_a_new_break_over_a_visit_lists_it(admin: FlaskClient, app: Flask, world: World) -> None:
    maya = _book(app, world.maya, world.face, world.ana, DAY, time(10))  # 10:00 to 11:15

    # During the numbing, when Ana is free: the visit still needs her hours (check_booking).
    page = _saved_page(
        admin,
        f"/admin/providers/{world.ana}/hours",
        _working(DAY, [WORK], [("10:15", "10:30"), LUNCH]),
    )

    assert "Working hours of Ana saved." in page
    assert "1 booked visit falls outside the working hours of Ana — move or cancel it." in page
    assert f'href="/visits/{maya}"' in page
    page = admin.get(f"/admin/providers/{world.ana}/hours").get_data(as_text=True)
    assert f'href="/visits/{maya}"' in page  # until the desk moves or cancels it


def test_working_hours_that_still_hold_every_visit_give_no_warning(
    admin: FlaskClient, app: Flask, world: World
) -> None:
    _book(app, world.maya, world.face, world.ana, DAY, time(10))  # 10:00 to 11:15
    _book(app, world.noor, world.check_in, world.ana, DAY, time(15))  # 15:00 to 15:15

    page = _saved_page(
        admin,
        f"/admin/providers/{world.ana}/hours",
        _working(DAY, [("10:00", "16:00")], [("11:15", "15:00")]),
    )

    assert "Working hours of Ana saved." in page
    assert "booked visit" not in page


def test_the_visit_page_says_when_the_setup_changed_under_it(
    admin: FlaskClient, app: Flask, world: World
) -> None:
    """The front desk opening a visit sees why it must move, as the calendar marks it."""
    maya = _book(app, world.maya, world.face, world.ana, DAY, time(10))
    assert "no longer fits" not in admin.get(f"/visits/{maya}").get_data(as_text=True)

    _saved_page(admin, "/admin/closures", CLOSE_DAY)
    page = admin.get(f"/visits/{maya}").get_data(as_text=True)
    assert "This visit no longer fits the clinic's setup:" in page
    assert "the clinic is closed that day." in page

    with app.app_context():
        ana = db.session.get(Provider, world.ana)
        assert ana is not None
        ana.is_active = False
        db.session.commit()
    page = admin.get(f"/visits/{maya}").get_data(as_text=True)
    assert "the clinic is closed that day; the provider no longer works here." in page
