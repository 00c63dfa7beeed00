"""The day view's list offers only the status changes that can be made now."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient

from clinic.plans.rules import long_day
from tests.conftest import sign_in
from tests.web.booking_world import World, at, build_world, weekday
from tests.web.test_api_booking import token_for

API = "/api/v1"


def book_at_ten(
    app: Flask, client: FlaskClient, staff: dict[str, str], world: World, patient: int, day: date
) -> int:
    """Her facial microneedling with Ana at 10:00 on `day`, booked by the front desk."""
    fields = {"patient_id": patient, "service_id": world.face, "provider_id": world.ana}
    booked = client.post(
        f"{API}/appointments",
        json={**fields, "start": at(day, 10)},
        headers=token_for(app, staff["front_desk"]),
    )
    assert booked.status_code == 201, booked.get_data(as_text=True)
    return booked.json["id"]


def test_a_future_visit_offers_no_check_in_complete_or_no_show(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> None:
    world = build_world(app)
    day = weekday(2)
    visit = book_at_ten(app, client, staff, world, world.maya, day)

    sign_in(client, staff["front_desk"])
    page = client.get(f"/calendar?date={day.isoformat()}").get_data(as_text=True)
    assert f'href="/visits/{visit}"' in page
    assert "(1 visit)" in page
    for target in ("checked_in", "completed", "no_show"):
        assert f'name="target" value="{target}"' not in page
    visit_page = client.get(f"/visits/{visit}").get_data(as_text=True)
    assert 'name="target"' not in visit_page


def test_an_unusable_date_or_provider_says_so_and_shows_today(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> None:
    world = build_world(app)
    sign_in(client, staff["front_desk"])
    for typed, said in (("9999-12-31", "9999-12-31 is too far off"), ("garbage", "is not a date")):
        page = client.get(f"/calendar?date={typed}").get_data(as_text=True)
        assert said in page and "showing" in page
        week = client.get(f"/calendar/week?date={typed}").get_data(as_text=True)
        assert said in week
    assert "is not a date" not in client.get("/calendar").get_data(as_text=True)
    week = html.unescape(client.get("/calendar/week?provider_id=abc").get_data(as_text=True))
    assert "“abc” is not a provider; showing Ana." in week
    assert "is not a provider" not in client.get(
        f"/calendar/week?provider_id={world.sam}"
    ).get_data(as_text=True)


def test_the_list_says_which_treatments_need_the_screening_on_arrival_or_cannot_go_ahead(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> None:
    """Ten days ahead her screening (taken today) is too old for check-in: the list says she
    fills it on arrival, and from when one counts. Screened again with a sunburn, she cannot
    be treated that day without a sign-off: the list says so before she comes."""
    from clinic.scheduling.screening import Contraindication

    world = build_world(app)
    day = weekday(8)
    visit = book_at_ten(app, client, staff, world, world.maya, day)
    sign_in(client, staff["front_desk"])

    page = client.get(f"/calendar?date={day.isoformat()}").get_data(as_text=True)
    assert "Screening on arrival" in page
    # One filled today would not count yet: the list says from when one does.
    assert f"One taken from {long_day(day - timedelta(days=7))} counts for this visit." in page
    assert f"/patients/{world.maya}/screening?appointment_id={visit}" not in page

    answers = {code.value: "no" for code in Contraindication} | {"recent_sunburn": "yes"}
    with app.app_context():
        from clinic.extensions import db
        from clinic.patients.models import Patient
        from clinic.practice.service import get_clinic
        from clinic.scheduling.screenings import record_screening
        from tests.clinics import DESK

        patient = db.session.get(Patient, world.maya)
        record_screening(
            patient,
            {code: answer == "yes" for code, answer in answers.items()},
            clinic=get_clinic(),
            actor=DESK,
            now=datetime.fromisoformat(at(day - timedelta(days=1), 9)),  # the day before
        )
        db.session.commit()
    page = client.get(f"/calendar?date={day.isoformat()}").get_data(as_text=True)
    assert "Screening on arrival" not in page
    assert "Not today" in page and "sign-off" in page


def test_inside_the_screening_days_the_list_offers_the_form_and_her_age_comes_first(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> None:
    """Noor's screening is three weeks old: for a visit this week the list offers the form
    to fill with her. Her date of birth corrected (she is 17), no screening can help: the
    list says "Not today", not "Screening on arrival"."""
    from sqlalchemy import update

    from clinic.extensions import db
    from clinic.patients.models import Patient
    from clinic.scheduling.models import Screening

    world = build_world(app)
    day = weekday(0)
    visit = book_at_ten(app, client, staff, world, world.noor, day)
    weeks_ago = datetime.now(UTC) - timedelta(days=21)
    with app.app_context():
        db.session.execute(
            update(Screening)
            .where(Screening.patient_id == world.noor)
            .values(taken_at=weeks_ago, taken_on=weeks_ago.date())
        )
        db.session.commit()
    sign_in(client, staff["front_desk"])

    page = client.get(f"/calendar?date={day.isoformat()}").get_data(as_text=True)
    assert "Screening on arrival" in page
    assert f"/patients/{world.noor}/screening?appointment_id={visit}" in page

    with app.app_context():
        seventeen = day.replace(year=day.year - 17) - timedelta(days=40)
        db.session.execute(
            update(Patient).where(Patient.id == world.noor).values(date_of_birth=seventeen)
        )
        db.session.commit()
    page = client.get(f"/calendar?date={day.isoformat()}").get_data(as_text=True)
    assert "Screening on arrival" not in page
    assert "Not today" in page and "18" in page
