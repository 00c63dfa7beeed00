"""The staff's Messages page and the patients' one-click unsubscribe."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.reminders.models import Message
from clinic.reminders.rules import Channel, MessageKind, MessageStatus
from clinic.reminders.unsubscribe import unsubscribe_token
from tests.clinics import add_patient
from tests.conftest import sign_in

NOW = datetime(2027, 3, 10, 17, 0, tzinfo=UTC)


def add_patient_and_message(app: Flask, status: MessageStatus) -> tuple[int, int]:
    with app.app_context():
        patient = Patient(
            first_name="Ines",
            last_name="Alves",
            date_of_birth=datetime(1990, 1, 1).date(),
            email="ines@example.com",
            phone=None,
            email_consent=True,
            sms_consent=False,
            notes="",
            created_at=NOW,
            updated_at=NOW,
            search_name="ines alves",
            search_last="alves",
            email_key="ines@example.com",
        )
        db.session.add(patient)
        db.session.flush()
        message = Message(
            dedupe_key="k1",
            patient_id=patient.id,
            kind=MessageKind.REMINDER,
            channel=Channel.EMAIL,
            recipient="ines@example.com",
            send_at=NOW,
            status=status,
            attempts=5,
            last_error="SMTP: connection refused",
            message_id="reminder.abc",
            created_at=NOW,
        )
        db.session.add(message)
        db.session.commit()
        return patient.id, message.id


def test_staff_see_failures_and_can_resend(
    app: Flask, client: FlaskClient, staff: dict[str, str], setup_clinic: None
) -> None:
    _, message_id = add_patient_and_message(app, MessageStatus.FAILED)
    sign_in(client, staff["front_desk"])
    page = client.get("/messages", query_string={"status": "failed"}).get_data(as_text=True)
    assert "Ines Alves" in page and "connection refused" in page
    response = client.post(f"/messages/{message_id}/resend")
    assert response.status_code == 302
    with app.app_context():
        message = db.session.get(Message, message_id)
        assert message.status is MessageStatus.SCHEDULED and message.attempts == 0


def test_one_click_unsubscribe(app: Flask, client: FlaskClient, setup_clinic: None) -> None:
    patient_id, _ = add_patient_and_message(app, MessageStatus.SCHEDULED)
    token = unsubscribe_token(str(app.config["SECRET_KEY"]), patient_id)
    page = client.get(f"/unsubscribe/{token}")
    assert page.status_code == 200 and "Stop reminders?" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Patient, patient_id).unsubscribed_at is None  # a GET changes nothing
    done = client.post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    with app.app_context():
        assert db.session.get(Patient, patient_id).unsubscribed_at is not None


def test_a_forged_unsubscribe_link_is_refused(client: FlaskClient, setup_clinic: None) -> None:
    assert client.post("/unsubscribe/1.forged").status_code == 404


def test_a_message_that_would_be_skipped_again_is_not_offered_again(
    app: Flask, client: FlaskClient, staff: dict[str, str], setup_clinic: None
) -> None:
    """Skipped for want of consent: sending again would be skipped too, so the page says
    why instead of a Send again that promises a message that will not go."""
    patient_id, message_id = add_patient_and_message(app, MessageStatus.SKIPPED)
    with app.app_context():
        db.session.get(Patient, patient_id).email_consent = False
        db.session.commit()
    sign_in(client, staff["front_desk"])

    page = client.get(f"/messages/{message_id}").get_data(as_text=True)
    assert "Sending it again would be skipped too: no email consent." in page
    assert ">Send again</button>" not in page
    refused = client.post(f"/messages/{message_id}/resend", follow_redirects=True)
    assert "Sending it again would be skipped too: no email consent." in refused.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.get(Message, message_id).status is MessageStatus.SKIPPED


def test_the_messages_page_goes_back_page_by_page_and_by_patient(
    app: Flask, client: FlaskClient, staff: dict[str, str], setup_clinic: None
) -> None:
    patient_id, _ = add_patient_and_message(app, MessageStatus.SENT)
    with app.app_context():
        for n in range(150):
            db.session.add(
                Message(
                    dedupe_key=f"old{n}",
                    patient_id=patient_id,
                    kind=MessageKind.CONFIRMATION,
                    channel=Channel.EMAIL,
                    recipient="ines@example.com",
                    send_at=NOW - timedelta(days=n + 1),
                    status=MessageStatus.SENT,
                    message_id=f"confirmation.{n}",
                    created_at=NOW,
                )
            )
        db.session.commit()
    sign_in(client, staff["front_desk"])

    first = client.get("/messages").get_data(as_text=True)
    assert first.count("<tr>") - 1 == 100  # the header row, then a page of messages
    assert "Earlier messages" in first and "Later messages" not in first
    second = client.get("/messages?page=2").get_data(as_text=True)
    assert second.count("<tr>") - 1 == 51 and "Later messages" in second
    assert "Earlier messages" not in second
    assert client.get("/messages?page=abc").status_code == 200
    # The pages keep the filters: her sent confirmations, page by page.
    hers = client.get(f"/messages?patient_id={patient_id}&status=sent&kind=confirmation").get_data(
        as_text=True
    )
    assert (
        f'href="/messages?patient_id={patient_id}&amp;status=sent&amp;kind=confirmation&amp;page=2"'
        in hers
    )
    assert hers.count("<tr>") - 1 == 100 and "reminder</td>" not in hers
    patient_page = client.get(f"/patients/{patient_id}").get_data(as_text=True)
    assert f'href="/messages?patient_id={patient_id}"' in patient_page


def test_the_messages_page_reads_its_patients_at_once_however_many_there_are(
    app: Flask, client: FlaskClient, staff: dict[str, str], setup_clinic: None
) -> None:
    """A page of messages to many patients costs the statements of one to a few: the
    patients are read with the page (one read each would slow the page as the list grows)."""
    sign_in(client, staff["front_desk"])

    def statements_for_the_page() -> tuple[int, str]:
        run: list[str] = []

        def count(*args: object) -> None:
            run.append(str(args[2]))

        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", count)
            try:
                page = client.get("/messages").get_data(as_text=True)
            finally:
                sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(run), page

    def add_patients_with_a_message(first: int, last: int) -> None:
        with app.app_context():
            for n in range(first, last):
                patient = add_patient(f"patient{n}", date(1990, 1, 1), NOW)
                db.session.add(
                    Message(
                        dedupe_key=f"many{n}",
                        patient_id=patient.id,
                        kind=MessageKind.CONFIRMATION,
                        channel=Channel.EMAIL,
                        recipient="",
                        send_at=NOW - timedelta(minutes=n),
                        status=MessageStatus.SENT,
                        message_id=f"many.{n}",
                        created_at=NOW,
                    )
                )
            db.session.commit()

    add_patients_with_a_message(0, 3)
    few, page = statements_for_the_page()
    assert "patient2 Test" in page
    add_patients_with_a_message(3, 40)
    many, page = statements_for_the_page()
    assert "patient39 Test" in page
    assert many == few, f"{few} statements for 3 patients, {many} for 40"
