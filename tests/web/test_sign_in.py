from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import PASSWORD, sign_in


def test_front_desk_signs_in_and_sees_patients(
    client: FlaskClient, staff: dict[str, str], setup_clinic: None
) -> None:
    sign_in(client, staff["front_desk"])
    page = client.get("/")
    assert page.status_code == 200
    assert "Find a patient" in page.get_data(as_text=True)


def test_wrong_password_is_refused(client: FlaskClient, staff: dict[str, str]) -> None:
    response = client.post("/sign-in", data={"email": staff["admin"], "password": "nope"})
    assert response.status_code == 401
    assert "The email or password is wrong." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    empty = client.post("/sign-in", data={"email": "", "password": ""}).get_data(as_text=True)
    assert "Enter your email." in empty and "Enter your password." in empty


def test_signing_in_opens_the_days_calendar_or_the_page_asked_for(
    client: FlaskClient, staff: dict[str, str]
) -> None:
    signed_in = client.post("/sign-in", data={"email": staff["front_desk"], "password": PASSWORD})
    assert signed_in.headers["Location"] == "/calendar"
    client.post("/sign-out")
    asked = client.post(
        "/sign-in?next=/patients/new", data={"email": staff["front_desk"], "password": PASSWORD}
    )
    assert asked.headers["Location"] == "/patients/new"


def test_signed_out_visitor_is_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/patients/new")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_security_headers_on_every_page(client: FlaskClient) -> None:
    response = client.get("/sign-in")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_sign_out_ends_the_session(client: FlaskClient, staff: dict[str, str], app: Flask) -> None:
    sign_in(client, staff["clinician"], PASSWORD)
    assert client.get("/").status_code == 200
    client.post("/sign-out")
    assert client.get("/").status_code == 302


def test_a_patient_on_the_staff_sign_in_finds_her_portal(client: FlaskClient) -> None:
    page = client.get("/sign-in").get_data(as_text=True)
    assert '<a href="/portal/sign-in">Sign in to your patient portal</a>' in page
    assert client.get("/portal/sign-in").status_code == 200
