"""What a new patient met on her phone, as she would notice it: a visit on a day the clinic
has since closed, a "we have sent" that was only queued, dates a year off, the preparation
folded away, a plan bar that drew a booked session as done, and a body treatment offered
for a face plan."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from clinic.clock import utcnow
from clinic.extensions import db
from clinic.operations import VisitRequest, book_visit
from clinic.patients.models import Patient
from clinic.plans.creation import PlanRequest, create_plan
from clinic.plans.models import PlannedSession
from clinic.portal.dates import DateStyle, readable_date
from clinic.practice.models import Clinic, Closure, Provider, Service, ServiceKind
from clinic.practice.service import get_clinic
from clinic.reminders.models import Message
from clinic.reminders.rules import MessageKind, MessageStatus
from clinic.scheduling.status import AppointmentStatus
from tests.clinics import retime_visit, write_visit
from tests.web.booking_world import DESK, LA, World, build_world, local_today, weekday
from tests.web.test_portal import (
    book_with_confirm,
    chosen_day,
    portal_sign_in,
    shown_text,
    time_links,
)

FACE = ["facial_wrinkles", "fine_lines", "acne_scars", "hyperpigmentation", "enlarged_pores"]
BODY = ["stretch_marks", "burn_scars", "incisional_scars", "acne_scars"]


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


def _plan(
    app: Flask, patient_id: int, indications: tuple[str, ...], start: date | None = None
) -> list[int]:
    with app.test_request_context():
        plan = create_plan(
            PlanRequest(patient_id, indications, start or local_today(), 2),
            clinic=get_clinic(),
            actor=DESK,
            today=local_today(),
            now=utcnow(),
        )
        db.session.commit()
        return [s.id for s in plan.sessions]


def _book(app: Flask, world: World, on: date, hour: int, session_id: int | None = None) -> int:
    with app.test_request_context():
        visit = book_visit(
            VisitRequest(
                world.maya,
                world.face,
                datetime(on.year, on.month, on.day, hour, tzinfo=LA),
                world.ana,
                planned_session_id=session_id,
            ),
            clinic=get_clinic(),
            actor=DESK,
            now=utcnow(),
        )
        db.session.commit()
        return visit.id


def _said(page: str) -> str:
    """The page's words, with no space left where a link closed before a full stop."""
    return shown_text(page).replace(" .", ".")


def _page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


# -- 1. a visit the clinic's setup no longer allows ------------------------------------------


def test_a_visit_on_a_day_the_clinic_closed_says_so_and_offers_to_move(
    app: Flask, client: FlaskClient, world: World
) -> None:
    day = weekday(0)
    visit_id = _book(app, world, day, 10)
    portal_sign_in(client, app, world.maya)
    for path in ("/portal/", f"/portal/appointments/{visit_id}"):
        assert "needs a new time" not in _page(client, path)

    with app.app_context():
        db.session.add(Closure(on=day, name="Staff training"))
        db.session.commit()
    move = f'href="/portal/appointments/{visit_id}/reschedule"'
    for path in ("/portal/", f"/portal/appointments/{visit_id}"):
        page = _page(client, path)
        text = _said(page)
        assert "This visit needs a new time" in text, path
        assert (
            "The clinic is closed on this day. Please choose another time or call us on "
            "(415) 555-0100." in text
        ), path
        notice = page.split("pt-notice", 1)[1].split("</section>", 1)[0]
        assert move in notice and "Move this visit" in notice, path

    # Moving opens on a day with free times, not on the closed one.
    picker = _page(client, f"/portal/appointments/{visit_id}/reschedule")
    assert chosen_day(picker) != day.isoformat()
    assert "pt-days__current" not in picker
    assert time_links(picker)


def test_a_provider_gone_or_a_visit_too_close_to_move_asks_for_a_call(
    app: Flask, client: FlaskClient, world: World
) -> None:
    visit_id = _book(app, world, weekday(1), 11)
    with app.app_context():
        db.session.execute(update(Provider).where(Provider.id == world.ana).values(is_active=False))
        db.session.commit()
    portal_sign_in(client, app, world.maya)
    text = _said(_page(client, f"/portal/appointments/{visit_id}"))
    assert "Ana is no longer available at this time." in text
    assert "Please choose another time or call us on" in text

    # Within the late-cancel hours she cannot move it online: the notice gives the number.
    soon = utcnow().replace(microsecond=0) + timedelta(hours=3)
    with app.app_context():
        retime_visit(visit_id, soon)
        db.session.commit()
    page = _page(client, f"/portal/appointments/{visit_id}")
    notice = _said(page.split("pt-notice", 1)[1].split("</section>", 1)[0])
    assert "Please call us on (415) 555-0100 to choose another time." in notice
    assert "Move this visit" not in notice


# -- 2. after booking or moving: what will come, never "sent" --------------------------------


def _flash(page: str) -> str:
    found = re.search(r'<p class="flash flash--success">([^<]+)</p>', page)
    assert found is not None, "no confirmation on the page"
    return html.unescape(found.group(1))


