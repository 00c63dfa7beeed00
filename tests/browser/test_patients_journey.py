"""The front desk registers a patient, fixes a bad phone number, and finds her again."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # The day's calendar first: the desk's daily tool.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Today")


def test_front_desk_registers_and_finds_a_patient(
    page: Page, live_server: str, staff: dict[str, str], setup_clinic: None, shot
) -> None:
    sign_in(page, live_server, staff["front_desk"])
    page.get_by_role("link", name="Patients").click()
    page.get_by_role("link", name="New patient").click()
    page.get_by_label("First name").fill("Imogen")
    page.get_by_label("Last name").fill("Fairweather")
    page.get_by_label("Date of birth").fill("1990-06-15")
    page.get_by_label("Email", exact=True).fill("imogen@example.com")
    page.get_by_label("Mobile phone").fill("555-12")
    page.get_by_label("Agrees to reminders by text message").check()
    page.get_by_role("button", name="Register patient").click()

    phone = page.get_by_label("Mobile phone")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#phone-error")).to_contain_text("phone number")
    expect(page.get_by_label("First name")).to_have_value("Imogen")  # kept what was typed
    shot("phone-error")

    phone.fill("(415) 555-0134")
    page.get_by_role("button", name="Register patient").click()
    expect(page.get_by_role("heading", name="Imogen Fairweather")).to_be_visible()
    expect(page.get_by_text("(415) 555-0134")).to_be_visible()  # stored as +14155550134

    page.get_by_role("link", name="Patients").click()
    page.get_by_label(re.compile("Find a patient")).fill("fairw")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("status")).to_contain_text("1 match")
    page.get_by_role("link", name="Fairweather, Imogen").click()
    expect(page.get_by_role("heading", name="Imogen Fairweather")).to_be_visible()
    shot("found")


def test_pages_fit_a_phone_screen(
    page: Page, live_server: str, staff: dict[str, str], setup_clinic: None, shot
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, staff["front_desk"])
    page.goto(f"{live_server}/patients/new")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390, "the form scrolls sideways on a phone"
    shot("phone")


def test_a_very_long_name_does_not_widen_the_patient_list(
    page: Page, live_server: str, app, staff: dict[str, str], setup_clinic: None, shot
) -> None:
    """An 80-letter name with no space (as the form allows) wraps inside its cell on a
    tablet held upright, instead of pushing the list sideways."""
    from datetime import UTC, date, datetime

    from clinic.extensions import db
    from tests.clinics import add_patient

    with app.app_context():
        add_patient("long", date(1990, 1, 1), datetime.now(UTC), first_name="W" * 80)
        db.session.commit()
    page.set_viewport_size({"width": 768, "height": 1024})
    sign_in(page, live_server, staff["front_desk"])
    page.goto(f"{live_server}/")
    expect(page.get_by_text("W" * 20, exact=False)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    shot("long-name")
