"""Values as people read them on the staff pages: phone numbers in the clinic's national form
(other countries' in the grouped international form), and the gap and cap refusals of
microneedling visits with their days written out ("Thursday 4 March 2027"). Storage and the
API keep E.164 and ISO dates.

Pages read the real clock, so visits are booked relative to today, in a clinic open every day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from clinic.clock import to_utc
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.reminders.models import Message
from clinic.reminders.rules import Channel, MessageKind, MessageStatus
from tests.clinics import LA, NO, build_clinic
from tests.conftest import PASSWORD, sign_in


@dataclass(frozen=True)
class Spa:
    face: int
    ana: int
    maya: int  # a US mobile
    noor: int  # a UK mobile
    next_week: date


@pytest.fixture
def spa(app: Flask, staff: dict[str, str]) -> Spa:
    now = datetime.now(UTC)
    with app.app_context():
        built = build_clinic(
            now,
            {"Maya": (date(1990, 5, 1), NO), "Noor": (date(1985, 8, 9), NO)},
            open_days=7,
            lunch=None,
        )
        maya, noor = built.patients["Maya"], built.patients["Noor"]
        maya.phone, maya.phone_digits = "+14155550142", "14155550142"
        noor.phone, noor.phone_digits = "+447700900123", "447700900123"
        db.session.commit()
        today = now.astimezone(LA).date()
        return Spa(built.face.id, built.ana.id, maya.id, noor.id, today + timedelta(days=7))


def long_day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


# --- Phone numbers --------------------------------------------------------------------------


def test_patient_pages_show_phones_in_a_readable_form(
    app: Flask, client: FlaskClient, spa: Spa, staff: dict[str, str]
) -> None:
    sign_in(client, staff["front_desk"])

    maya = client.get(f"/patients/{spa.maya}").get_data(as_text=True)
    assert "(415) 555-0142 · no texts" in maya
    assert "+14155550142" not in maya

    noor = client.get(f"/patients/{spa.noor}").get_data(as_text=True)
    assert "+44 7700 900123" in noor  # another country: grouped, with its code
    assert "+447700900123" not in noor

    found = client.get("/?q=test").get_data(as_text=True)
    assert "(415) 555-0142" in found and "+44 7700 900123" in found
    assert "+14155550142" not in found and "+447700900123" not in found


def test_the_edit_form_shows_the_readable_phone_and_saving_it_keeps_e164(
    app: Flask, client: FlaskClient, spa: Spa, staff: dict[str, str]
) -> None:
    sign_in(client, staff["front_desk"])
    form = client.get(f"/patients/{spa.maya}/edit").get_data(as_text=True)
    assert 'value="(415) 555-0142"' in form

    unchanged = {
        "first_name": "Maya",
        "last_name": "Test",
        "date_of_birth": "1990-05-01",
        "email": "Maya@example.com",
        "phone": "(415) 555-0142",
        "email_consent": "y",
    }
    assert client.post(f"/patients/{spa.maya}/edit", data=unchanged).status_code == 302
    with app.app_context():
        assert db.session.get(Patient, spa.maya).phone == "+14155550142"


def test_an_sms_message_names_its_recipient_in_a_readable_form(
    app: Flask, client: FlaskClient, spa: Spa, staff: dict[str, str]
) -> None:
    now = datetime.now(UTC)
    with app.app_context():
        message = Message(
            dedupe_key="sms-1",
            patient_id=spa.maya,
            kind=MessageKind.REMINDER,
            channel=Channel.SMS,
            recipient="+14155550142",
            send_at=now,
            status=MessageStatus.SENT,
            attempts=1,
            message_id="reminder.sms1",
            created_at=now,
        )
        db.session.add(message)
        db.session.commit()
        message_id = message.id
    sign_in(client, staff["front_desk"])
    page = client.get(f"/messages/{message_id}").get_data(as_text=True)
    assert "sms · (415) 555-0142" in page
    assert "+14155550142" not in page


def test_the_api_keeps_phones_in_e164(
    app: Flask, client: FlaskClient, spa: Spa, staff: dict[str, str]
) -> None:
    token = client.post(
        "/api/v1/tokens", json={"email": staff["front_desk"], "password": PASSWORD}
    ).json["token"]
    body = client.get(f"/api/v1/patients/{spa.maya}", headers={"Authorization": f"Bearer {token}"})
    assert body.json["phone"] == "+14155550142"


# --- Gap and cap sentences ------------------------------------------------------------------


def _book(client: FlaskClient, spa: Spa, day: date):
    start = to_utc(datetime.combine(day, time(10)), LA)
    data = {
        "patient_id": spa.maya,
        "service_id": spa.face,
        "start": start.isoformat(),
        "provider_id": spa.ana,
    }
    return client.post("/book", data=data)


def test_a_visit_too_close_to_another_names_its_day_in_words(
    client: FlaskClient, spa: Spa, staff: dict[str, str]
) -> None:
    sign_in(client, staff["front_desk"])
    first = spa.next_week
    assert _book(client, spa, first).status_code == 302

    refused = _book(client, spa, first + timedelta(days=14))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert f"at least 28 days apart; there is one on {long_day(first)}." in page

    # The finder explains an empty search with the same sentence.
    later = first + timedelta(days=1)
    finder = client.get(
        f"/book?patient_id={spa.maya}&service_id={spa.face}"
        f"&from_on={later.isoformat()}&to_on={(first + timedelta(days=20)).isoformat()}"
    ).get_data(as_text=True)
    assert f"there is one on {long_day(first)}." in finder


def test_a_visit_over_the_yearly_cap_names_its_days_in_words(
    client: FlaskClient, spa: Spa, staff: dict[str, str]
) -> None:
    sign_in(client, staff["front_desk"])
    first, second, third = (spa.next_week + timedelta(days=n) for n in (0, 35, 70))
    assert _book(client, spa, first).status_code == 302
    assert _book(client, spa, second).status_code == 302

    refused = _book(client, spa, third)
    assert refused.status_code == 422
    assert (
        "Without a plan, at most 2 sessions in any twelve months; this would be 3 between "
        f"{long_day(first)} and {long_day(third)}."
    ) in refused.get_data(as_text=True)
