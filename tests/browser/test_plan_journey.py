"""The front desk builds a stretch-marks plan of five sessions, previews it, creates it,
books its first session from the plan page and sees it on the timeline as booked; a
screenshot at each step (test-artifacts/), on a tablet, a phone and in print."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from clinic.extensions import db
from clinic.scheduling.screening import Contraindication
from clinic.scheduling.screenings import record_screening
from tests.browser.test_patients_journey import sign_in
from tests.service.conftest import STAFF, add_patient

pytestmark = pytest.mark.browser


@pytest.fixture
def patient(app: Flask, setup_clinic: None) -> int:
    """A screened patient in the demo clinic."""
    from clinic.practice.service import get_clinic

    now = datetime.now(UTC)
    with app.test_request_context():
        clinic = get_clinic()
        imogen = add_patient("Imogen", date(1990, 6, 15), now)
        imogen.phone = "+14155550142"
        record_screening(
            imogen, {c.value: False for c in Contraindication}, clinic=clinic, actor=STAFF, now=now
        )
        db.session.commit()
        return imogen.id


def test_front_desk_builds_a_plan_and_books_its_first_session(
    page: Page, live_server: str, staff: dict[str, str], patient: int, shot
) -> None:
    page.set_viewport_size({"width": 1180, "height": 900})  # a tablet on its side
    sign_in(page, live_server, staff["front_desk"])
    page.goto(f"{live_server}/patients/{patient}")
    expect(page.get_by_text("No active plan")).to_be_visible()
    page.get_by_role("link", name="New plan").click()

    # Choose stretch marks and five sessions: the page names the rule that allows it.
    expect(page.get_by_role("heading", name=re.compile("New plan for"))).to_be_visible()
    page.get_by_label("Stretch marks").check()
    page.get_by_label("Sessions a year").fill("5")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_text("Burn scars and stretch marks allow up to 5")).to_be_visible()
    expect(page.locator(".preview-target")).to_have_count(5)
    expect(page.locator(".plan-timeline svg .tl-band")).to_have_count(6)
    expect(page.get_by_label("Stretch marks")).to_be_checked()  # kept what was chosen
    shot("1-preview")

    expect(page.get_by_role("button", name="Create plan")).to_have_count(2)  # above and below
    page.get_by_role("button", name="Create plan").last.click()
    expect(page.get_by_text("Created a plan of 5 sessions a year")).to_be_visible()
    expect(page.locator(".tl-row--due")).to_have_count(5)
    expect(page.locator(".tl__today")).to_have_count(1)
    shot("2-plan")

    # Book session 1 from the plan page: only times inside its window are offered.
    page.get_by_role("link", name=re.compile(r"Book this session \(1\)")).click()
    expect(page.get_by_role("heading", name=re.compile("Book session 1 of 5"))).to_be_visible()
    expect(page.get_by_label("Service")).to_have_value(
        re.compile(r"\d+")
    )  # the body service, which treats stretch marks, comes first
    assert "body" in page.get_by_label("Service").locator("option:checked").inner_text()
    first = page.locator("button.slot").first
    expect(first).to_be_visible()
    shot("3-slots")
    first.focus()  # usable without a mouse
    page.keyboard.press("Enter")

    # Back on the plan: session 1 is booked, on the timeline and in the table.
    expect(page.get_by_text(re.compile("Booked session 1 for Imogen Test"))).to_be_visible()
    expect(page.locator(".tl-row--booked")).to_have_count(1)
    expect(page.locator(".tl-row--booked .tl-visit")).to_have_count(1)
    expect(page.locator(".tl-row--due")).to_have_count(4)
    expect(page.locator(".plan-sessions__row--booked")).to_contain_text("1 of 5")
    shot("4-booked")

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    timeline = page.locator(".plan-timeline")
    expect(timeline).to_be_visible()
    phone = shot("5-phone")
    timeline.screenshot(path=str(phone.with_name(f"{phone.stem}-timeline.png")))

    page.set_viewport_size({"width": 1000, "height": 900})
    page.emulate_media(media="print")
    expect(page.locator(".plan-actions")).to_be_hidden()
    shot("6-print")
    page.emulate_media(media="screen")

    # The patient page shows her progress.
    page.get_by_role("link", name="Imogen Test").first.click()
    expect(page.get_by_text(re.compile("Session 1 of 5: booked"))).to_be_visible()
