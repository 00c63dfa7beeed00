"""The front desk's patient pages: register, validate, change, search."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from clinic.audit.models import AuditEntry
from clinic.extensions import db
from clinic.patients.models import Patient
from tests.conftest import sign_in

GOOD = {
    "first_name": "Maya",
    "last_name": "Lindqvist",
    "date_of_birth": "1991-02-28",
    "email": "maya@example.com",
    "phone": "(415) 555-0142",
    "email_consent": "y",
    "sms_consent": "y",
    "notes": "",
}


def test_register_stores_phone_in_e164_and_audits(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> None:
    sign_in(client, staff["front_desk"])
    response = client.post("/patients/new", data=GOOD)
    assert response.status_code == 302
    with app.app_context():
        patient = db.session.scalars(db.select(Patient)).one()
        assert patient.phone == "+14155550142"
        entry = db.session.scalars(
            db.select(AuditEntry).where(AuditEntry.entity == "patient")
        ).one()
        assert entry.entity_id == patient.id and "Front_Desk" in entry.actor_label


def test_each_bad_field_is_named_and_nothing_is_saved(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> None:
    sign_in(client, staff["front_desk"])
    bad = {**GOOD, "first_name": "", "date_of_birth": "2999-01-01", "email": "maya@", "phone": "12"}
    response = client.post("/patients/new", data=bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="first_name-error">Enter the first name.' in page
    assert 'id="date_of_birth-error"' in page or "future" in page
    assert 'id="email-error"' in page
    assert 'id="phone-error"' in page
    assert 'value="Lindqvist"' in page  # what was typed is kept
    with app.app_context():
        assert db.session.scalars(db.select(Patient)).first() is None


def test_service_level_problems_are_shown_on_their_fields(
    client: FlaskClient, staff: dict[str, str]
) -> None:
    sign_in(client, staff["front_desk"])
    response = client.post("/patients/new", data={**GOOD, "date_of_birth": "2999-01-01"})
    assert response.status_code == 422
    assert "The date of birth is in the future." in response.get_data(as_text=True)
    response = client.post("/patients/new", data={**GOOD, "email": "", "phone": ""})
    assert "Enter an email or a phone number" in response.get_data(as_text=True)


def test_change_details(app: Flask, client: FlaskClient, staff: dict[str, str]) -> None:
    sign_in(client, staff["front_desk"])
    client.post("/patients/new", data=GOOD)
    with app.app_context():
        patient_id = db.session.scalars(db.select(Patient.id)).one()
    response = client.post(
        f"/patients/{patient_id}/edit", data={**GOOD, "last_name": "Lindqvist-Berg"}
    )
    assert response.status_code == 302
    page = client.get(f"/patients/{patient_id}").get_data(as_text=True)
    assert "Maya Lindqvist-Berg" in page


def test_search_by_name_email_phone_and_birth_date(
    client: FlaskClient, staff: dict[str, str]
) -> None:
    sign_in(client, staff["front_desk"])
    client.post("/patients/new", data=GOOD, follow_redirects=True)
    client.post(
        "/patients/new",
        data={
            **GOOD,
            "first_name": "Noor",
            "last_name": "Amin",
            "date_of_birth": "1985-08-09",
            "email": "noor@example.com",
            "phone": "+1 510 555 0199",
        },
        follow_redirects=True,
    )
    client.post(
        "/patients/new",
        data={
            **GOOD,
            "first_name": "Lan",
            "last_name": "Thompson-Nguyễn",
            "email": "lan@example.com",
            "phone": "(415) 555-0177",
        },
        follow_redirects=True,
    )
    for query, expected, absent in [
        ("lindq", "Lindqvist, Maya", "Amin"),
        ("noor@", "Amin, Noor", "Lindqvist"),
        ("510 555", "Amin, Noor", "Lindqvist"),
        ("maya lindqvist", "Lindqvist, Maya", "Amin"),
        ("nguyen", "Thompson-Nguyễn, Lan", "Lindqvist"),  # without the accent or the hyphen
        ("lan thompson nguyen", "Thompson-Nguyễn, Lan", "Amin"),
        ("thompson-nguyen, lan", "Thompson-Nguyễn, Lan", "Amin"),  # as the list shows it
        ("nguyen lan", "Thompson-Nguyễn, Lan", "Amin"),  # last name first, no comma
        ("1985-08-09", "Amin, Noor", "Lindqvist"),  # her date of birth, as lists show it
        ("08/09/1985", "Amin, Noor", "Lindqvist"),  # and as Americans write it
    ]:
        page = client.get("/", query_string={"q": query}).get_data(as_text=True)
        assert expected in page, query
        assert absent not in page, query
    one_letter = client.get("/", query_string={"q": "l"}).get_data(as_text=True)
    assert "Type at least two letters or digits to search." in one_letter
    assert "No patient matches" not in one_letter
    # One letter and an apostrophe is still one letter of a name: it lists nobody.
    assert "Lindqvist" not in client.get("/", query_string={"q": "q'"}).get_data(as_text=True)


def test_unknown_patient_is_a_404_page(client: FlaskClient, staff: dict[str, str]) -> None:
    sign_in(client, staff["front_desk"])
    response = client.get("/patients/999999")
    assert response.status_code == 404
    assert "There is no patient 999999." in response.get_data(as_text=True)


def test_the_patient_page_shows_her_age_and_what_it_allows(
    app: Flask, client: FlaskClient, staff: dict[str, str], setup_clinic: None
) -> None:
    """Microneedling is for 18 and over; under 22 a clinician signs it off (the clinic's
    defaults): the desk sees it when she is registered, not at the first refused booking."""
    from datetime import date

    from clinic.clock import local_today
    from clinic.practice.service import clinic_zone

    sign_in(client, staff["front_desk"])
    with app.test_request_context():
        today = local_today(clinic_zone())
    born = {
        "Tia": date(today.year - 15, 1, 1),
        "Uma": date(today.year - 20, 1, 1),
        "Vera": date(today.year - 40, 1, 1),
    }
    shown = {}
    for first, on in born.items():
        data = {**GOOD, "first_name": first, "email": f"{first}@example.com", "phone": ""}
        data["sms_consent"] = ""  # her own details: no other patient shares them
        response = client.post("/patients/new", data={**data, "date_of_birth": on.isoformat()})
        assert response.status_code == 302
        shown[first] = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "(age 15)" in shown["Tia"] and "Under 18: no microneedling" in shown["Tia"]
    assert "(age 20)" in shown["Uma"] and "Under 22: a clinician signs off" in shown["Uma"]
    assert "(age 40)" in shown["Vera"] and "Under " not in shown["Vera"]


def test_the_patient_page_tells_a_sign_off_screening_from_a_refusal(
    app: Flask, client: FlaskClient, staff: dict[str, str], setup_clinic: None
) -> None:
    """A sunburn needs a clinician's sign-off; a pregnancy rules microneedling out."""
    from clinic.audit.service import Actor
    from clinic.clock import utcnow
    from clinic.practice.service import get_clinic
    from clinic.scheduling.screening import Contraindication
    from clinic.scheduling.screenings import record_screening

    sign_in(client, staff["front_desk"])
    pages = {}
    for first, yes in (("Sunny", "recent_sunburn"), ("Pia", "pregnant")):
        data = {**GOOD, "first_name": first, "email": f"{first}@example.com", "phone": ""}
        data["sms_consent"] = ""  # her own details: no other patient shares them
        created = client.post("/patients/new", data=data)
        patient_id = int(created.headers["Location"].rsplit("/", 1)[1])
        with app.test_request_context():
            answers = {code.value: code.value == yes for code in Contraindication}
            patient = db.session.get(Patient, patient_id)
            record_screening(
                patient, answers, clinic=get_clinic(), actor=Actor("Desk"), now=utcnow()
            )
            db.session.commit()
        pages[first] = client.get(f"/patients/{patient_id}").get_data(as_text=True)
    assert "Screening: needs a clinician's sign-off" in pages["Sunny"]
    assert "not eligible" not in pages["Sunny"]
    assert "Screening: not eligible" in pages["Pia"]