def test_booking_and_moving_say_what_will_come_by_her_channels(
    app: Flask, client: FlaskClient, world: World
) -> None:
    with app.app_context():
        maya = db.session.get(Patient, world.maya)
        assert maya is not None
        maya.email_consent = True
        db.session.commit()
    session_id = _plan(app, world.maya, ("fine_lines",))[0]
    portal_sign_in(client, app, world.maya)
    path = f"/portal/book/session/{session_id}"
    later = _page(client, f"{path}?day={weekday(0).isoformat()}")  # far from the cut-off
    _confirm, booked = book_with_confirm(client, path, time_links(later)[0])
    assert booked.status_code == 302
    page = client.get(booked.headers["Location"]).get_data(as_text=True)
    assert _flash(page) == "Your visit is booked. We will email you the details."
    assert "sent" not in _flash(page)
    with app.app_context():
        confirmation = db.session.scalars(
            select(Message).where(Message.kind == MessageKind.CONFIRMATION)
        ).one()
        assert confirmation.status is MessageStatus.SCHEDULED  # queued, not sent
        visit_id = confirmation.appointment_id

    move = f"/portal/appointments/{visit_id}/reschedule"
    _confirm, moved = book_with_confirm(client, move, time_links(_page(client, move))[-1])
    assert moved.status_code == 302
    page = client.get(moved.headers["Location"]).get_data(as_text=True)
    assert _flash(page) == "Your visit has moved. We will email you the new time."

    # No consent to any channel: she is told nothing will come, not that it was sent.
    with app.app_context():
        db.session.execute(
            update(Patient).where(Patient.id == world.maya).values(email_consent=False)
        )
        db.session.commit()
    _confirm, moved = book_with_confirm(client, move, time_links(_page(client, move))[0])
    page = client.get(moved.headers["Location"]).get_data(as_text=True)
    assert _flash(page).startswith("Your visit has moved. You chose not to get emails or texts")


# -- 3. the year, when a date is not in this one ---------------------------------------------


def test_readable_date_adds_the_year_only_outside_the_current_one() -> None:
    today = date(2026, 11, 25)
    cases = [
        (date(2026, 5, 18), DateStyle.LONG, False, "Monday 18 May"),
        (date(2027, 5, 18), DateStyle.LONG, False, "Tuesday 18 May 2027"),
        (date(2025, 12, 30), DateStyle.SHORT, False, "Tue 30 Dec 2025"),
        (date(2027, 1, 4), DateStyle.DAY, False, "4 January 2027"),
        (date(2026, 12, 4), DateStyle.DAY_SHORT, False, "4 Dec"),
        # 05:00 UTC on New Year's Day is still 31 December in Los Angeles.
        (
            datetime(2027, 1, 1, 5, 0, tzinfo=UTC),
            DateStyle.LONG,
            True,
            "Thursday 31 December, 21:00",
        ),
        (datetime(2027, 1, 1, 18, 0, tzinfo=UTC), DateStyle.SHORT, True, "Fri 1 Jan 2027, 10:00"),
    ]
    for value, style, with_time, expected in cases:
        shown = readable_date(
            value, today=today, tz=ZoneInfo("America/Los_Angeles"), style=style, with_time=with_time
        )
        assert shown == expected, value


def test_dates_in_another_year_show_it_on_every_step_of_booking(
    app: Flask, client: FlaskClient, world: World
) -> None:
    today = local_today()
    start = today + timedelta(days=365)  # the latest start a plan allows: next year's date,
    # except from 1 January of a leap year, when the dates must show no year at all
    year = f" {start.year}" if start.year != today.year else ""
    with app.app_context():
        db.session.execute(
            update(Clinic).values(booking_horizon_months=24, screening_valid_months=24)
        )
        db.session.commit()
    session_id = _plan(app, world.maya, ("fine_lines",), start)[0]
    portal_sign_in(client, app, world.maya)

    home = shown_text(_page(client, "/portal/"))
    assert f"Book session 1: any day from {start.day} {start:%B}{year} to" in home

    path = f"/portal/book/session/{session_id}"
    picker = _page(client, path)
    assert f"Any day from {start:%A} {start.day} {start:%B}{year} to" in shown_text(picker)
    chips = re.findall(r'<span class="pt-days__date">([^<]+)</span>', picker)
    assert chips and all(chip.endswith(year) for chip in chips)
    confirm, booked = book_with_confirm(client, path, time_links(picker)[0])
    question = re.search(r'class="pt-confirm__question">(.+?)</p>', confirm)
    assert question is not None
    assert re.match(rf"^Book <strong>\w+day \d+ \w+{year} at \d\d:\d\d</strong>", question[1])

    visit = shown_text(client.get(booked.headers["Location"]).get_data(as_text=True))
    assert re.search(rf"When \w+day \d+ \w+{year} at \d\d:\d\d", visit)
    assert re.search(rf"\w+ \d+ \w+{year}, \d\d:\d\d", shown_text(_page(client, "/portal/plan")))
    assert f"{year}, " in shown_text(_page(client, "/portal/appointments"))


# -- 4. the preparation: open when it has begun ----------------------------------------------


