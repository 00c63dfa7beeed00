"""What the front desk sees on the calendar when the clinic's setup changed under booked
visits, and when a check-in is refused for an old screening.

Visits are written directly (tests/web/test_desk_pages.insert_visit's way), then the setup
changes as an admin would change it: a closure, a room out of use, a provider who left.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, time, timedelta

from flask import Flask
from flask.testing import FlaskClient

from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.practice.models import Closure, Provider, Room, Service, WorkingHours
from clinic.scheduling.models import Appointment, Screening
from clinic.scheduling.status import AppointmentStatus
from tests.clinics import LA, write_visit
from tests.conftest import sign_in
from tests.web.test_desk_pages import Desk, at, desk, insert_visit

__all__ = ["desk"]  # the fixture, shared with the desk pages' tests


def _insert(
    app: Flask, patient: int, service: int, provider: int, room: int, starts_at: datetime
) -> int:
    with app.app_context():
        visit = write_visit(patient, db.session.get(Service, service), provider, room, starts_at)
        db.session.commit()
        return visit.id


def _list_items(page: str) -> dict[int, str]:
    """The day list's entries by visit id, as text (tags dropped)."""
    items = re.findall(r'<li class="daylist__item.*?</li>', page, re.S)
    found = {}
    for item in items:
        visit_id = int(re.search(r'href="/visits/(\d+)"', item).group(1))
        found[visit_id] = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item)))
    return found


def _block(page: str, visit_id: int) -> str:
    """The opening tag of a visit's block in the timetable."""
    match = re.search(rf'<a href="/visits/{visit_id}" class="visit [^"]*"[^>]*>', page)
    assert match, f"no block for visit {visit_id}"
    return html.unescape(match.group(0))


def test_the_day_view_marks_visits_the_setup_no_longer_allows(
    app: Flask, client: FlaskClient, staff: dict[str, str], desk: Desk
) -> None:
    # A Monday and the Tuesday after it, so the week view shows both, whatever today is.
    day = desk.next_week - timedelta(days=desk.next_week.weekday())
    closed_on = day + timedelta(days=1)
    with app.app_context():
        kim = Provider(name="Kim Ito", credential="RN")
        kim.working_hours.extend(
            WorkingHours(weekday=weekday, starts_at=time(9), ends_at=time(18))
            for weekday in range(7)
        )
        sage = db.session.scalar(db.select(Room).where(Room.name == "Sage"))
        db.session.add(kim)
        db.session.commit()
        kim_id, sage_id = kim.id, sage.id
    fits = _insert(app, desk.maya, desk.face, desk.sam, sage_id, at(day, 10))
    room_gone = _insert(app, desk.noor, desk.check_in, desk.ana, desk.rose, at(day, 11))
    provider_gone = _insert(app, desk.young, desk.check_in, kim_id, sage_id, at(day, 12))
    closed = _insert(app, desk.maya, desk.face, desk.ana, sage_id, at(closed_on, 10))
    with app.app_context():  # the setup changes after the bookings
        db.session.get(Room, desk.rose).is_active = False
        db.session.get(Provider, kim_id).is_active = False
        db.session.add(Closure(on=closed_on, name="Staff training"))
        db.session.commit()

    sign_in(client, staff["front_desk"])
    page = client.get(f"/calendar?date={day.isoformat()}").get_data(as_text=True)
    items = _list_items(page)
    assert "Needs attention: The room is out of use. Move or cancel it" in items[room_gone]
    assert "Needs attention: The provider no longer works here." in items[provider_gone]
    assert "Needs attention" not in items[fits]
    # The block says it too: a badge, and the reason in its accessible name and tooltip.
    block = _block(page, room_gone)
    assert "visit--attention" in block
    assert block.endswith(' · Booked · Needs attention: the room is out of use">')
    assert "Needs attention: the provider no longer works here" in _block(page, provider_gone)
    assert "visit--attention" not in _block(page, fits)
    assert page.count('class="visit__badge"') == 2
    assert "Needs attention (the setup no longer allows it)" in page  # the legend

    closed_day = client.get(f"/calendar?date={closed_on.isoformat()}").get_data(as_text=True)
    assert "The clinic is closed: Staff training." in closed_day
    assert "Needs attention: The clinic is closed that day." in _list_items(closed_day)[closed]
    assert "Needs attention: the clinic is closed that day" in _block(closed_day, closed)
    # The visit page, one click away, gives the same reason.
    visit_page = client.get(f"/visits/{closed}").get_data(as_text=True)
    assert (
        "no longer fits the clinic's setup:</strong> the clinic is closed that day." in visit_page
    )

    week = client.get(f"/calendar/week?provider_id={desk.ana}&date={day.isoformat()}").get_data(
        as_text=True
    )
    assert "Needs attention: the room is out of use" in _block(week, room_gone)
    assert "Needs attention: the clinic is closed that day" in _block(week, closed)


