"""The front desk's pages: calendar, "Find a slot", a visit, the screening form.

Pages read the real clock, so visits are booked relative to today (a week ahead, in a clinic
open every day); the DST days are fixed dates whose rows are written directly.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from clinic.audit.models import AuditEntry
from clinic.clock import to_utc
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.practice.models import Service
from clinic.scheduling.models import Appointment, Screening
from clinic.scheduling.screening import Contraindication
from clinic.scheduling.status import AppointmentStatus
from tests.clinics import LA, NO, build_clinic, write_visit
from tests.conftest import sign_in


@dataclass(frozen=True)
class Desk:
    ana: int
    sam: int
    rose: int
    face: int
    check_in: int
    maya: int
    noor: int
    young: int
    unscreened: int
    next_week: date


@pytest.fixture
def desk(app: Flask, staff: dict[str, str]) -> Desk:
    """A clinic open 9 to 19 every day, two providers working 9 to 18 every day, two rooms;
    a facial microneedling service and a results check-in; screened patients."""
    now = datetime.now(UTC)
    today = now.astimezone(LA).date()
    with app.app_context():
        built = build_clinic(
            now,
            {
                "Maya": (date(1990, 5, 1), NO),
                "Noor": (date(1985, 8, 9), NO),
                "Yara": (today.replace(year=today.year - 20) - timedelta(days=30), NO),
                "Uma": (date(1980, 1, 2), None),
            },
            name="Desk Clinic",
            open_days=7,
            provider_names=("Ana Ruiz", "Sam Lee"),
            lunch=None,
        )
        db.session.commit()
        people = built.patients
        return Desk(
            built.ana.id,
            built.sam.id,
            built.rose.id,
            built.face.id,
            built.check_in.id,
            people["Maya"].id,
            people["Noor"].id,
            people["Yara"].id,
            people["Uma"].id,
            today + timedelta(days=7),
        )


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return to_utc(datetime.combine(day, time(hh, mm)), LA)


def book(client: FlaskClient, desk: Desk, patient: int, start: datetime, **extra: object):
    data = {
        "patient_id": patient,
        "service_id": desk.face,
        "start": start.isoformat(),
        "provider_id": desk.ana,
        **extra,
    }
    return client.post("/book", data=data)


def visit_id(response) -> int:
    match = re.search(r"/visits/(\d+)$", response.headers["Location"])
    assert match, response.headers.get("Location")
    return int(match.group(1))


def insert_visit(
    app: Flask,
    desk: Desk,
    starts_at: datetime,
    *,
    service: str = "face",
    patient: int | None = None,
) -> int:
    """A visit row written directly (outside the booking rules), for fixed dates."""
    with app.app_context():
        svc = db.session.get(Service, getattr(desk, service))
        visit = write_visit(patient or desk.maya, svc, desk.ana, desk.rose, starts_at)
        db.session.commit()
        return visit.id


def test_every_page_renders(
    app: Flask, client: FlaskClient, staff: dict[str, str], desk: Desk
) -> None:
    sign_in(client, staff["front_desk"])
    visit = visit_id(book(client, desk, desk.maya, at(desk.next_week, 10)))
    pages = [
        "/calendar",
        f"/calendar?date={desk.next_week.isoformat()}",
        "/calendar?date=not-a-date",
        f"/calendar/week?provider_id={desk.ana}&date={desk.next_week.isoformat()}",
        "/calendar/week",
        "/book",
        "/book?q=maya",
        f"/book?patient_id={desk.maya}&service_id={desk.face}",
        f"/book/time?patient_id={desk.maya}&service_id={desk.face}",
        f"/visits/{visit}",
        f"/visits/{visit}/move",
        f"/patients/{desk.maya}/screening",
        f"/patients/{desk.maya}",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert 'style="' not in response.get_data(as_text=True), path  # the CSP forbids it
    day = client.get(f"/calendar?date={desk.next_week.isoformat()}").get_data(as_text=True)
    assert "Maya Test" in day and 'class="visit visit--booked"' in day
    assert "visit__numbing" in day  # numbing drawn apart from the procedure
    patient_page = client.get(f"/patients/{desk.maya}").get_data(as_text=True)
    assert "Book a visit" in patient_page and f"/visits/{visit}" in patient_page
    assert "Screening eligible" in patient_page
    assert "Maya" in client.get("/book?q=maya").get_data(as_text=True)


def test_booking_from_the_finder(
    app: Flask, client: FlaskClient, staff: dict[str, str], desk: Desk
) -> None:
    sign_in(client, staff["front_desk"])
    day = desk.next_week.isoformat()
    page = client.get(
        f"/book?patient_id={desk.maya}&service_id={desk.face}&provider_id={desk.sam}"
        f"&from_on={day}&to_on={day}"
    ).get_data(as_text=True)
    slots = re.findall(r'name="slot" value="([^"]+)"', page)
    assert slots and all(s.endswith(f"|{desk.sam}") for s in slots)
    assert slots[0].startswith(at(desk.next_week, 9).isoformat())  # the first local 09:00
    response = client.post(
        "/book", data={"patient_id": desk.maya, "service_id": desk.face, "slot": slots[2]}
    )
    assert response.status_code == 302
    visit = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Booked Face for Maya Test" in visit and "09:30" in visit
    with app.app_context():
        booked = db.session.scalars(db.select(Appointment)).one()
        assert booked.provider_id == desk.sam and booked.starts_at == at(desk.next_week, 9, 30)


def test_a_finder_date_that_is_no_date_says_so_on_its_field(
    client: FlaskClient, staff: dict[str, str], desk: Desk
) -> None:
    """30 February is named as no date, on the From field, and the finder does not go on to
    measure a range from a date it never read."""
    sign_in(client, staff["front_desk"])
    page = client.get(f"/book?service_id={desk.face}&from_on=2027-02-30&to_on=2027-03-02").get_data(
        as_text=True
    )
    assert "2027-02-30 is not a date: February 2027 has 28 days." in page
    assert "Search at most" not in page
    assert 'name="slot"' not in page
    # The same from a link that names no service (the service is then the usual one).
    page = client.get("/book?from_on=2027-02-30&to_on=2027-03-02").get_data(as_text=True)
    assert 'id="from_on-error"' in page and "2027-02-30 is not a date" in page
    assert "Search at most" not in page


def test_a_check_in_searched_for_someone_never_treated_says_what_it_is_for(
    app: Flask, client: FlaskClient, staff: dict[str, str], desk: Desk
) -> None:
    sign_in(client, staff["front_desk"])
    query = f"/book?patient_id={desk.noor}&service_id={desk.check_in}"
    page = client.get(query).get_data(as_text=True)
    assert "has no microneedling session on record and no plan" in page
    assert 'name="slot"' in page  # still bookable: she may have been treated elsewhere

    with app.app_context():
        face = db.session.get(Service, desk.face)
        assert face is not None
        visit = write_visit(desk.noor, face, desk.ana, desk.rose, at(desk.next_week, 10))
        visit.status = AppointmentStatus.COMPLETED
        db.session.commit()
    assert "no microneedling session on record" not in client.get(query).get_data(as_text=True)


def test_the_finder_says_why_days_have_no_times(
    app: Flask, client: FlaskClient, staff: dict[str, str], desk: Desk
) -> None:
    """A closure in the searched days is named; days already past say from when times can
    be booked; a search over several days lists them, each a link to its times."""
    from clinic.practice.models import Closure

    closed_on = desk.next_week + timedelta(days=1)
    with app.app_context():
        db.session.add(Closure(on=closed_on, name="Staff training"))
        db.session.commit()
    sign_in(client, staff["front_desk"])
    first, last = desk.next_week.isoformat(), (desk.next_week + timedelta(days=2)).isoformat()
    page = client.get(
        f"/book?service_id={desk.face}&patient_id={desk.maya}&from_on={first}&to_on={last}"
    ).get_data(as_text=True)
    assert (
        f"The clinic is closed {closed_on:%a %-d %b} (Staff training): no times on that day."
        in page
    )
    days = re.findall(r'<a href="#day-([0-9-]+)">', page)
    assert days == [first, last]  # the closed day has no times, so no link
    assert all(f'id="day-{day}"' in page for day in days)
    long_ago = (desk.next_week - timedelta(days=60)).isoformat()
    page = client.get(
        f"/book?service_id={desk.face}&patient_id={desk.maya}&from_on={long_ago}&to_on={long_ago}"
    ).get_data(as_text=True)
    assert "Too late to book these days: times can be booked from" in page


def test_a_taken_time_is_a_409_naming_the_visit_in_the_way(
    app: Flask, client: FlaskClient, staff: dict[str, str], desk: Desk
) -> None:
    sign_in(client, staff["front_desk"])
    first = visit_id(book(client, desk, desk.maya, at(desk.next_week, 10)))
    response = book(client, desk, desk.noor, at(desk.next_week, 10))
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert f'This visit holds the provider: <a href="/visits/{first}">Maya Test' in page
    assert 'name="on_date"' in page and f'value="{desk.next_week.isoformat()}"' in page


def test_a_broken_rule_is_a_422_with_the_sentence(
    client: FlaskClient, staff: dict[str, str], desk: Desk
) -> None:
    sign_in(client, staff["front_desk"])
    typed = {
        "patient_id": desk.maya,
        "service_id": desk.face,
        "provider_id": desk.ana,
        "on_date": desk.next_week.isoformat(),
        "at_time": "18:30",
    }
    response = client.post("/book", data=typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="at_time-error"' in page and "does not fit in the opening hours" in page
    assert 'value="18:30"' in page  # what was typed is kept

    response = book(client, desk, desk.unscreened, at(desk.next_week, 11))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "has no screening" in page
    screening = f'href="/patients/{desk.unscreened}/screening">Fill the screening with the patient'
    assert screening in page  # the way forward, not only the refusal
    assert "Fill the screening" not in page.split(screening, 1)[1]  # once
    # A refusal the screening cannot lift (the hours) offers no screening.
    assert "Fill the screening" not in client.post("/book", data=typed).get_data(as_text=True)


def test_a_time_in_the_spring_gap_is_a_field_error(
    client: FlaskClient, staff: dict[str, str], desk: Desk
) -> None:
    sign_in(client, staff["front_desk"])
    response = client.post(
        "/book",
        data={
            "patient_id": desk.maya,
            "service_id": desk.face,
            "provider_id": 0,
            "on_date": "2027-03-14",
            "at_time": "02:30",
        },
    )
    assert response.status_code == 422
    assert "02:30 does not exist on Sunday 14 March 2027" in response.get_data(as_text=True)


def test_cancel_needs_a_reason(
    app: Flask, client: FlaskClient, staff: dict[str, str], desk: Desk
) -> None:
    sign_in(client, staff["front_desk"])
    visit = visit_id(book(client, desk, desk.maya, at(desk.next_week, 10)))
    response = client.post(f"/visits/{visit}/cancel", data={"reason": "  "})
    assert response.status_code == 422
    assert 'id="reason-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Appointment, visit).status is AppointmentStatus.BOOKED
    # The refusal's page is at the form's address: reloaded, it leads back to the visit.
    for form in ("cancel", "sign-off"):
        reloaded = client.get(f"/visits/{visit}/{form}")
        assert reloaded.status_code == 302
        assert reloaded.headers["Location"] == f"/visits/{visit}"
    response = client.post(f"/visits/{visit}/cancel", data={"reason": "She has a cold"})
    assert response.status_code == 302
    page = client.get(f"/visits/{visit}").get_data(as_text=True)
    assert "Cancelled: “She has a cold”" in page and "Front_Desk" in page
    with app.app_context():
        assert db.session.get(Appointment, visit).status is AppointmentStatus.CANCELLED


def test_moving_a_visit_keeps_its_history(
    app: Flask, client: FlaskClient, staff: dict[str, str], desk: Desk
) -> None:
    sign_in(client, staff["front_desk"])
    visit = visit_id(book(client, desk, desk.maya, at(desk.next_week, 10)))
    page = client.get(f"/visits/{visit}/move").get_data(as_text=True)
    assert "slot--current" in page  # its own time is offered (and marked)
    response = client.post(
        f"/visits/{visit}/move",
        data={"on_date": desk.next_week.isoformat(), "at_time": "14:00", "provider_id": 0},
    )
    assert response.status_code == 302
    page = client.get(f"/visits/{visit}").get_data(as_text=True)
    assert "Moved from" in page and "10:00" in page and "14:00" in page
    other = visit_id(book(client, desk, desk.noor, at(desk.next_week, 10)))
    response = client.post(
        f"/visits/{other}/move",
        data={"start": at(desk.next_week, 14).isoformat(), "provider_id": desk.ana},
    )
    assert response.status_code == 409
    assert f'holds the provider: <a href="/visits/{visit}">' in response.get_data(as_text=True)


def test_status_buttons_and_their_refusals(
    app: Flask, client: FlaskClient, staff: dict[str, str], desk: Desk
) -> None:
    sign_in(client, staff["front_desk"])
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    today_visit = insert_visit(app, desk, now - timedelta(minutes=1), service="check_in")
    day = client.get("/calendar").get_data(as_text=True)
    assert 'name="target" value="checked_in"' in day
    # The list's buttons come back to their visit in the list, for the keyboard's sake.
    back = f"/calendar?#visit-{today_visit}"
    assert f'name="next" value="{back}"' in day and f'id="visit-{today_visit}"' in day
    response = client.post(
        f"/visits/{today_visit}/status", data={"target": "checked_in", "next": back}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/calendar#visit-{today_visit}"
    assert "is checked in" in client.get("/calendar").get_data(as_text=True)
    client.post(f"/visits/{today_visit}/status", data={"target": "completed"})
    with app.app_context():
        assert db.session.get(Appointment, today_visit).status is AppointmentStatus.COMPLETED
    # A double click sends Complete twice: the second says it is done, not that it failed.
    twice = client.post(f"/visits/{today_visit}/status", data={"target": "completed"})
    page = client.get(twice.headers["Location"]).get_data(as_text=True)
    assert "visit is completed" in page and "was not changed" not in page

    later = visit_id(book(client, desk, desk.maya, at(desk.next_week, 10)))
    response = client.post(f"/visits/{later}/status", data={"target": "checked_in"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "was not changed" in page and "checked in only on its day" in page
    response = client.post(f"/visits/{later}/status", data={"target": "no_show"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "cannot be marked as a no-show before it starts" in page
    # Only the changes the status allows are offered: a completed visit has none.
    page = client.get(f"/visits/{today_visit}").get_data(as_text=True)
    assert 'name="target"' not in page


def test_no_show_is_offered_a_quarter_of_an_hour_after_the_start(
    app: Flask, client: FlaskClient, staff: dict[str, str], desk: Desk
) -> None:
    """A patient five minutes late is not a no-show, and a no-show cannot be undone. (The
    two visits share a room: written apart, so PostgreSQL's exclusion constraint takes them.)"""
    sign_in(client, staff["front_desk"])
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    late = insert_visit(app, desk, now - timedelta(minutes=5), service="check_in")
    gone = insert_visit(
        app, desk, now - timedelta(minutes=40), service="check_in", patient=desk.noor
    )

    day = client.get("/calendar").get_data(as_text=True)
    late_item = day[day.index(f'id="visit-{late}"') :].split("</li>")[0]
    gone_item = day[day.index(f'id="visit-{gone}"') :].split("</li>")[0]
    assert 'value="checked_in"' in late_item and f"/visits/{late}/no-show" not in late_item
    assert f"/visits/{gone}/no-show" in gone_item
    offered = (now + timedelta(minutes=10)).astimezone(LA)
    page = client.get(f"/visits/{late}").get_data(as_text=True)
    assert f"“No-show” is offered from {offered:%H:%M}" in page

    # It cannot be undone, so its button asks first; the question's form marks it.
    asked = client.get(f"/visits/{gone}/no-show?next=/calendar").get_data(as_text=True)
    assert "A no-show frees the time and cannot be undone" in asked
    assert 'name="target" value="no_show"' in asked and 'name="next" value="/calendar"' in asked
    with app.app_context():
        assert db.session.get(Appointment, gone).status is AppointmentStatus.BOOKED  # asked only
    marked = client.post(f"/visits/{gone}/status", data={"target": "no_show", "next": "/calendar"})
    assert marked.headers["Location"] == "/calendar"
    with app.app_context():
        assert db.session.get(Appointment, gone).status is AppointmentStatus.NO_SHOW
    # Its question asked again (a bookmark, Back), or for a visit not yet begun: the reason.
    coming = insert_visit(app, desk, now + timedelta(hours=3), service="check_in")
    for visit, said in (
        (gone, "The visit is already a no-show."),
        (coming, "A visit cannot be marked as a no-show before it starts."),
    ):
        answer = client.get(f"/visits/{visit}/no-show")
        assert answer.status_code == 302
        page = client.get(answer.headers["Location"]).get_data(as_text=True)
        assert said in html.unescape(page)
        assert "cannot be undone" not in page


def test_a_treatment_is_completed_only_once_checked_in(
    app: Flask, client: FlaskClient, staff: dict[str, str], desk: Desk
) -> None:
    """Check-in is where the screening is judged: "Complete" waits for it, so a refused
    check-in cannot be stepped around."""
    sign_in(client, staff["front_desk"])
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    visit = insert_visit(app, desk, now - timedelta(minutes=3))  # microneedling, begun
    day = client.get("/calendar").get_data(as_text=True)
    item = day[day.index(f'id="visit-{visit}"') :].split("</li>")[0]
    assert 'value="checked_in"' in item and 'value="completed"' not in item


def test_only_a_clinician_may_sign_off(
    app: Flask, client: FlaskClient, staff: dict[str, str], desk: Desk
) -> None:
    sign_in(client, staff["front_desk"])
    response = book(client, desk, desk.young, at(desk.next_week, 10))
    assert response.status_code == 422 and "a clinician must sign off" in response.get_data(
        as_text=True
    )
    response = book(
        client, desk, desk.young, at(desk.next_week, 10), clearance_reason="Discussed risks"
    )
    assert response.status_code == 403
    client.post("/sign-out")
    sign_in(client, staff["clinician"])
    vague = book(client, desk, desk.young, at(desk.next_week, 10), clearance_reason="fine")
    assert vague.status_code == 422
    assert 'id="clearance_reason-error"' in vague.get_data(as_text=True)  # beside the field
    response = book(
        client, desk, desk.young, at(desk.next_week, 10), clearance_reason="Discussed risks"
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Discussed risks" in page
    # Her sign-off goes with the visit when it moves: the move page offers free times.
    moving = client.get(response.headers["Location"] + "/move").get_data(as_text=True)
    assert 'class="slot-day"' in moving and "No free times" not in moving


def test_a_clinician_signs_off_a_booked_visit_after_a_sign_off_answer_on_arrival(
    app: Flask, client: FlaskClient, staff: dict[str, str], desk: Desk
) -> None:
    """Maya is booked; screened again, she had a peel last week (a sign-off item): the
    clinician signs the visit off on its page, and its check-in is no longer refused."""
    sign_in(client, staff["front_desk"])
    soon = datetime.now(UTC).astimezone(LA).date() + timedelta(days=2)
    visit = visit_id(book(client, desk, desk.maya, at(soon, 10)))
    answers = {code.value: "no" for code in Contraindication} | {"recent_procedure_in_area": "yes"}
    assert client.post(f"/patients/{desk.maya}/screening", data=answers).status_code == 302
    page = client.get(f"/visits/{visit}").get_data(as_text=True)
    assert "Not current for check-in" in page
    assert "A clinician or an admin can sign it off on this page." in page
    assert (
        client.post(f"/visits/{visit}/sign-off", data={"clearance_reason": "x" * 20}).status_code
        == 403
    )
    client.post("/sign-out")
    sign_in(client, staff["clinician"])

    vague = client.post(f"/visits/{visit}/sign-off", data={"clearance_reason": "fine"})
    assert vague.status_code == 422
    assert 'id="clearance_reason-error"' in vague.get_data(as_text=True)
    reason = "Superficial peel ten days ago; skin has healed."
    signed = client.post(f"/visits/{visit}/sign-off", data={"clearance_reason": reason})

    assert signed.status_code == 302
    page = html.unescape(client.get(signed.headers["Location"]).get_data(as_text=True))
    assert "Signed off: the visit may go ahead" in page
    assert "Current for check-in" in page and "Not current for check-in" not in page
    assert f"Signed off: “{reason}”" in page  # its history
    assert 'action="/visits/' + str(visit) + '/sign-off"' not in page  # once
    with app.app_context():
        entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "clear")).one()
        assert entry.entity_id == visit
    again = client.post(f"/visits/{visit}/sign-off", data={"clearance_reason": reason})
    assert again.status_code == 422
    assert "The visit is signed off already." in again.get_data(as_text=True)


