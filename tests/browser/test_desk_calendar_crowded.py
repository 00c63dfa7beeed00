"""The front desk's week view when it is crowded: two cancelled visits at one time stay two
markers a pointer and a keyboard reach (stacked down the column's edge, not 2 px slivers),
and blocks that share a narrow column show what fits (the time, then the patient) inside
their own box, with the full text as their accessible name and tooltip. Screenshots in
test-artifacts/."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Locator, Page, expect

from clinic.clock import utcnow
from clinic.extensions import db
from clinic.operations import VisitRequest, book_visit, cancel_visit
from clinic.practice.models import Room, Service
from clinic.practice.service import get_clinic
from clinic.scheduling.models import Appointment
from tests.browser.test_patients_journey import sign_in
from tests.clinics import write_visit
from tests.web.booking_world import DESK, LA, build_world, weekday

pytestmark = pytest.mark.browser

# Every visit block's text lines: where each ends, and the room its clipping label leaves.
LINES = """() => [...document.querySelectorAll('a.visit:not(.visit--mark)')].map(a => {
  const label = a.querySelector('svg.visit__label');
  return {
    href: a.getAttribute('href'),
    name: a.getAttribute('aria-label'),
    tooltip: a.querySelector('title').textContent,
    room: label.width.baseVal.value,
    badge: (c => c && c.getBoundingClientRect().toJSON())(a.querySelector('.visit__badge circle')),
    lines: [...label.querySelectorAll('text')].map(t => ({
      text: t.textContent,
      end: t.x.baseVal[0].value + t.getComputedTextLength(),
      box: t.getBoundingClientRect().toJSON(),
    })),
  };
})"""


def _visit(page: Page, visit_id: int) -> Locator:
    return page.locator(f'a.visit[href="/visits/{visit_id}"]')


def _box(page: Page, visit_id: int) -> dict[str, float]:
    box = _visit(page, visit_id).locator("rect").first.bounding_box()
    assert box is not None
    return box


def test_two_cancelled_at_one_time_stay_two_readable_links(
    page: Page, live_server: str, app: Flask, staff: dict[str, str], shot: Any
) -> None:
    world = build_world(app)
    day = weekday(1)
    with app.test_request_context():
        clinic, now = get_clinic(), utcnow()

        def book(patient: int, hour: int) -> Appointment:
            starts_at = datetime.combine(day, time(hour), tzinfo=LA)
            request = VisitRequest(patient, world.face, starts_at, world.ana)
            visit = book_visit(request, clinic=clinic, actor=DESK, now=now)
            db.session.flush()
            return visit

        first = book(world.maya, 10)
        cancel_visit(first, "Travelling", clinic=clinic, actor=DESK, now=now)
        second = book(world.noor, 10)
        cancel_visit(second, "Unwell", clinic=clinic, actor=DESK, now=now)
        live = book(world.maya, 10)  # the freed time, booked again
        db.session.commit()
        ids = first.id, second.id, live.id

    page.set_viewport_size({"width": 1180, "height": 900})
    sign_in(page, live_server, staff["front_desk"])
    for path in (
        f"/calendar/week?provider_id={world.ana}&date={day.isoformat()}",
        f"/calendar?date={day.isoformat()}",
    ):
        page.goto(live_server + path)
        upper, lower, block = (_box(page, visit_id) for visit_id in ids)
        assert upper["x"] == lower["x"] and upper["width"] == lower["width"] >= 5
        assert upper["height"] >= 12 and lower["height"] >= 12
        assert upper["y"] + upper["height"] < lower["y"]  # stacked, apart
        assert block["x"] + block["width"] < upper["x"]  # beside the live visit, not over it
        for visit_id in ids[:2]:
            expect(_visit(page, visit_id)).to_be_visible()
            expect(_visit(page, visit_id)).to_have_attribute("aria-label", re.compile("Cancelled$"))
        shot("week" if "week" in path else "day")

        # Keyboard: one marker, then the next, each named for a screen reader.
        _visit(page, ids[0]).focus()
        assert page.evaluate("document.activeElement.getAttribute('aria-label')").startswith(
            "Maya Test, Face · 10:00"
        )
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.getAttribute('aria-label')").startswith(
            "Noor Test, Face · 10:00"
        )
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server}/visits/{ids[1]}")


def _insert(app: Flask, patient: int, service: int, provider: int, room: int, at: datetime) -> int:
    """A visit row written directly, to crowd a column beyond what two rooms allow."""
    with app.app_context():
        visit = write_visit(patient, db.session.get(Service, service), provider, room, at)
        db.session.commit()
        return visit.id


def test_narrow_blocks_show_what_fits_inside_their_box(
    page: Page, live_server: str, app: Flask, staff: dict[str, str], shot: Any
) -> None:
    world = build_world(app)
    day = weekday(1)
    with app.app_context():
        iris = Room(name="Iris", device="SkinPen")
        db.session.add(iris)
        db.session.commit()
        iris_id = iris.id

    def local(on: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(on, time(hour, minute), tzinfo=LA).astimezone(UTC)

    # Two at once (Ana is free while the numbing cream sets): two lanes of a 150 px column.
    _insert(app, world.maya, world.face, world.ana, world.rose, local(day, 10))
    _insert(app, world.noor, world.check_in, world.ana, world.sage, local(day, 10, 15))
    # Three at once, half an hour apart, so that Ana works one while the next two numb (the
    # database refuses her in two places at once): lanes too narrow for the bold time.
    for patient, room, at in (
        (world.maya, world.rose, local(day, 14)),
        (world.noor, world.sage, local(day, 14, 30)),
        (world.teen, iris_id, local(day, 15)),
    ):
        _insert(app, patient, world.face, world.ana, room, at)
    with app.app_context():  # and one of them now needs attention: its room is out of use
        db.session.get(Room, iris_id).is_active = False
        db.session.commit()

    page.set_viewport_size({"width": 1180, "height": 900})
    sign_in(page, live_server, staff["front_desk"])
    page.goto(f"{live_server}/calendar/week?provider_id={world.ana}&date={day.isoformat()}")
    shot("week")
    blocks = page.evaluate(LINES)
    assert len(blocks) == 5
    for block in blocks:
        assert block["name"] == block["tooltip"]  # the full text, for screen readers and hover
        assert re.match(r"\w+ Test, (Face|Check-in) · \d\d:\d\d–\d\d:\d\d", block["name"])
        first, *rest = [line["text"] for line in block["lines"]]
        assert re.fullmatch(r"\d\d:\d\d(–\d\d:\d\d)?( .+)?", first), first  # the time first
        assert f"· {first[:5]}–" in block["name"]
        for line in block["lines"]:  # nothing runs past the box's clipped label
            assert line["end"] <= block["room"] + 0.5, (line, block["room"])
        if block["badge"] is not None:  # nor under the warning badge
            assert block["name"].endswith("Needs attention: the room is out of use")
            badge = block["badge"]
            for line in block["lines"]:
                box = line["box"]
                apart = box["right"] <= badge["left"] or box["top"] >= badge["bottom"]
                assert apart, (line, badge)
        if rest:  # then the patient: whole, "Maya T.", "Maya", "Ma…" or "MT"
            given, family = block["name"].split(",")[0].split()
            ways = (f"{given} {family}", f"{given} {family[0]}.", given, given[0] + family[0])
            shortened = rest[0].endswith("…") and given.startswith(rest[0][:-1])
            assert rest[0] in ways or shortened, rest[0]
    assert len([b for b in blocks if b["room"] < 45]) == 3  # three lanes share a column
    assert len([b for b in blocks if b["badge"] is not None]) == 1

    page.goto(f"{live_server}/calendar?date={day.isoformat()}")
    flagged = page.locator(".daylist__item").filter(has_text="Needs attention")
    expect(flagged).to_have_count(1)
    expect(flagged).to_contain_text("Teen Test")
    expect(flagged).to_contain_text("The room is out of use.")
    shot("day")
