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