def test_a_visit_that_needs_no_sign_off_offers_none(
    app: Flask, client: FlaskClient, staff: dict[str, str], desk: Desk
) -> None:
    sign_in(client, staff["clinician"])
    visit = visit_id(book(client, desk, desk.maya, at(desk.next_week, 10)))
    assert "Clinician's sign-off" not in client.get(f"/visits/{visit}").get_data(as_text=True)
    refused = client.post(
        f"/visits/{visit}/sign-off", data={"clearance_reason": "Looks fine to me today."}
    )
    assert refused.status_code == 422
    assert "The visit needs no sign-off." in refused.get_data(as_text=True)


def test_a_clinician_finds_the_times_she_may_book_with_her_sign_off(
    app: Flask, client: FlaskClient, staff: dict[str, str], desk: Desk
) -> None:
    """A patient of 20 needs a clinician's sign-off: the finder shows no times, and offers
    the clinician the times she may book with it (the front desk is not offered them);
    choosing one with the reason written books it, cleared."""
    day = desk.next_week.isoformat()
    search = f"/book?patient_id={desk.young}&service_id={desk.face}&from_on={day}&to_on={day}"
    sign_in(client, staff["front_desk"])
    for url in (search, search + "&sign_off=1"):
        page = client.get(url).get_data(as_text=True)
        assert 'name="slot"' not in page and "A clinician or an admin can book it" in page
    client.post("/sign-out")
    sign_in(client, staff["clinician"])
    page = client.get(search).get_data(as_text=True)
    assert 'name="slot"' not in page
    offer = re.search(r'<a class="button button--small" href="([^"]+)">Show times to book', page)
    assert offer is not None
    page = client.get(html.unescape(offer.group(1))).get_data(as_text=True)
    slots = re.findall(r'name="slot" value="([^"]+)"', page)
    assert slots, "no times offered with the sign-off"
    assert re.search(r'<textarea[^>]*name="clearance_reason"[^>]*required', page)
    response = client.post(
        "/book",
        data={
            "patient_id": desk.young,
            "service_id": desk.face,
            "slot": slots[0],
            "clearance_reason": "Discussed the risks with her; fine.",
        },
    )
    assert response.status_code == 302
    visit = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Discussed the risks with her; fine." in visit