def test_details_matching_a_registered_patient_are_confirmed_before_saving(
    client: FlaskClient, staff: dict[str, str], app: Flask
) -> None:
    sign_in(client, staff["front_desk"])
    first = client.post("/patients/new", data=GOOD)
    first_id = first.headers["Location"].rsplit("/", 1)[1]

    again = client.post("/patients/new", data=GOOD)

    page = again.get_data(as_text=True)
    assert again.status_code == 422  # nothing saved: a form to fix, first on the page
    assert "<title>Error: New patient" in page
    assert page.index("Is this someone already registered?") < page.index('name="first_name"')
    assert "Tick this if this is a different person" in page
    assert f'href="/patients/{first_id}">Maya Lindqvist</a>' in page
    assert 'value="Maya"' in page  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(select(func.count(Patient.id))) == 1

    # A daughter sharing her mother's email: a different person, confirmed.
    daughter = {**GOOD, "first_name": "Lina", "date_of_birth": "2004-05-01", "phone": ""}
    warned = client.post("/patients/new", data={**daughter, "sms_consent": ""})
    assert "Is this someone already registered?" in warned.get_data(as_text=True)
    saved = client.post(
        "/patients/new", data={**daughter, "sms_consent": "", "not_a_duplicate": "y"}
    )
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(Patient.id))) == 2


