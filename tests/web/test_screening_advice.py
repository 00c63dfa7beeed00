"""A patient whom screening or age hold off microneedling: Find a slot says why and the one
thing that helps (a new screening, a clinician's sign-off, which only a clinician or an
admin gives, or nothing at all under eighteen); the visit page says why check-in would be
refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from clinic.extensions import db
from clinic.scheduling.screenings import record_screening
from tests.clinics import NO, add_patient
from tests.conftest import sign_in
from tests.web.booking_world import DESK, World, build_world, local_today
from tests.web.test_portal_walkthrough import _said

SCREENING_LINK = "Fill the screening with the patient"
DESK_SIGN_OFF = "A clinician or an admin can book it, with a sign-off."
OWN_SIGN_OFF = "Show times to book with your sign-off"


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


def _advice(client: FlaskClient, world: World, patient_id: int) -> str:
    page = client.get(f"/book?patient_id={patient_id}&service_id={world.face}")
    assert page.status_code == 200
    return _said(page.get_data(as_text=True))


def _sixteen_year_old(app: Flask) -> int:
    now = datetime.now(UTC)
    with app.app_context():
        from clinic.practice.service import get_clinic

        born = local_today() - timedelta(days=16 * 365 + 30)
        kid = add_patient("kid", born, now, first_name="Kid")
        record_screening(kid, NO, clinic=get_clinic(), actor=DESK, now=now)
        db.session.commit()
        return kid.id


def test_each_hold_names_what_helps(
    app: Flask, client: FlaskClient, staff: dict[str, str], world: World
) -> None:
    kid = _sixteen_year_old(app)
    sign_in(client, staff["front_desk"])

    too_young = _advice(client, world, kid)
    assert "microneedling is for patients aged 18 and over" in too_young
    assert SCREENING_LINK not in too_young and DESK_SIGN_OFF not in too_young

    under_22 = _advice(client, world, world.young)
    assert "under 22 a clinician must sign off the visit" in under_22
    assert DESK_SIGN_OFF in under_22 and SCREENING_LINK not in under_22

    sunburnt = _advice(client, world, world.sunburnt)
    assert "needs a clinician's sign-off: sunburn in the area." in sunburnt
    assert DESK_SIGN_OFF in sunburnt

    unscreened = _advice(client, world, world.unscreened)
    assert "The patient has no screening" in unscreened and SCREENING_LINK in unscreened


def test_a_clinician_is_offered_her_own_sign_off(
    client: FlaskClient, staff: dict[str, str], world: World
) -> None:
    sign_in(client, staff["clinician"])

    assert OWN_SIGN_OFF in _advice(client, world, world.young)


def test_the_visit_page_names_the_reason_check_in_would_be_refused(
    app: Flask, client: FlaskClient, staff: dict[str, str], world: World
) -> None:
    """Her date of birth was typed wrong: corrected after booking, the visit page says the
    age stops the treatment, not that her (fresh) screening is too old."""
    from clinic.patients.models import Patient
    from tests.web.booking_world import weekday
    from tests.web.test_portal_walkthrough import _book

    visit = _book(app, world, weekday(0), 10)
    with app.app_context():
        db.session.get(Patient, world.maya).date_of_birth = local_today() - timedelta(
            days=16 * 365 + 30
        )
        db.session.commit()
    sign_in(client, staff["front_desk"])

    page = _said(client.get(f"/visits/{visit}").get_data(as_text=True))

    assert "Not current for check-in" in page
    assert "The patient will be 16 on the visit day" in page
    assert "screening is too old" not in page