def test_a_search_with_the_sign_off_inside_the_gap_searches_from_its_earliest_day_with_it(
    app: Flask, client: FlaskClient, staff: dict[str, str], desk: Desk
) -> None:
    """Yara (20) had a session with a clinician's sign-off; the clinician's next search is
    inside the 28-day gap, and its "Search from" link keeps her sign-off: it shows times."""
    sign_in(client, staff["clinician"])
    booked = book(
        client,
        desk,
        desk.young,
        at(desk.next_week, 10),
        clearance_reason="Discussed the risks with her; fine.",
    )
    assert booked.status_code == 302, booked.get_data(as_text=True)
    first = desk.next_week + timedelta(days=1)
    page = client.get(
        f"/book?patient_id={desk.young}&service_id={desk.face}&sign_off=1"
        f"&from_on={first.isoformat()}&to_on={(first + timedelta(days=6)).isoformat()}"
    ).get_data(as_text=True)
    search = re.search(r'<a class="button button--small" href="([^"]+)">Search from', page)
    assert search is not None, "no search from the earliest day offered"
    assert "sign_off=1" in html.unescape(search.group(1))
    later = client.get(html.unescape(search.group(1))).get_data(as_text=True)
    assert re.findall(r'name="slot" value="([^"]+)"', later), "no times with the sign-off"


