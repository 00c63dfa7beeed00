"""The portal's day chips on small phones (390 and 320 px wide): they scroll sideways inside
the page's margins, so no chip touches or runs past the screen's edge, at rest or scrolled to
the last day; the chosen day's chip is in view after its page loads (static/js, allowed by
the CSP); and without JavaScript the strip and booking still work. Screenshots go to
test-artifacts/."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from clinic.clock import utcnow
from clinic.extensions import db
from clinic.plans.creation import PlanRequest, create_plan
from clinic.practice.service import get_clinic
from tests.web.booking_world import DESK, build_world, local_today, weekday
from tests.web.test_portal import link_for
from tests.web.test_portal_walkthrough import _book

pytestmark = pytest.mark.browser

MARGIN = 12  # px kept clear at each side of the screen (the page's own margin is 16)


def _edges(page: Page, selector: str) -> dict[str, float]:
    return page.eval_on_selector(
        selector,
        "e => { const r = e.getBoundingClientRect(); return {left: r.left, right: r.right}; }",
    )


def _maya_with_a_plan(app: Flask) -> tuple[int, int]:
    """Maya, with a plan whose first session is due: (her id, the session's id)."""
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
    return world.maya, session_id


def _sign_in(page: Page, live_server: str, csrf_app: Flask, patient_id: int) -> None:
    page.goto(live_server + link_for(csrf_app, patient_id))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello Maya")).to_be_visible()


@pytest.mark.parametrize("width", [390, 320])
def test_day_chips_keep_clear_of_the_screen_edge(
    page: Page, live_server: str, app: Flask, csrf_app: Flask, width: int, shot
) -> None:
    maya, session_id = _maya_with_a_plan(app)
    page.set_viewport_size({"width": width, "height": 844})
    _sign_in(page, live_server, csrf_app, maya)

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


@pytest.mark.parametrize("width", [390, 320])
def test_the_chosen_day_is_in_view_after_its_page_loads(
    page: Page, live_server: str, app: Flask, csrf_app: Flask, width: int, shot
) -> None:
    maya, session_id = _maya_with_a_plan(app)
    page.set_viewport_size({"width": width, "height": 844})
    blocked: list[str] = []

    def note_csp(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            blocked.append(message.text)

    page.on("console", note_csp)
    _sign_in(page, live_server, csrf_app, maya)
    page.goto(f"{live_server}/portal/book/session/{session_id}")
    chips = page.locator(".pt-days a")
    count = chips.count()
    assert count >= 6, "too few days to need scrolling"

    for index in (count - 1, count // 2, 0):
        href = chips.nth(index).get_attribute("href")
        assert href is not None
        chips.nth(index).click()  # a new page, with that day chosen
        expect(page).to_have_url(live_server + href)
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)  # let scroll snapping settle
        chosen = page.locator(".pt-days a[aria-current]")
        expect(chosen).to_have_attribute("href", href)
        strip = _edges(page, ".pt-days ul")
        box = chosen.bounding_box()
        assert box is not None
        assert strip["left"] <= box["x"] and box["x"] + box["width"] <= strip["right"], index
        assert page.evaluate("window.scrollY") == 0  # the strip scrolled, not the page
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        if index == count - 1:
            shot(f"{width}-last-day-chosen")
    assert not blocked, blocked


def test_without_javascript_the_days_and_booking_still_work(
    browser: Browser, live_server: str, app: Flask, csrf_app: Flask
) -> None:
    maya, session_id = _maya_with_a_plan(app)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        _sign_in(page, live_server, csrf_app, maya)
        page.goto(f"{live_server}/portal/book/session/{session_id}")
        chips = page.locator(".pt-days a")
        last = chips.last.get_attribute("href")
        assert last is not None
        chips.last.click()
        expect(page).to_have_url(live_server + last)
        expect(page.locator(".pt-days a[aria-current]")).to_have_attribute("href", last)
        page.locator("a.pt-time").first.click()
        expect(page.locator(".pt-confirm__question")).to_have_text(re.compile(r"^Book .+\?$"))
        page.get_by_role("button", name="Confirm").click()
        expect(page.get_by_text("Your visit is booked.")).to_be_visible()
    finally:
        context.close()


@pytest.mark.parametrize("width", [390, 320])
def test_moving_a_visit_weeks_ahead_keeps_the_page_inside_the_screen(
    page: Page, live_server: str, app: Flask, csrf_app: Flask, width: int, shot
) -> None:
    """Her visit's day, far along the strip, is marked for screen readers with text that
    is positioned out of sight: it must stay inside the strip, not widen the page."""
    world = build_world(app)
    visit_id = _book(app, world, weekday(0) + timedelta(weeks=3), 10)
    page.set_viewport_size({"width": width, "height": 844})
    _sign_in(page, live_server, csrf_app, world.maya)

    page.goto(f"{live_server}/portal/appointments/{visit_id}/reschedule")
    page.wait_for_load_state("load")
    current = page.locator(".pt-days a", has_text="Now")
    expect(current).to_be_visible()
    assert page.locator(".pt-days a").count() >= 12, "her day should lie far along the strip"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.eval_on_selector(".pt-days ul", "e => { e.scrollLeft = 0; }")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot(f"{width}-move-far-day")