def test_before_your_visit_is_open_within_the_preparation_days(
    app: Flask, client: FlaskClient, world: World
) -> None:
    visit_id = _book(app, world, weekday(0), 10)
    portal_sign_in(client, app, world.maya)
    home = _page(client, "/portal/")
    assert re.search(r'<details class="pt-details" open>\s*<summary[^>]*>Before your visit', home)

    far = utcnow().replace(microsecond=0) + timedelta(days=20)
    with app.app_context():
        retime_visit(visit_id, far)
        db.session.commit()
    home = _page(client, "/portal/")
    assert re.search(r'<details class="pt-details">\s*<summary[^>]*>Before your visit', home)


# -- 5. the plan bar: booked is not done -----------------------------------------------------


def test_the_plan_bar_tells_booked_from_done(app: Flask, client: FlaskClient, world: World) -> None:
    session_id = _plan(app, world.maya, ("fine_lines",))[0]
    _book(app, world, weekday(0), 10, session_id)
    portal_sign_in(client, app, world.maya)
    home = _page(client, "/portal/")
    assert "Session 1 of 2 · 0 done · 1 booked" in shown_text(home)
    assert 'aria-label="0 of 2 sessions done, 1 booked"' in home
    bar = home.split('class="pt-progress"', 1)[1].split("</div>", 1)[0]
    steps = re.findall(r"pt-progress__step--(\w+)", bar)
    assert steps == ["booked", "due"]
    assert "Session 1 of 2 · 0 done · 1 booked" in shown_text(_page(client, "/portal/plan"))


def test_a_finished_course_reads_as_done(app: Flask, client: FlaskClient, world: World) -> None:
    sessions = _plan(app, world.maya, ("fine_lines",), start=local_today() - timedelta(days=300))
    with app.app_context():
        face = db.session.get(Service, world.face)
        for session_id, days_ago in zip(sessions, (299, 120), strict=True):
            on = local_today() - timedelta(days=days_ago)
            visit = write_visit(
                world.maya,
                face,
                world.ana,
                world.rose,
                datetime(on.year, on.month, on.day, 10, tzinfo=LA),
            )
            visit.status = AppointmentStatus.COMPLETED
            db.session.get(PlannedSession, session_id).appointment_id = visit.id
        db.session.commit()
    portal_sign_in(client, app, world.maya)

    home = shown_text(_page(client, "/portal/"))

    assert "All 2 sessions done" in home and "Session 2 of 2" not in home


# -- 7. the treatment area follows the plan's indications ------------------------------------


def test_a_plan_offers_the_services_treating_its_indications_the_closest_first(
    app: Flask, client: FlaskClient, world: World
) -> None:
    with app.app_context():
        face = db.session.get(Service, world.face)
        assert face is not None
        face.indications = FACE
        neck = Service(
            name="Face and neck",
            kind=ServiceKind.MICRONEEDLING,
            procedure_minutes=45,
            numbing_minutes=45,
            buffer_minutes=15,
            provider_free_while_numbing=True,
            indications=FACE,
        )
        body = Service(
            name="Body (stretch marks, scars)",
            kind=ServiceKind.MICRONEEDLING,
            procedure_minutes=45,
            numbing_minutes=45,
            buffer_minutes=20,
            provider_free_while_numbing=True,
            indications=BODY,
        )
        db.session.add_all([neck, body])
        db.session.commit()
        body_id, neck_id = body.id, neck.id
    # Acne scars and fine lines: the face services treat both, the body one acne scars
    # (on the back, say); all three are offered, the face first.
    session_id = _plan(app, world.maya, ("acne_scars", "fine_lines"))[0]
    portal_sign_in(client, app, world.maya)
    path = f"/portal/book/session/{session_id}"
    picker = _page(client, path)
    options = re.findall(r"<option value=\"\d+\"[^>]*>([^<]+)</option>", picker)
    assert options == ["Face", "Face and neck", "Body (stretch marks, scars)"]
    asked = _page(client, f"{path}?service_id={body_id}")
    assert re.search(rf'<option value="{body_id}"[^>]*selected', asked)
    # She books the face and neck: her next session offers it first.
    chosen = _page(client, f"{path}?service_id={neck_id}")
    _confirm, booked = book_with_confirm(client, path, time_links(chosen)[0])
    assert booked.status_code == 302
    with app.app_context():
        session = db.session.get(PlannedSession, session_id)
        assert session is not None and session.appointment is not None
        assert session.appointment.service.name == "Face and neck"
        plan_sessions = session.plan.sessions
        later_id = next(s.id for s in plan_sessions if s.id != session_id)
    later = _page(client, f"/portal/book/session/{later_id}")
    offered = re.findall(r"<option value=\"\d+\"[^>]*>([^<]+)</option>", later)
    assert offered == ["Face and neck", "Face", "Body (stretch marks, scars)"]

    # Stretch marks: the body service only, so no choice to make.
    other = app.test_client()
    session_id = _plan(app, world.noor, ("stretch_marks",))[0]
    portal_sign_in(other, app, world.noor)
    picker = _page(other, f"/portal/book/session/{session_id}")
    assert "<option" not in picker
    assert f"service_id={body_id}" in picker