def test_a_corrected_birth_date_flags_the_visits_it_refuses(
    app: Flask, client: FlaskClient, staff: dict[str, str], desk: Desk
) -> None:
    """Maya's date of birth was typed wrong: corrected, she is 14, and her booked treatment
    is shown as not allowed on her page (it was found only at check-in)."""
    sign_in(client, staff["front_desk"])
    visit = visit_id(book(client, desk, desk.maya, at(desk.next_week, 10)))
    page = client.get(f"/patients/{desk.maya}").get_data(as_text=True)
    assert "Not allowed as booked" not in page
    with app.app_context():
        patient = db.session.get(Patient, desk.maya)
        assert patient is not None
        details = {
            "first_name": patient.first_name,
            "last_name": patient.last_name,
            "email": patient.email or "",
            "phone": patient.phone or "",
        }
    born = desk.next_week.replace(year=desk.next_week.year - 15) + timedelta(days=1)
    saved = client.post(
        f"/patients/{desk.maya}/edit", data={**details, "date_of_birth": born.isoformat()}
    )
    assert saved.status_code == 302
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Not allowed as booked: The patient will be 14 on the visit day" in page
    assert f'href="/visits/{visit}">Cancel the visit of' in page
    assert "sign-off" not in page.split("Not allowed as booked")[1].split("</p>")[0]
    visit_page = client.get(f"/visits/{visit}").get_data(as_text=True)
    assert "Not allowed as booked:</strong> The patient will be 14 on the visit day" in visit_page


