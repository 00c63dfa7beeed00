"""The finder with a keyboard: a later day's times are two key presses away (its link in
the list of days, then Tab), not a tab through every earlier time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page

from tests.browser.test_patients_journey import sign_in
from tests.web.booking_world import build_world, weekday

pytestmark = pytest.mark.browser


def test_a_later_days_times_are_two_key_presses_away(
    page: Page, live_server: str, app: Flask, staff: dict[str, str]
) -> None:
    world = build_world(app)
    first = weekday(1)
    last = first + timedelta(days=3)
    sign_in(page, live_server, staff["front_desk"])
    page.goto(
        f"{live_server}/book?patient_id={world.maya}&service_id={world.face}"
        f"&from_on={first.isoformat()}&to_on={last.isoformat()}"
    )
    links = page.get_by_role("navigation", name="Days with free times").get_by_role("link")
    wanted = links.last
    target = wanted.get_attribute("href")
    assert target is not None and target.startswith("#day-")
    wanted.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.value || ''")
    day = target.removeprefix("#day-")
    assert focused.startswith(day), f"Tab after the day's link reached {focused!r}, not {day}"


def test_searching_a_patient_by_keyboard_goes_on_from_the_patients_found_then_the_times(
    page: Page, live_server: str, app: Flask, staff: dict[str, str]
) -> None:
    """Type a name and Enter: the next Tab reaches the first patient found, not the top of
    the page; choosing her lands at the free times, whose list of days is the next Tab."""
    world = build_world(app)
    sign_in(page, live_server, staff["front_desk"])
    page.goto(f"{live_server}/book?service_id={world.face}")
    page.get_by_label("Find the patient").fill("Maya")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "q=Maya" in url)
    _wait_until_scrolled_to(page, "patient-title")
    page.keyboard.press("Tab")
    reached = page.evaluate("[document.activeElement.tagName, document.activeElement.textContent]")
    assert reached[0] == "A" and "Maya" in reached[1], (
        f"the first Tab after searching reached {reached}"
    )

    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: f"patient_id={world.maya}&" in url)
    _wait_until_scrolled_to(page, "results-title")
    reached = []
    for _ in range(2):  # the keyboard goes on from the free times: their list of days first
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.getAttribute('href') || ''"))
    assert any(href.startswith("#day-") for href in reached), reached


def _wait_until_scrolled_to(page: Page, heading_id: str) -> None:
    """A new page's fragment is taken up a moment after its load event; a Tab pressed before
    then starts from the top of the page, which no person at a keyboard is quick enough to do."""
    page.wait_for_function(f"document.querySelector(':target')?.id === '{heading_id}'")
