"""The front desk's pages on a phone (390 px) and a tablet (1024 px): a patient with the
longest name the forms take wraps instead of widening the page, and the timetables keep
their drawn size and scroll sideways inside their frame (shrunk to fit, their labels were
a few pixels tall). Screenshots in test-artifacts/."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from clinic.clock import utcnow
from clinic.extensions import db
from clinic.operations import VisitRequest, book_visit
from clinic.patients.models import Patient
from clinic.practice.service import get_clinic
from tests.browser.test_patients_journey import sign_in
from tests.web.booking_world import DESK, LA, build_world, weekday

pytestmark = pytest.mark.browser

LONGEST_LAST_NAME = "Wolfeschlegelsteinhausenbergerdorff" * 2 + "Maria-Guadalupe-Anna"  # 90


def test_long_names_wrap_and_timetables_scroll_on_a_phone(
    page: Page, live_server: str, app: Flask, staff: dict[str, str], shot: Any
) -> None:
    world = build_world(app)
    day = weekday(1)
    with app.test_request_context():
        patient = db.session.get(Patient, world.maya)
        assert patient is not None
        patient.last_name = LONGEST_LAST_NAME[:80]
        starts_at = datetime.combine(day, time(10), tzinfo=LA)
        visit = book_visit(
            VisitRequest(world.maya, world.face, starts_at, world.ana),
            clinic=get_clinic(),
            actor=DESK,
            now=utcnow(),
        )
        db.session.commit()
        visit_id = visit.id

    sign_in(page, live_server, staff["front_desk"])
    on = day.isoformat()
    pages = {
        "patient": f"/patients/{world.maya}",
        "visit": f"/visits/{visit_id}",
        "finder": f"/book?patient_id={world.maya}",
        "day": f"/calendar?date={on}",
        "week": f"/calendar/week?provider_id={world.ana}&date={on}",
    }
    for width in (390, 1024):
        page.set_viewport_size({"width": width, "height": 844})
        for name, path in pages.items():
            page.goto(live_server + path)
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= width, f"{name} is {scroll_width} px wide at {width}"
            shot(f"{name}-{width}")
    page.set_viewport_size({"width": 390, "height": 844})
    for name in ("day", "week"):
        page.goto(live_server + pages[name])
        expect(page.get_by_text("Swipe sideways to see every column.")).to_be_visible()
        drawn = page.eval_on_selector(".timetable__svg", "s => s.width.baseVal.value")
        shown = page.eval_on_selector(".timetable__svg", "s => s.getBoundingClientRect().width")
        assert shown == drawn > 390, f"the {name} timetable is squeezed to {shown} px"
        assert page.eval_on_selector(".timetable", "e => e.scrollWidth > e.clientWidth")