def test_past_and_cancelled_visits_are_not_marked(
    app: Flask, client: FlaskClient, staff: dict[str, str], desk: Desk
) -> None:
    yesterday = datetime.now(UTC).astimezone(LA).date() - timedelta(days=1)
    past = insert_visit(app, desk, at(yesterday, 10))
    cancelled = insert_visit(app, desk, at(desk.next_week, 10))
    with app.app_context():
        db.session.get(Appointment, cancelled).status = AppointmentStatus.CANCELLED
        db.session.add_all(
            [Closure(on=yesterday, name="Flood"), Closure(on=desk.next_week, name="Move")]
        )
        db.session.commit()
    sign_in(client, staff["front_desk"])
    for on, visit_id in ((yesterday, past), (desk.next_week, cancelled)):
        page = client.get(f"/calendar?date={on.isoformat()}").get_data(as_text=True)
        assert f'href="/visits/{visit_id}"' in page
        assert "Needs attention:" not in page


def test_a_check_in_refused_for_an_old_screening_links_to_the_screening_form(
    app: Flask, client: FlaskClient, staff: dict[str, str], desk: Desk
) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    visit = insert_visit(app, desk, now - timedelta(minutes=1))  # microneedling, today
    with app.app_context():
        screening = db.session.scalar(db.select(Screening).where(Screening.patient_id == desk.maya))
        screening.taken_at -= timedelta(days=10)  # older than the 7 days check-in allows
        screening.taken_on -= timedelta(days=10)
        db.session.get(Patient, desk.maya).first_name = "Maya <b>&"  # escaped, not markup
        db.session.commit()

    sign_in(client, staff["front_desk"])
    response = client.post(
        f"/visits/{visit}/status", data={"target": "checked_in", "next": "/calendar"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/calendar"
    page = client.get("/calendar").get_data(as_text=True)
    # Shown at the visit in the day's list, where the button was pressed (the page comes
    # back scrolled there), not at the top of the page out of view.
    item = page[page.index(f'id="visit-{visit}"') :].split("</li>")[0]
    flash = re.search(r'<p class="flash flash--error daylist__flash"[^>]*>(.*?)</p>', item, re.S)
    assert flash, page
    assert '<div class="flashes"' not in page
    message = flash.group(1)
    assert "was not changed" in message
    assert "answers the screening questions again in the 7 days before the visit" in message
    form = f"/patients/{desk.maya}/screening?appointment_id={visit}"
    assert f'<a href="{form}">Fill the screening for Maya &lt;b&gt;&amp; Test</a>' in message
    assert "then try the check-in again" in message
    with app.app_context():
        assert db.session.get(Appointment, visit).status is AppointmentStatus.BOOKED
    screening_form = client.get(form)
    assert screening_form.status_code == 200
    assert "Maya &lt;b&gt;&amp; Test" in screening_form.get_data(as_text=True)
    assert "Fill the screening on arrival" in client.get(f"/visits/{visit}").get_data(as_text=True)
    with app.app_context():
        screening = db.session.scalar(db.select(Screening).where(Screening.patient_id == desk.maya))
        screening.taken_at += timedelta(days=10)  # answered again today
        screening.taken_on += timedelta(days=10)
        db.session.commit()
    current = client.get(f"/visits/{visit}").get_data(as_text=True)
    assert "Current for check-in" in current and "Fill the screening on arrival" not in current
    assert "Ask the questions again" in current

    # A check-in refused for another reason (not its day) has no such link.
    later = insert_visit(app, desk, at(desk.next_week, 10))
    client.post(f"/visits/{later}/status", data={"target": "checked_in", "next": "/calendar"})
    page = client.get("/calendar").get_data(as_text=True)
    assert "checked in only on its day" in page and "Fill the screening" not in page
