"""The front desk finds a slot for a patient, books it, sees it on the day view, moves it,
and cancels it; a screenshot at each step (test-artifacts/)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from clinic.extensions import db
from clinic.practice.models import Provider, Service
from clinic.scheduling.screening import Contraindication
from clinic.scheduling.screenings import record_screening
from tests.browser.test_patients_journey import sign_in
from tests.service.conftest import STAFF, add_patient

pytestmark = pytest.mark.browser

LA = ZoneInfo("America/Los_Angeles")


def next_tuesday() -> date:
    """A Tuesday at least five days ahead: the demo's Ana works Monday to Thursday."""
    today = datetime.now(UTC).astimezone(LA).date() + timedelta(days=5)
    return today + timedelta(days=(1 - today.weekday()) % 7)


@pytest.fixture
def patient(app: Flask, setup_clinic: None) -> dict[str, object]:
    """A screened patient in the demo clinic, and the ids the journey chooses."""
    from clinic.practice.service import get_clinic

    now = datetime.now(UTC)
    with app.test_request_context():
        clinic = get_clinic()
        imogen = add_patient("Imogen", date(1990, 6, 15), now)
        record_screening(
            imogen, {c.value: False for c in Contraindication}, clinic=clinic, actor=STAFF, now=now
        )
        db.session.commit()
        face = db.session.scalars(
            db.select(Service).where(Service.name == "Microneedling — face")
        ).one()
        ana = db.session.scalars(db.select(Provider).where(Provider.name == "Ana Morales")).one()
        return {"id": imogen.id, "service": face.id, "provider": ana.id}


def test_front_desk_books_moves_and_cancels_a_visit(
    page: Page,
    live_server: str,
    staff: dict[str, str],
    patient: dict[str, object],
    shot,
) -> None:
    page.set_viewport_size({"width": 1180, "height": 900})  # a tablet on its side
    sign_in(page, live_server, staff["front_desk"])
    day = next_tuesday()

    # Find her, open her page, and start booking from there.
    page.get_by_role("link", name="Patients").click()
    page.get_by_label(re.compile("Find a patient")).fill("Imogen")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Test, Imogen").click()
    expect(page.get_by_text("Screening eligible")).to_be_visible()
    page.get_by_role("link", name="Book a visit").click()

    # Narrow the finder to Ana on one day.
    expect(page.get_by_role("heading", name="Find a slot")).to_be_visible()
    page.get_by_label("Service").select_option(str(patient["service"]))
    page.get_by_label("Provider").select_option(str(patient["provider"]))
    page.get_by_label("From").fill(day.isoformat())
    page.get_by_label("To").fill(day.isoformat())
    page.get_by_role("button", name="Show free times").click()
    slot = page.get_by_role("button", name=re.compile(r"Book .* 10:00 with Ana Morales"))
    expect(slot).to_be_visible()
    shot("1-finder")

    slot.focus()  # usable without a mouse
    page.keyboard.press("Enter")
    expect(page.get_by_text("Booked Microneedling — face for Imogen Test")).to_be_visible()
    expect(
        page.get_by_text("Current for check-in").or_(page.get_by_text("Not current"))
    ).to_be_visible()
    shot("2-booked")

    # The day view shows it at 10:00 in Ana's column.
    page.get_by_role("link", name="That day's calendar").click()
    block = page.locator("a.visit--booked", has_text="Imogen Test")
    expect(block).to_be_visible()
    expect(page.locator(".daylist time")).to_have_text("10:00")
    shot("3-day-view")

    # Move it to 14:00.
    block.click()
    page.get_by_role("link", name="Move to another time").click()
    expect(page.locator(".slot--current")).to_be_visible()
    shot("4-move")
    label = f"Move to {day:%a %-d %b}, 14:00 with Ana Morales"
    page.get_by_role("button", name=label, exact=True).click()
    expect(page.get_by_text(re.compile("Moved from .* 10:00 to .* 14:00"))).to_be_visible()
    expect(page.locator(".history")).to_contain_text("Moved from")
    shot("5-moved")

    # Cancel it: a reason is required.
    page.get_by_role("button", name="Cancel the visit").click()
    expect(page.locator("#reason-error")).to_be_visible()
    page.get_by_label("Why is the visit cancelled?").fill("She is travelling that week")
    page.get_by_role("button", name="Cancel the visit").click()
    expect(page.get_by_text("The visit is cancelled")).to_be_visible()
    expect(page.locator(".history")).to_contain_text("She is travelling that week")
    shot("6-cancelled")

    page.get_by_role("link", name="That day's calendar").click()
    expect(page.locator("a.visit--cancelled", has_text="Imogen Test")).to_be_visible()
    shot("7-day-view-cancelled")


def test_screening_on_arrival_and_a_tablet_in_portrait(
    page: Page,
    live_server: str,
    staff: dict[str, str],
    patient: dict[str, object],
    shot,
) -> None:
    page.set_viewport_size({"width": 768, "height": 1024})
    sign_in(page, live_server, staff["front_desk"])
    page.goto(f"{live_server}/patients/{patient['id']}/screening")
    page.get_by_role("button", name="Save the screening").click()
    expect(page.locator(".question--error")).to_have_count(len(Contraindication))
    shot("1-unanswered")
    for index, code in enumerate(Contraindication):
        answer = "yes" if code is Contraindication.RECENT_SUNBURN else "no"
        page.locator(f"#{code.value}-{0 if answer == 'yes' else 1}").check()
        if index == 0:
            expect(page.locator(f"#{code.value}-1")).to_be_checked()
    page.get_by_role("button", name="Save the screening").click()
    expect(page.get_by_text("Microneedling only with a clinician's sign-off.")).to_be_visible()
    expect(page.get_by_text("sunburn in the area")).to_be_visible()
    shot("2-result")

    page.goto(f"{live_server}/calendar?date={next_tuesday().isoformat()}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 768, "the day view scrolls sideways on a tablet"
    shot("3-day-portrait")
