"""A patient on her phone (390x844): asks for a sign-in link, opens it from her email, sees
her plan's timeline, books her next session (confirming the time she tapped), moves it
(from the page showing when it is now) and cancels it, then is offered to book again; a
screenshot at each step (test-artifacts/)."""

from __future__ import annotations

import re
import time

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from clinic.clock import utcnow
from clinic.extensions import db
from clinic.plans.creation import PlanRequest, create_plan
from clinic.practice.service import get_clinic
from tests.smtp import smtp_server
from tests.web.booking_world import DESK, build_world, local_today

pytestmark = pytest.mark.browser


def test_patient_books_moves_and_cancels_her_next_session_on_a_phone(
    page: Page,
    live_server: str,
    app: Flask,
    csrf_app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    shot,
) -> None:
    world = build_world(app)
    with app.test_request_context():
        create_plan(
            PlanRequest(world.maya, ("stretch_marks",), local_today(), 3),
            clinic=get_clinic(),
            actor=DESK,
            today=local_today(),
            now=utcnow(),
        )
        db.session.commit()
    page.set_viewport_size({"width": 390, "height": 844})

    with smtp_server() as (inbox, port):
        monkeypatch.setitem(csrf_app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(csrf_app.config, "MAIL_PORT", port)
        monkeypatch.setitem(csrf_app.config, "CLINIC_BASE_URL", live_server)
        page.goto(f"{live_server}/portal/sign-in")
        shot("1-sign-in")
        page.get_by_label("Email address").fill("maya@example.com")
        page.get_by_role("button", name="Email me a sign-in link").click()
        expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
        deadline = time.monotonic() + 10
        while not inbox.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        assert inbox.messages, "the sign-in link did not arrive"
        link = re.search(r"(http://\S+/portal/sign-in/\S+)", inbox.messages[0].get_content())
        assert link is not None

    page.goto(link.group(1))
    shot("2-landing")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello Maya")).to_be_visible()
    expect(page.get_by_text("Session 1 of 3")).to_be_visible()
    shot("3-home")

    page.get_by_role("link", name="My plan").click()
    expect(page.locator("svg.ptl")).to_be_visible()
    shot("4-plan")

    page.get_by_role("link", name="Book session 1").click()
    expect(page.get_by_role("heading", name="Book session 1 of 3")).to_be_visible()
    days = page.locator(".pt-days a")
    days.nth(1).click()
    chosen = page.locator(".pt-days a[aria-current] .pt-days__date").inner_text()
    shot("5-times")
    page.locator("a.pt-time").first.click()
    # A tap only asks: "Book Tuesday 3 March at 10:00 with Ana?" (the year when not this one)
    expect(page.get_by_role("heading", name="Confirm your visit")).to_be_visible()
    expect(page.locator(".pt-confirm__question")).to_have_text(
        re.compile(r"^Book \w+day \d{1,2} \w+(?: \d{4})? at \d\d:\d\d with .+\?$")
    )
    shot("6-confirm")
    page.get_by_role("link", name="Back").click()
    expect(page.locator(".pt-days a[aria-current] .pt-days__date")).to_have_text(chosen)
    page.locator("a.pt-time").first.click()
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Your visit is booked.")).to_be_visible()
    expect(page.get_by_role("link", name="Move this visit")).to_be_visible()
    shot("7-booked")
    booked_when = page.locator(".pt-facts dd").first.inner_text()

    page.get_by_role("link", name="Move this visit").click()
    # The Move page says when the visit is now and opens on its day.
    expect(page.locator(".pt-now")).to_contain_text("Now:")
    expect(page.locator(".pt-days a[aria-current] .pt-days__date")).to_have_text(chosen)
    expect(page.locator(".pt-days a[aria-current] .pt-days__now")).to_be_visible()
    expect(page.locator(".pt-time--now")).to_be_visible()
    shot("8-move")
    page.locator(".pt-days a").nth(2).click()
    page.locator("a.pt-time").nth(2).click()
    expect(page.locator(".pt-confirm__question")).to_contain_text("Move it to")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Your visit has moved.")).to_be_visible()
    assert page.locator(".pt-facts dd").first.inner_text() != booked_when
    shot("9-moved")

    page.get_by_role("link", name="Cancel this visit").click()
    page.get_by_label("I am unwell").check()
    shot("10-cancel")
    page.get_by_role("button", name="Cancel the visit").click()
    expect(page.get_by_text("Your visit is cancelled.")).to_be_visible()
    # No calendar file for a visit that will not happen; a way to book again instead.
    expect(page.get_by_role("link", name="Add to my calendar")).to_have_count(0)
    shot("11-cancelled")
    page.get_by_role("link", name="Book again").click()
    expect(page.get_by_role("heading", name="Book session 1 of 3")).to_be_visible()

    page.get_by_role("link", name="My plan").click()
    expect(page.get_by_role("link", name="Book session 1")).to_be_visible()