def test_screening_form_needs_every_answer(
    app: Flask, client: FlaskClient, staff: dict[str, str], desk: Desk
) -> None:
    sign_in(client, staff["front_desk"])
    form = client.get(f"/patients/{desk.unscreened}/screening").get_data(as_text=True)
    assert form.count('type="radio"') == 2 * len(Contraindication)
    assert not re.search(r"<input[^>]*\bchecked\b", form)  # both answers start empty
    partial = {code.value: "no" for code in list(Contraindication)[:-2]}
    response = client.post(f"/patients/{desk.unscreened}/screening", data=partial)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="skin_flare-error"' in page and 'id="poor_wound_healing-error"' in page
    assert 'id="active_acne-error"' not in page
    with app.app_context():
        assert (
            db.session.scalars(
                db.select(Screening).where(Screening.patient_id == desk.unscreened)
            ).first()
            is None
        )
    answers = {**partial, "skin_flare": "yes", "poor_wound_healing": "no", "pregnant": "yes"}
    response = client.post(f"/patients/{desk.unscreened}/screening", data=answers)
    assert response.status_code == 302
    result = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Not eligible for microneedling" in result
    assert "pregnant or breastfeeding" in result and "rules out microneedling" in result
    assert "eczema, psoriasis or rosacea flare" in result and "sign-off" in result
    ok = client.post(
        f"/patients/{desk.noor}/screening", data={code.value: "no" for code in Contraindication}
    )
    assert "Eligible for microneedling" in client.get(ok.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("day", ["2027-03-14", "2027-11-07"])  # spring forward, fall back
def test_day_view_on_dst_days_shows_wall_clock_times(
    app: Flask, client: FlaskClient, staff: dict[str, str], desk: Desk, day: str
) -> None:
    sign_in(client, staff["front_desk"])
    on = date.fromisoformat(day)
    insert_visit(app, desk, at(on, 10))
    insert_visit(app, desk, at(on, 15, 30), service="check_in", patient=desk.noor)
    page = client.get(f"/calendar?date={day}").get_data(as_text=True)
    assert "10:00–11:15" in page and "15:30–15:45" in page
    assert "09:00–10:15" not in page and "11:00–12:15" not in page
    # Blocks sit on their wall-clock rows: 46 px of header, 1.2 px a minute from 09:00.
    assert 'y="119.0"' in page  # 10:00: 46 + 60 * 1.2 + 1
    assert 'y="515.0"' in page  # 15:30: 46 + 390 * 1.2 + 1
    week = client.get(f"/calendar/week?provider_id={desk.ana}&date={day}").get_data(as_text=True)
    assert "10:00–11:15" in week and 'y="119.0"' in week


AWKWARD = [
    "",
    "0",
    "-1",
    "99999999999999999999",
    "2027-02-30",
    "9999-12-31",
    "2027-03-14T02:30",
    "25:00",
    "1|1",
    "2027-03-14T10:00:00+00:00|99999999999999999999",
    "//evil.example",
    "<script>",
    "x" * 2000,
    "a\x00b",
]
FIELDS = [
    "date", "provider_id", "service_id", "patient_id", "from_on", "to_on", "q", "slot",
    "start", "on_date", "at_time", "clearance_reason", "reason", "target", "next",
    "appointment_id", "sign_off", "_method", "_external", "_anchor",
    *[code.value for code in Contraindication],
]  # fmt: skip


def test_desk_pages_survive_awkward_values(
    app: Flask, client: FlaskClient, staff: dict[str, str], desk: Desk
) -> None:
    sign_in(client, staff["admin"])
    visit = visit_id(book(client, desk, desk.maya, at(desk.next_week, 10)))
    pages = [
        ("GET", "/calendar"),
        ("GET", "/calendar/week"),
        ("GET", "/book"),
        ("POST", "/book"),
        ("GET", "/book/time"),
        ("GET", f"/visits/{visit}"),
        ("GET", f"/visits/{visit}/move"),
        ("POST", f"/visits/{visit}/move"),
        ("POST", f"/visits/{visit}/status"),
        ("GET", f"/patients/{desk.maya}/screening"),
        ("POST", f"/patients/{desk.maya}/screening"),
        ("POST", f"/visits/{visit}/cancel"),  # last: it may cancel the visit
    ]
    failures = []
    for method, path in pages:
        for value in AWKWARD:
            data = dict.fromkeys(FIELDS, value)
            if method == "GET":
                response = client.get(path, query_string=data)
            else:
                response = client.post(path, data=data)
            if response.status_code >= 500:
                failures.append(f"{method} {path} with {value[:20]!r}")
            assert "evil" not in response.headers.get("Location", "")
    assert not failures, failures
    response = book(client, desk, 99999999999999999999, at(desk.next_week, 11))
    assert response.status_code == 422 and "Choose a patient first" in response.get_data(
        as_text=True
    )


def test_a_visit_checked_in_before_it_begins_says_when_it_can_be_completed(
    app: Flask, client: FlaskClient, staff: dict[str, str], desk: Desk
) -> None:
    sign_in(client, staff["front_desk"])
    starts = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=30)
    early = insert_visit(app, desk, starts, service="check_in")
    with app.app_context():
        db.session.get(Appointment, early).status = AppointmentStatus.CHECKED_IN
        db.session.commit()

    page = client.get(f"/visits/{early}").get_data(as_text=True)

    assert 'name="target"' not in page  # nothing to press yet
    assert (
        f"“Complete” is offered from {starts.astimezone(LA):%H:%M}, when the visit begins." in page
    )


def test_a_finder_link_naming_no_patient_says_so(
    client: FlaskClient, staff: dict[str, str], desk: Desk
) -> None:
    sign_in(client, staff["front_desk"])
    for patient_id in ("99999", "abc"):
        page = client.get(f"/book?patient_id={patient_id}").get_data(as_text=True)
        assert "That link names no patient here: find the patient by name below." in page
        assert 'name="q"' in page  # the search for her by name
    assert "names no patient" not in client.get(f"/book?patient_id={desk.maya}").get_data(
        as_text=True
    )
