"""What a new patient sees on her phone (390 px): the preparation looks like something to
open (a bordered row with a chevron) and is open in the week before her visit; the plan
bar fills only done sessions; the day strip says it scrolls (a hint, and a fade at the
edge with more days); a visit on a day the clinic has closed says so above its details,
with the Move button in view. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from clinic.clock import utcnow
from clinic.extensions import db
from clinic.operations import VisitRequest, book_visit
from clinic.plans.creation import PlanRequest, create_plan
from clinic.practice.models import Closure
from clinic.practice.service import get_clinic
from tests.browser.conftest import ARTIFACTS
from tests.web.booking_world import DESK, LA, World, build_world, local_today, weekday
from tests.web.test_portal import link_for

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _plan_with_session_1_booked(app: Flask) -> tuple[World, int, int]:
    """Maya's plan of three sessions, the first booked on the next weekday but one:
    (the world, the visit's id, session 2's id)."""
    world = build_world(app)
    with app.test_request_context():
        clinic = get_clinic()
        plan = create_plan(
            PlanRequest(world.maya, ("stretch_marks",), local_today(), 3),
            clinic=clinic,
            actor=DESK,
            today=local_today(),
            now=utcnow(),
        )
        on = weekday(0)
        visit = book_visit(
            VisitRequest(
                world.maya,
                world.face,
                datetime(on.year, on.month, on.day, 10, tzinfo=LA),
                world.ana,
                planned_session_id=plan.sessions[0].id,
            ),
            clinic=clinic,
            actor=DESK,
            now=utcnow(),
        )
        db.session.commit()
        return world, visit.id, plan.sessions[1].id


def _sign_in(page: Page, live_server: str, csrf_app: Flask, patient_id: int) -> None:
    page.goto(live_server + link_for(csrf_app, patient_id))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello Maya")).to_be_visible()


def _style(page: Page, selector: str, prop: str, pseudo: str | None = None) -> str:
    """A computed style, read once the page's stylesheet has loaded: the DOM can be read
    before (a busy machine showed a summary with no border yet)."""
    page.wait_for_load_state("load")
    return str(
        page.eval_on_selector(
            selector,
            "(e, [prop, pseudo]) => getComputedStyle(e, pseudo).getPropertyValue(prop)",
            [prop, pseudo],
        )
    )


def test_home_shows_preparation_as_something_to_open_and_a_bar_that_agrees(
    page: Page, live_server: str, app: Flask, csrf_app: Flask, shot
) -> None:
    world, _visit, _session_2 = _plan_with_session_1_booked(app)
    page.set_viewport_size(PHONE)
    _sign_in(page, live_server, csrf_app, world.maya)

    # The visit is within the preparation days: the steps are open, under a chevron row.
    details = page.locator("details.pt-details")
    summary = details.locator("summary")
    expect(details).to_have_attribute("open", "")
    expect(page.get_by_text("Stop retinoids")).to_be_visible()
    assert float(_style(page, "details.pt-details summary", "border-top-width")[:-2]) >= 1
    assert _style(page, "details.pt-details summary", "content", "::after") == '""'
    assert _style(page, "details.pt-details summary", "border-right-width", "::after") != "0px"
    open_turn = _style(page, "details.pt-details summary", "transform", "::after")
    shot("home-preparation-open")
    summary.click()
    expect(page.get_by_text("Stop retinoids")).to_be_hidden()
    page.wait_for_timeout(250)  # the chevron's turn
    assert _style(page, "details.pt-details summary", "transform", "::after") != open_turn
    box = summary.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] > 300  # a wide target
    shot("home-preparation-closed")

    # "0 done · 1 booked": the booked session is an outline, not filled like a done one.
    expect(page.locator(".pt-progress-text")).to_have_text("Session 1 of 3 · 0 done · 1 booked")
    expect(page.locator(".pt-progress")).to_have_attribute(
        "aria-label", "0 of 3 sessions done, 1 booked"
    )
    booked = ".pt-progress > .pt-progress__step--booked"
    done_colour = _style(page, ".pt-progress-key .pt-progress__step--done", "background-color")
    assert _style(page, booked, "background-color") == "rgb(255, 255, 255)"
    assert _style(page, booked, "background-color") != done_colour
    assert _style(page, booked, "box-shadow") != "none"
    expect(page.locator(".pt-progress > .pt-progress__step--done")).to_have_count(0)
    shot("home-plan-bar")


def test_the_day_strip_says_it_scrolls(
    page: Page, browser: Browser, live_server: str, app: Flask, csrf_app: Flask, shot
) -> None:
    world, _visit, session_2 = _plan_with_session_1_booked(app)
    page.set_viewport_size(PHONE)
    _sign_in(page, live_server, csrf_app, world.maya)
    page.goto(f"{live_server}/portal/book/session/{session_2}")
    nav = page.locator("nav.pt-days")
    chips = nav.locator("a")
    assert chips.count() >= 8
    hint = nav.locator(".pt-days__hint")
    expect(hint).to_be_visible()
    expect(hint).to_contain_text("swipe the row for more")
    # At the first day: a fade on the right edge only, where the other days are.
    expect(nav).to_have_class("pt-days pt-days--more-after")
    assert "gradient" in _style(page, ".pt-days ul", "mask-image")
    shot("days-start")
    page.eval_on_selector(".pt-days ul", "e => { e.scrollLeft = e.scrollWidth; }")
    expect(nav).to_have_class("pt-days pt-days--more-before")
    shot("days-end")
    page.eval_on_selector(".pt-days ul", "e => { e.scrollLeft = e.scrollWidth / 2; }")
    expect(nav).to_have_class("pt-days pt-days--more-before pt-days--more-after")

    # Without JavaScript the hint still says it.
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    bare = context.new_page()
    try:
        _sign_in(bare, live_server, csrf_app, world.maya)
        bare.goto(f"{live_server}/portal/book/session/{session_2}")
        expect(bare.locator(".pt-days__hint")).to_be_visible()
    finally:
        context.close()


def test_a_visit_on_a_closed_day_says_so_with_the_move_button_in_view(
    page: Page, live_server: str, app: Flask, csrf_app: Flask, shot
) -> None:
    world, visit_id, _session_2 = _plan_with_session_1_booked(app)
    with app.app_context():
        db.session.add(Closure(on=weekday(0), name="Staff training"))
        db.session.commit()
    page.set_viewport_size(PHONE)
    _sign_in(page, live_server, csrf_app, world.maya)
    for path in ("/portal/", f"/portal/appointments/{visit_id}"):
        page.goto(live_server + path)
        notice = page.locator(".pt-notice")
        expect(notice).to_contain_text("The clinic is closed on this day.")
        move = notice.get_by_role("link", name="Move this visit")
        expect(move).to_be_in_viewport()
        box, facts = move.bounding_box(), page.locator(".pt-facts").bounding_box()
        assert box is not None and facts is not None and box["y"] < facts["y"]  # above them
        shot("closed-home" if path == "/portal/" else "closed-visit")
    page.get_by_role("link", name="Move this visit").first.click()
    expect(page.get_by_role("heading", name="Move your visit")).to_be_visible()
    expect(page.locator("a.pt-time").first).to_be_visible()


def test_the_calendar_address_copies_with_one_tap(
    browser: Browser, live_server: str, app: Flask, csrf_app: Flask
) -> None:
    world = build_world(app)
    context = browser.new_context(viewport=PHONE)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page = context.new_page()
    try:
        _sign_in(page, live_server, csrf_app, world.maya)
        page.goto(f"{live_server}/portal/calendar")
        page.get_by_role("button", name="Get my calendar address").click()
        address = page.get_by_role("textbox", name="Your private calendar address")
        expect(address).to_have_value(re.compile(r"/portal/calendar\.ics\?token=\S+$"))
        page.get_by_role("button", name="Copy").click()
        expect(page.locator("#feed-url-copied")).to_have_text(
            "Copied. Paste it into your calendar app."
        )
        assert page.evaluate("navigator.clipboard.readText()") == address.input_value()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=str(ARTIFACTS / "portal-calendar-address-copied.png"), full_page=True)
        page.goto(f"{live_server}/portal/calendar")  # shown once: back later, it is not
        expect(address).to_have_count(0)
        expect(page.get_by_text("You have a calendar address.")).to_be_visible()
    finally:
        context.close()