def test_a_change_that_makes_her_match_another_patient_is_confirmed_first(
    client: FlaskClient, staff: dict[str, str], app: Flask
) -> None:
    """Mother and daughter share an email (known since the daughter was registered): a
    change to the daughter's notes saves at once; the mother's mobile or her name and
    birthday typed on the daughter's record are shown first, and save once staff confirm."""
    sign_in(client, staff["front_desk"])
    mother = client.post("/patients/new", data=GOOD)
    mother_id = mother.headers["Location"].rsplit("/", 1)[1]
    daughter = {**GOOD, "first_name": "Lina", "date_of_birth": "2004-05-01", "phone": ""}
    registered = client.post(
        "/patients/new", data={**daughter, "sms_consent": "", "not_a_duplicate": "y"}
    )
    edit = registered.headers["Location"] + "/edit"

    noted = client.post(edit, data={**daughter, "sms_consent": "", "notes": "Prefers Ana"})
    assert noted.status_code == 302

    same_mobile = {**daughter, "phone": GOOD["phone"], "notes": "Prefers Ana"}
    warned = client.post(edit, data=same_mobile)
    page = warned.get_data(as_text=True)
    assert warned.status_code == 422
    assert "Is this someone already registered?" in page
    assert f'href="/patients/{mother_id}">Maya Lindqvist</a>' in page
    assert "This is a different person: save anyway" in page
    with app.app_context():
        lina = db.session.scalar(select(Patient).where(Patient.first_name == "Lina"))
        assert lina is not None and lina.phone is None

    saved = client.post(edit, data={**same_mobile, "not_a_duplicate": "y"})
    assert saved.status_code == 302
    with app.app_context():
        lina = db.session.scalar(select(Patient).where(Patient.first_name == "Lina"))
        assert lina is not None and lina.phone is not None

    # Her mother's name and birthday typed on her record: shown, though they share an email.
    mistyped = client.post(edit, data={**GOOD, "notes": "Prefers Ana"})
    assert "Is this someone already registered?" in mistyped.get_data(as_text=True)


def test_a_name_longer_once_folded_is_registered_and_found(
    client: FlaskClient, staff: dict[str, str]
) -> None:
    """Folding may lengthen a name ("ß" reads "ss"): the longest name the form takes still
    saves (PostgreSQL refused the key as too long), and an apostrophe is no obstacle."""
    sign_in(client, staff["front_desk"])
    long_name = {**GOOD, "last_name": "ß" * 80, "email": "long@example.com", "phone": ""}
    saved = client.post("/patients/new", data={**long_name, "sms_consent": ""})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    apostrophe = {**GOOD, "last_name": "O'Brien", "email": "ob@example.com", "phone": ""}
    assert client.post("/patients/new", data={**apostrophe, "sms_consent": ""}).status_code == 302

    found = client.get("/", query_string={"q": "obrien"}).get_data(as_text=True)

    assert "O&#39;Brien, Maya" in found
