"""What every staff page does in a real browser: nothing fails to load (the favicon was a
404 in the console), and a form sent with errors comes back titled "Error: ..." with focus
on its error summary, so that a screen reader says what went wrong."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import ConsoleMessage, Page, Response, expect

from tests.browser.test_patients_journey import sign_in

pytestmark = pytest.mark.browser


def test_pages_load_cleanly_and_a_failed_form_takes_focus_to_its_errors(
    page: Page, live_server: str, staff: dict[str, str], setup_clinic: None, shot
) -> None:
    failures: list[str] = []

    def on_response(response: Response) -> None:
        if response.status >= 400 and response.request.method == "GET":
            failures.append(f"{response.status} {response.url}")

    def on_console(message: ConsoleMessage) -> None:
        # A form sent with errors answers 422 on purpose; Chromium logs that too.
        if message.type == "error" and "status of 422" not in message.text:
            failures.append(f"console: {message.text}")

    page.on("response", on_response)
    page.on("console", on_console)
    sign_in(page, live_server, staff["admin"])
    page.goto(f"{live_server}/book")
    expect(page.get_by_role("heading", name="Find a slot")).to_be_visible()
    expect(page.get_by_label("Service")).to_have_value(re.compile(r"\d+"))
    assert page.get_by_label("Service").locator("option:checked").inner_text() == (
        "Microneedling — face"
    )

    page.goto(f"{live_server}/admin/closures")
    expect(page).to_have_title(re.compile(r"^Closures"))
    expect(page.locator("#on-hint")).to_have_text("Pick the day the clinic is closed.")
    page.get_by_role("button", name="Add closure").click()

    expect(page).to_have_title(re.compile(r"^Error: Closures"))
    summary = page.get_by_role("alert").filter(has_text="Please correct the fields")
    expect(summary).to_be_focused()
    shot("closure-error")
    assert not failures, failures
