"""The portal's day chips on small phones (390 and 320 px wide): they scroll sideways inside
the page's margins, so no chip touches or runs past the screen's edge, at rest or scrolled to
the last day; a screenshot of each (test-artifacts/)."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from clinic.clock import utcnow
from clinic.extensions import db
from clinic.plans.service import PlanRequest, create_plan
from clinic.practice.service import get_clinic
from tests.web.booking_world import DESK, build_world, local_today
from tests.web.test_portal import link_for

pytestmark = pytest.mark.browser

MARGIN = 12  # px kept clear at each side of the screen (the page's own margin is 16)


def _edges(page: Page, selector: str) -> dict[str, float]:
    return page.eval_on_selector(
        selector,
        "e => { const r = e.getBoundingClientRect(); return {left: r.left, right: r.right}; }",
    )


@pytest.mark.parametrize("width", [390, 320])
def test_day_chips_keep_clear_of_the_screen_edge(
    page: Page, live_server: str, app: Flask, csrf_app: Flask, width: int, shot
) -> None:
    world = build_world(app)
    with app.test_request_context():
        plan = create_plan(
            PlanRequest(world.maya, ("stretch_marks",), local_today(), 3),
            clinic=get_clinic(),
            actor=DESK,
            today=local_today(),
            now=utcnow(),
        )
        session_id = plan.sessions[0].id
        db.session.commit()
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(live_server + link_for(csrf_app, world.maya))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello Maya")).to_be_visible()

    page.goto(f"{live_server}/portal/book/session/{session_id}")
    chips = page.locator(".pt-days a")
    expect(chips.first).to_be_visible()
    assert chips.count() >= 6, "too few days to need scrolling"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    strip = _edges(page, ".pt-days ul")
    assert strip["left"] >= MARGIN and strip["right"] <= width - MARGIN
    assert page.eval_on_selector(".pt-days ul", "e => e.scrollWidth > e.clientWidth")
    first = chips.first.bounding_box()
    assert first is not None and first["x"] >= strip["left"] + 4
    shot(f"{width}-days")

    chips.last.focus()  # by keyboard, the strip scrolls to the last day
    page.eval_on_selector(".pt-days ul", "e => { e.scrollLeft = e.scrollWidth; }")
    page.wait_for_timeout(300)  # let scroll snapping settle
    last = chips.last.bounding_box()
    assert last is not None
    assert last["x"] + last["width"] <= strip["right"] - 4 <= width - MARGIN
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot(f"{width}-days-scrolled")
