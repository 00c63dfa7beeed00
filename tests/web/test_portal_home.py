"""The portal's home page as she reads it: a visit that needs a new time comes before
anything else, and with nothing she can book online she is told how to book."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from clinic.extensions import db
from clinic.portal.dates import readable_date
from clinic.practice.models import Closure
from tests.web.booking_world import LA, World, build_world, local_today, weekday
from tests.web.test_portal import portal_sign_in, shown_text
from tests.web.test_portal_walkthrough import _book, _page, _plan, _said


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


def _close(app: Flask, day: object) -> None:
    with app.app_context():
        db.session.add(Closure(on=day, name="Staff training"))
        db.session.commit()


def test_a_visit_that_needs_a_new_time_comes_before_the_to_do_list(
    app: Flask, client: FlaskClient, world: World
) -> None:
    # Session 1 booked next week; session 2, months away, is in "To do now".
    sessions = _plan(app, world.maya, ("fine_lines",))
    day = weekday(0)
    visit_id = _book(app, world, day, 10, sessions[0])
    _close(app, day)
    portal_sign_in(client, app, world.maya)

    page = _page(client, "/portal/")
    text = _said(page)
    assert "To do now" in text and "Book session 2" in text
    notice_at, todo_at = (
        page.index('class="alert alert--warning pt-notice"'),
        page.index("To do now"),
    )
    assert notice_at < todo_at
    # First on the page: nothing but the greeting before it.
    main = page.split("<main", 1)[1]
    before = shown_text("<main" + main[: main.index("pt-notice")].rsplit("<section", 1)[0])
    assert before.endswith("Hello Maya"), before
    notice = _said(page.split("pt-notice", 1)[1].split("</section>", 1)[0])
    when = readable_date(day, today=local_today(), tz=LA)
    assert f"Your visit on {when} at 10:00 (Face)." in notice
    assert "The clinic is closed on this day. Please choose another time or call us on" in notice
    assert f'href="/portal/appointments/{visit_id}/reschedule"' in page.split("To do now")[0]
    # The next-visit card points up to it rather than repeating it.
    card = page.split('id="next-title"', 1)[1].split("</section>", 1)[0]
    assert "pt-notice" not in card and f'href="#notice-{visit_id}"' in card
    assert page.count("The clinic is closed on this day.") == 1


def test_a_later_visit_that_needs_a_new_time_is_named_at_the_top_too(
    app: Flask, client: FlaskClient, world: World
) -> None:
    _book(app, world, weekday(0), 10)
    later_day = weekday(0) + timedelta(days=28)  # the gap between sessions
    later_id = _book(app, world, later_day, 11)
    _close(app, later_day)
    portal_sign_in(client, app, world.maya)

    page = _page(client, "/portal/")
    top = page.split('id="next-title"', 1)[0]
    notice = _said(top.split("pt-notice", 1)[1])
    when = readable_date(later_day, today=local_today(), tz=LA)
    assert f"Your visit on {when} at 11:00 (Face)." in notice
    assert f'href="/portal/appointments/{later_id}/reschedule"' in top
    assert "(needs a new time)" in _said(page.split('id="next-title"', 1)[1])


def test_with_no_plan_and_no_visit_she_is_told_to_call_to_book(
    app: Flask, client: FlaskClient, world: World
) -> None:
    portal_sign_in(client, app, world.noor)
    page = _page(client, "/portal/")
    assert "You have no visit booked. To book a visit, call us on (415) 555-0100." in _said(page)
    assert re.search(r'<a href="tel:\+14155550100">\(415\) 555-0100</a>', page)


def test_with_a_session_to_book_online_the_call_line_is_left_out(
    app: Flask, client: FlaskClient, world: World
) -> None:
    _plan(app, world.noor, ("fine_lines",))
    portal_sign_in(client, app, world.noor)
    text = _said(_page(client, "/portal/"))
    assert "You have no visit booked." in text and "Book session 1" in text
    assert "To book a visit, call us" not in text


def test_a_visit_that_needs_a_new_time_asks_nothing_before_it(
    app: Flask, client: FlaskClient, world: World
) -> None:
    """Her screening is three weeks old: the to-do asks for it before a visit this week,
    but not once that day has closed (the visit needs a new time first)."""
    from sqlalchemy import update

    from clinic.scheduling.models import Screening

    day = weekday(0)
    _book(app, world, day, 10)
    with app.app_context():
        old = local_today() - timedelta(days=21)
        db.session.execute(
            update(Screening).where(Screening.patient_id == world.maya).values(taken_on=old)
        )
        db.session.commit()
    portal_sign_in(client, app, world.maya)
    assert "Answer the health questions before your visit" in _said(_page(client, "/portal/"))

    _close(app, day)

    home = _said(_page(client, "/portal/"))
    assert "This visit needs a new time" in home
    assert "Answer the health questions before your visit" not in home
