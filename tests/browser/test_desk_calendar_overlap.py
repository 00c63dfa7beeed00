"""The front desk's week and day views when a cancelled visit lies under its replacement: the
live visit keeps its column's whole width and the cancelled one is a slim marker at the
column's edge, still a link a keyboard reaches; two live visits that overlap still share the
width. Screenshots in test-artifacts/."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from flask import Flask
from playwright.sync_api import Locator, Page, expect

from clinic.clock import utcnow
from clinic.extensions import db
from clinic.operations import VisitRequest, book_visit, cancel_visit
from clinic.practice.service import get_clinic
from clinic.scheduling.models import Appointment
from clinic.scheduling.status import AppointmentStatus
from tests.browser.test_patients_journey import sign_in
from tests.web.booking_world import DESK, LA, build_world, weekday

pytestmark = pytest.mark.browser


def _visit(page: Page, visit_id: int) -> Locator:
    return page.locator(f'a.visit[href="/visits/{visit_id}"]')


def _width(page: Page, visit_id: int) -> float:
    return float(_visit(page, visit_id).locator("rect").first.get_attribute("width") or 0)


def test_a_cancelled_visit_leaves_the_live_one_its_whole_width(
    page: Page, live_server: str, app: Flask, staff: dict[str, str], shot
) -> None:
    world = build_world(app)
    day, next_day = weekday(1), weekday(2)
    with app.test_request_context():
        clinic, now = get_clinic(), utcnow()

        def book(patient: int, service: int, on: date, hour: int, minute: int = 0) -> int:
            starts_at = datetime.combine(on, time(hour, minute), tzinfo=LA)
            request = VisitRequest(patient, service, starts_at, world.ana)
            visit = book_visit(request, clinic=clinic, actor=DESK, now=now)
            db.session.flush()
            return visit.id

        def visit_of(visit_id: int) -> Appointment:
            visit = db.session.get(Appointment, visit_id)
            assert visit is not None
            return visit

        ids = {"cancelled": book(world.maya, world.face, day, 10)}
        cancel_visit(visit_of(ids["cancelled"]), "Travelling", clinic=clinic, actor=DESK, now=now)
        ids["over"] = book(world.noor, world.face, day, 10)  # the freed time, booked again
        ids["alone"] = book(world.noor, world.check_in, day, 15)  # a column's width to itself
        ids["no_show"] = book(world.maya, world.check_in, day, 16)
        visit_of(ids["no_show"]).status = AppointmentStatus.NO_SHOW
        # Two live visits that overlap: Ana is free while numbing cream sets.
        ids["numbing"] = book(world.maya, world.face, next_day, 10)
        ids["during"] = book(world.noor, world.check_in, next_day, 10, 15)
        db.session.commit()

    page.set_viewport_size({"width": 1180, "height": 900})
    sign_in(page, live_server, staff["front_desk"])
    page.goto(f"{live_server}/calendar/week?provider_id={world.ana}&date={day.isoformat()}")
    marker = _visit(page, ids["cancelled"])
    expect(marker).to_have_class("visit visit--cancelled visit--mark")
    expect(marker).to_be_visible()
    label = marker.get_attribute("aria-label") or ""
    assert label.startswith("Maya Test, Face · 10:00") and label.endswith("Cancelled")
    expect(_visit(page, ids["no_show"])).to_have_class("visit visit--no_show visit--mark")
    expect(_visit(page, ids["over"])).to_contain_text("Noor Test")
    full = _width(page, ids["alone"])
    assert _width(page, ids["over"]) == full > 120  # of a 150 px column
    assert _width(page, ids["cancelled"]) <= 8
    shot("week")

    marker.focus()
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == label
    shot("week-marker-focused")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server}/visits/{ids['cancelled']}")

    page.goto(f"{live_server}/calendar/week?provider_id={world.ana}&date={next_day.isoformat()}")
    split = _width(page, ids["numbing"]), _width(page, ids["during"])
    assert split[0] == split[1] < full / 2 + 1  # live visits still share the width
    shot("week-two-live")

    page.goto(f"{live_server}/calendar?date={day.isoformat()}")
    expect(page.locator("a.visit--mark")).to_have_count(2)
    shot("day")
