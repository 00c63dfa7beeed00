"""The API's first rows: tokens, the clinic's setup, patients, and the conventions of API.md."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic.extensions import db
from tests.conftest import PASSWORD

API = "/api/v1"


def issue_token(client: FlaskClient, email: str, password: str = PASSWORD) -> str:
    response = client.post(f"{API}/tokens", json={"email": email, "password": password})
    assert response.status_code == 201, response.get_data(as_text=True)
    return str(response.json["token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def auth(client: FlaskClient, staff: dict[str, str]) -> dict[str, str]:
    """Headers with a front desk token."""
    return bearer(issue_token(client, staff["front_desk"]))


def assert_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.json
    assert isinstance(body["error"], str) and body["error"]
    return dict(body)


PATIENT = {
    "first_name": "Maya",
    "last_name": "Lindqvist",
    "date_of_birth": "1988-04-23",
    "email": "maya@example.com",
    "phone": "(415) 555-2671",
    "email_consent": True,
    "sms_consent": False,
}


def create(client: FlaskClient, auth: dict[str, str], **changes: Any) -> dict[str, Any]:
    response = client.post(f"{API}/patients", json={**PATIENT, **changes}, headers=auth)
    assert response.status_code == 201, response.get_data(as_text=True)
    return dict(response.json)


# Tokens ------------------------------------------------------------------------------------


def test_token_is_issued_for_the_right_password(client: FlaskClient, staff: dict[str, str]) -> None:
    before = datetime.now(UTC)
    response = client.post(f"{API}/tokens", json={"email": staff["admin"], "password": PASSWORD})
    assert response.status_code == 201
    body = response.json
    assert isinstance(body["token"], str) and len(body["token"]) >= 32
    expires_at = datetime.fromisoformat(body["expires_at"])
    # In the clinic's zone (Los Angeles: -07:00 or -08:00), twelve hours out.
    assert expires_at.utcoffset() in (timedelta(hours=-7), timedelta(hours=-8))
    assert timedelta(hours=11, minutes=59) < expires_at - before <= timedelta(hours=12, seconds=5)
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get(f"{API}/clinic", headers=bearer(body["token"])).status_code in (200, 404)


def test_wrong_password_is_a_401_with_the_error_body(
    client: FlaskClient, staff: dict[str, str]
) -> None:
    response = client.post(f"{API}/tokens", json={"email": staff["admin"], "password": "nope"})
    body = assert_error(response, 401)
    assert body["error"] == "The email or password is wrong."
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_token_request_needs_json_with_both_fields(
    client: FlaskClient, staff: dict[str, str]
) -> None:
    assert_error(client.post(f"{API}/tokens", data="email=a&password=b"), 400)
    body = assert_error(client.post(f"{API}/tokens", json={"email": 5}), 422)
    assert set(body["fields"]) == {"email", "password"}
    # Longer than any address once lower-cased ("İ" becomes two characters): refused, not
    # stored in the failure log's 254-character column.
    long_email = {"email": "İ" * 200, "password": "x"}
    body = assert_error(client.post(f"{API}/tokens", json=long_email), 422)
    assert set(body["fields"]) == {"email"}


def test_repeated_failures_are_limited_with_retry_after(
    client: FlaskClient, staff: dict[str, str], app: Flask
) -> None:
    allowed = int(app.config["SIGN_IN_MAX_FAILURES_PER_ACCOUNT"])
    for _ in range(allowed):
        wrong = client.post(f"{API}/tokens", json={"email": staff["admin"], "password": "nope"})
        assert wrong.status_code == 401
    # The failures were committed, so even the right password now waits.
    response = client.post(f"{API}/tokens", json={"email": staff["admin"], "password": PASSWORD})
    assert_error(response, 429)
    assert int(response.headers["Retry-After"]) >= 1


def test_requests_without_a_good_token_are_401(client: FlaskClient, staff: dict[str, str]) -> None:
    assert_error(client.get(f"{API}/providers"), 401)
    assert_error(client.get(f"{API}/providers", headers=bearer("not-a-token")), 401)
    assert_error(client.get(f"{API}/providers", headers={"Authorization": "Basic eDp5"}), 401)
    assert_error(client.get(f"{API}/patients/1"), 401)


def test_expired_token_is_a_401(client: FlaskClient, staff: dict[str, str], app: Flask) -> None:
    from clinic.accounts.models import User
    from clinic.accounts.service import issue_token as service_issue_token

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == staff["clinician"]))
        assert user is not None
        issued = service_issue_token(
            user, now=datetime.now(UTC) - timedelta(hours=13), lifetime=timedelta(hours=12)
        )
        db.session.commit()
    assert_error(client.get(f"{API}/rooms", headers=bearer(issued.token)), 401)


def test_revoked_token_is_a_401(client: FlaskClient, staff: dict[str, str]) -> None:
    token = issue_token(client, staff["clinician"])
    assert client.get(f"{API}/rooms", headers=bearer(token)).status_code == 200
    response = client.delete(f"{API}/tokens/current", headers=bearer(token))
    assert response.status_code == 204
    assert response.get_data() == b""
    assert_error(client.get(f"{API}/rooms", headers=bearer(token)), 401)
    assert_error(client.delete(f"{API}/tokens/current", headers=bearer(token)), 401)


def test_every_role_may_use_these_rows(
    client: FlaskClient, staff: dict[str, str], setup_clinic: None
) -> None:
    for email in staff.values():
        headers = bearer(issue_token(client, email))
        for path in ("/clinic", "/providers", "/rooms", "/services", "/patients?q=ma"):
            assert client.get(f"{API}{path}", headers=headers).status_code == 200, (email, path)


def test_openapi_document_is_open(client: FlaskClient) -> None:
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    document = response.json
    assert document["openapi"].startswith("3.0")
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path in ("/tokens", "/clinic", "/providers", "/rooms", "/services", "/patients"):
        assert path in document["paths"]
    assert "Error" in document["components"]["schemas"]


# The clinic's setup ------------------------------------------------------------------------


def test_clinic(client: FlaskClient, auth: dict[str, str], setup_clinic: None) -> None:
    response = client.get(f"{API}/clinic", headers=auth)
    assert response.status_code == 200
    body = response.json
    assert set(body) == {"name", "timezone", "phone"}
    assert body["timezone"] == "America/Los_Angeles"
    assert body["name"]


def test_clinic_before_setup_is_a_404(client: FlaskClient, auth: dict[str, str]) -> None:
    assert_error(client.get(f"{API}/clinic", headers=auth), 404)


def test_providers_rooms_and_services(
    client: FlaskClient, auth: dict[str, str], setup_clinic: None, app: Flask
) -> None:
    providers = client.get(f"{API}/providers", headers=auth).json
    assert providers and all(set(p) == {"id", "name", "credential"} for p in providers)
    assert "Ana Morales" in [p["name"] for p in providers]

    rooms = client.get(f"{API}/rooms", headers=auth).json
    assert rooms and all(set(r) == {"id", "name"} for r in rooms)

    from clinic.practice.models import Service

    with app.app_context():
        retired = db.session.scalar(select(Service).where(Service.name == "Results check-in"))
        assert retired is not None
        retired.is_active = False
        db.session.commit()
    services = client.get(f"{API}/services", headers=auth).json
    keys = {"id", "name", "kind", "procedure_minutes", "numbing_minutes", "buffer_minutes"}
    assert services and all(set(s) == keys for s in services)
    assert "Results check-in" not in [s["name"] for s in services]
    face = next(s for s in services if s["name"] == "Microneedling — face")
    assert face["kind"] == "microneedling"
    assert (face["procedure_minutes"], face["numbing_minutes"], face["buffer_minutes"]) == (
        30,
        45,
        15,
    )


# Patients ----------------------------------------------------------------------------------


def test_create_then_get_a_patient(
    client: FlaskClient, auth: dict[str, str], setup_clinic: None, app: Flask
) -> None:
    response = client.post(f"{API}/patients", json=PATIENT, headers=auth)
    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.json
    assert created == {**PATIENT, "id": created["id"], "phone": "+14155552671"}
    assert response.headers["Location"].endswith(f"{API}/patients/{created['id']}")

    fetched = client.get(f"{API}/patients/{created['id']}", headers=auth)
    assert fetched.status_code == 200
    assert fetched.json == created

    # The acting user is the token's: the audit log names her.
    from clinic.accounts.models import User
    from clinic.audit.models import AuditEntry

    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(
                AuditEntry.entity == "patient", AuditEntry.entity_id == created["id"]
            )
        )
        user = db.session.scalar(select(User).where(User.email == "front-desk@test.clinic"))
        assert entry is not None and user is not None
        assert entry.actor_id == user.id


@pytest.mark.parametrize("missing", [None, ""])
def test_email_and_phone_may_be_null_or_empty(
    client: FlaskClient, auth: dict[str, str], missing: str | None
) -> None:
    only_phone = create(client, auth, email=missing, email_consent=False, sms_consent=True)
    assert only_phone["email"] is None and only_phone["phone"] == "+14155552671"
    only_email = create(client, auth, phone=missing)
    assert only_email["phone"] is None and only_email["email"] == "maya@example.com"


def test_consents_default_to_false(client: FlaskClient, auth: dict[str, str]) -> None:
    body = {k: v for k, v in PATIENT.items() if not k.endswith("_consent")}
    response = client.post(f"{API}/patients", json=body, headers=auth)
    assert response.status_code == 201
    assert (response.json["email_consent"], response.json["sms_consent"]) == (False, False)


def test_a_422_names_each_bad_field(client: FlaskClient, auth: dict[str, str]) -> None:
    body = {
        "date_of_birth": "1990-02-30",
        "email": "maya@",
        "phone": "12345",
        "email_consent": False,
        "sms_consent": False,
    }
    response = client.post(f"{API}/patients", json=body, headers=auth)
    fields = assert_error(response, 422)["fields"]
    assert set(fields) == {"first_name", "last_name", "date_of_birth", "email", "phone"}
    assert all(isinstance(message, str) and message for message in fields.values())
    assert fields["date_of_birth"] == "1990-02-30 is not a date: February 1990 has 28 days."


def test_a_date_of_birth_in_the_future_is_a_422(client: FlaskClient, auth: dict[str, str]) -> None:
    response = client.post(
        f"{API}/patients", json={**PATIENT, "date_of_birth": "2999-01-01"}, headers=auth
    )
    assert set(assert_error(response, 422)["fields"]) == {"date_of_birth"}


def test_wrong_json_types_are_a_422_naming_each_field(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    body = {
        "first_name": 5,
        "last_name": None,
        "date_of_birth": 19880423,
        "email": ["maya@example.com"],
        "phone": 4155552671,
        "email_consent": "yes",
        "sms_consent": 1,
    }
    response = client.post(f"{API}/patients", json=body, headers=auth)
    assert set(assert_error(response, 422)["fields"]) == set(body)


@pytest.mark.parametrize("date_of_birth", ["04/23/1988", "19880423", "1988-W16-6"])
def test_a_date_not_written_yyyy_mm_dd_is_a_422(
    client: FlaskClient, auth: dict[str, str], date_of_birth: str
) -> None:
    response = client.post(
        f"{API}/patients", json={**PATIENT, "date_of_birth": date_of_birth}, headers=auth
    )
    assert set(assert_error(response, 422)["fields"]) == {"date_of_birth"}


def test_text_no_database_can_store_is_refused(client: FlaskClient, auth: dict[str, str]) -> None:
    response = client.post(
        f"{API}/patients", json={**PATIENT, "first_name": "Ma\x00ya"}, headers=auth
    )
    assert set(assert_error(response, 422)["fields"]) == {"first_name"}
    assert_error(client.get(f"{API}/patients?q=ma%00ya", headers=auth), 400)


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("first_name=Maya", "application/x-www-form-urlencoded"),
        ("{not json", "application/json"),
        ('["a list"]', "application/json"),
        ("", "application/json"),
        ("null", "application/json"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_400(
    client: FlaskClient, auth: dict[str, str], data: str, content_type: str
) -> None:
    response = client.post(f"{API}/patients", data=data, content_type=content_type, headers=auth)
    assert_error(response, 400)


@pytest.mark.parametrize("query", ["", "?q=", "?q=a", "?q=%20a%20", "?other=maya"])
def test_search_needs_q_of_two_characters(
    client: FlaskClient, auth: dict[str, str], query: str
) -> None:
    body = assert_error(client.get(f"{API}/patients{query}", headers=auth), 400)
    assert "q" in body["fields"]


def test_unknown_patient_and_unknown_paths_are_json_404s(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    assert_error(client.get(f"{API}/patients/999", headers=auth), 404)
    assert_error(client.get(f"{API}/patients/0", headers=auth), 404)
    assert_error(client.get(f"{API}/patients/99999999999999999999", headers=auth), 404)
    assert_error(client.get(f"{API}/patients/abc", headers=auth), 404)
    assert_error(client.get(f"{API}/no-such-thing", headers=auth), 404)
    assert_error(client.get(f"{API}/no-such-thing"), 404)


def test_a_method_an_address_does_not_take_is_a_json_405(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    assert_error(client.put(f"{API}/clinic", headers=auth), 405)
    assert_error(client.delete(f"{API}/patients", headers=auth), 405)


def test_search_by_name_email_and_phone_digits_best_first(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    smith = create(client, auth, first_name="Ann", last_name="Smith", email="ann@example.com")
    smithers = create(
        client,
        auth,
        first_name="Anna",
        last_name="Smithers",
        email="anna.s@example.net",
        phone="(206) 555-0100",
    )
    blacksmith = create(
        client, auth, first_name="John", last_name="Blacksmith", email="jb@example.org"
    )
    annan = create(client, auth, first_name="Kofi", last_name="Annan", email="kofi@example.org")

    def ids(q: str) -> list[int]:
        response = client.get(f"{API}/patients", query_string={"q": q}, headers=auth)
        assert response.status_code == 200, response.get_data(as_text=True)
        return [p["id"] for p in response.json]

    # Last-name prefixes first (alphabetical), a match inside a word after them.
    assert ids("smith") == [smith["id"], smithers["id"], blacksmith["id"]]
    # An exact full name beats everything else.
    assert ids("ann smith")[0] == smith["id"]
    # "ann": Annan (last-name prefix) before the first names Ann and Anna.
    assert ids("ann") == [annan["id"], smith["id"], smithers["id"]]
    # Email prefix; phone digits however they are typed.
    assert ids("anna.s@") == [smithers["id"]]
    assert ids("(206) 555-01") == [smithers["id"]]
    assert ids("2065550100") == [smithers["id"]]
    assert ids("zz") == []


def test_search_returns_at_most_fifty(client: FlaskClient, auth: dict[str, str]) -> None:
    for number in range(52):
        create(client, auth, first_name=f"Pat{number:02d}", last_name="Quinn")
    response = client.get(f"{API}/patients?q=quinn", headers=auth)
    assert response.status_code == 200
    assert len(response.json) == 50


def test_iso_local_gives_the_clinic_offset(app: Flask) -> None:
    from clinic.api.representations import iso_local

    with app.test_request_context():
        assert iso_local(datetime(2027, 3, 14, 17, 0, tzinfo=UTC)) == "2027-03-14T10:00:00-07:00"
        assert iso_local(datetime(2027, 1, 14, 18, 0, tzinfo=UTC)) == "2027-01-14T10:00:00-08:00"
        with pytest.raises(ValueError):
            iso_local(datetime(2027, 1, 14, 18, 0))
