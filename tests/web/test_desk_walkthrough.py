"""What a new user's walkthrough of the front desk found: "Find a slot" explains a search the
plan's rules refuse (the earliest day, one click to search from it, a plan to start), a
cancelled visit is booked again in one click, the finder's default service, the move page
starting at the first bookable day, and pages that say when a form failed.

Pages read the real clock, so visits are booked relative to today, in a clinic open every day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from html import unescape

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from clinic.clock import to_utc
from clinic.extensions import db
from clinic.plans.creation import PlanRequest, create_plan
from clinic.plans.models import PlannedSession
from clinic.plans.rules import long_day
from clinic.practice.models import Clinic
from clinic.scheduling.status import AppointmentStatus
from tests.clinics import DESK, LA, NO, add_body_service, build_clinic
from tests.conftest import sign_in

LEAD_MINUTES = 120  # the clinic's default lead time


@dataclass(frozen=True)
class Spa:
    face: int  # entered first; treats fine lines
    body: int  # entered after Face, sorts before it by name; treats stretch marks
    ana: int
    maya: int
    noor: int
    next_week: date


@pytest.fixture
def spa(app: Flask, staff: dict[str, str]) -> Spa:
    now = datetime.now(UTC)
    with app.app_context():
        built = build_clinic(
            now,
            {"Maya": (date(1990, 5, 1), NO), "Noor": (date(1985, 8, 9), NO)},
            name="Walkthrough Clinic",
            open_days=7,
            lunch=None,
        )
        body = add_body_service()
        return Spa(
            built.face.id,
            body.id,
            built.ana.id,
            built.patients["Maya"].id,
            built.patients["Noor"].id,
            now.astimezone(LA).date() + timedelta(days=7),
        )


def first_bookable_day() -> date:
    return (datetime.now(UTC) + timedelta(minutes=LEAD_MINUTES)).astimezone(LA).date()


def book(client: FlaskClient, spa: Spa, day: date, *, service: int | None = None, patient=None):
    start = to_utc(datetime.combine(day, time(10)), LA)
    data = {
        "patient_id": patient or spa.maya,
        "service_id": service or spa.face,
        "start": start.isoformat(),
        "provider_id": spa.ana,
    }
    response = client.post("/book", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def finder(client: FlaskClient, spa: Spa, from_on: date, to_on: date) -> str:
    return client.get(
        f"/book?patient_id={spa.maya}&service_id={spa.face}"
        f"&from_on={from_on.isoformat()}&to_on={to_on.isoformat()}"
    ).get_data(as_text=True)


def selected_service(page: str) -> int:
    select = page[
        page.index('id="service_id"') : page.index("</select>", page.index('id="service_id"'))
    ]
    match = re.search(r'<option selected value="(\d+)"', select)
    assert match, select
    return int(match.group(1))


def link(page: str, text: str) -> str:
    match = re.search(r'<a[^>]*href="([^"]+)"[^>]*>' + re.escape(text), page)
    assert match, text
    return unescape(match.group(1))


# --- 1. A search the plan's rules refuse ---------------------------------------------------


def test_a_search_inside_the_gap_offers_the_earliest_day_and_a_search_from_it(
    client: FlaskClient, spa: Spa, staff: dict[str, str]
) -> None:
    sign_in(client, staff["front_desk"])
    first = spa.next_week
    book(client, spa, first)

    page = finder(client, spa, first + timedelta(days=1), first + timedelta(days=14))
    earliest = first + timedelta(days=28)
    assert f"at least 28 days apart; there is one on {long_day(first)}." in page
    assert f"Maya can have this session is <strong>{long_day(earliest)}</strong>" in page
    assert "Try other dates or any provider" not in page  # the provider is not why
    assert "No times to offer in these days: see why above." in page
    assert f'href="/patients/{spa.maya}/plans/new"' in page  # she has no plan

    search = link(page, f"Search from {earliest:%a %-d %b}")
    assert f"from_on={earliest.isoformat()}" in search and f"patient_id={spa.maya}" in search
    later = client.get(search).get_data(as_text=True)
    slots = re.findall(r'name="slot" value="([^"|]+)', later)
    assert slots and datetime.fromisoformat(slots[0]).astimezone(LA).date() == earliest
    assert "cannot book" not in later


def test_the_advice_names_every_session_that_holds_her_off(
    app: Flask, client: FlaskClient, spa: Spa, staff: dict[str, str]
) -> None:
    """A plan of five sessions (no cap in the way): a session just before the search and
    another booked four weeks later both keep her off; the earliest day is after the
    second, and the advice names both, not only the first."""
    with app.app_context():
        create_plan(
            PlanRequest(spa.maya, ("fine_lines",), first_bookable_day(), 5, "Deep lines"),
            clinic=db.session.scalars(sa.select(Clinic)).one(),
            actor=DESK,
            today=datetime.now(UTC).astimezone(LA).date(),
            now=datetime.now(UTC),
        )
        db.session.commit()
    sign_in(client, staff["front_desk"])
    first = first_bookable_day() + timedelta(days=1)
    second = first + timedelta(days=28)
    book(client, spa, first)
    book(client, spa, second)

    page = unescape(finder(client, spa, first + timedelta(days=1), first + timedelta(days=14)))
    assert f"there is one on {long_day(first)}." in page
    assert f"there is one on {long_day(second)}." in page
    earliest = second + timedelta(days=28)
    assert f"Maya can have this session is <strong>{long_day(earliest)}</strong>" in page


def test_the_no_plan_cap_names_the_day_and_when_it_can_be_booked(
    client: FlaskClient, spa: Spa, staff: dict[str, str]
) -> None:
    sign_in(client, staff["front_desk"])
    first = spa.next_week
    book(client, spa, first)
    book(client, spa, first + timedelta(days=35))

    start = first + timedelta(days=64)
    page = finder(client, spa, start, start + timedelta(days=13))
    earliest = first + timedelta(days=365)  # three in twelve months until then
    assert "Without a plan, at most 2 sessions in any twelve months" in page
    assert f"Maya can have this session is <strong>{long_day(earliest)}</strong>" in page
    assert "too far ahead to book yet" in page  # past the 12 months the diary opens
    assert "Search from" not in page  # a search there would find nothing
    assert "Try other dates or any provider" not in page
    assert f'href="/patients/{spa.maya}/plans/new"' in page


def test_with_a_plan_no_plan_is_offered(
    app: Flask, client: FlaskClient, spa: Spa, staff: dict[str, str]
) -> None:
    make_plan(app, spa.maya, start=first_bookable_day())
    sign_in(client, staff["front_desk"])
    book(client, spa, spa.next_week)
    page = finder(client, spa, spa.next_week + timedelta(days=1), spa.next_week + timedelta(days=7))
    assert "at least 28 days apart" in page and "Maya can have this session is" in page
    assert "/plans/new" not in page


def test_booking_outside_her_plan_points_to_the_plans_session(
    app: Flask, client: FlaskClient, spa: Spa, staff: dict[str, str]
) -> None:
    """A visit booked from "Book a visit" counts as a session only inside a due session's
    days: the finder says which session is next and links to booking it as that session."""
    plan_id = make_plan(app, spa.maya, start=first_bookable_day())
    sign_in(client, staff["front_desk"])

    page = finder(client, spa, spa.next_week, spa.next_week + timedelta(days=7))

    assert f'a <a href="/plans/{plan_id}">treatment plan</a>' in page
    assert "session 1 is due from" in page
    assert f'href="/plans/{plan_id}/sessions/1/book">Book session 1</a>' in page


def test_with_session_1_missed_the_note_points_to_the_due_session_2(
    app: Flask, client: FlaskClient, spa: Spa, staff: dict[str, str]
) -> None:
    plan_id = make_plan(app, spa.maya, start=first_bookable_day() - timedelta(days=40))
    sign_in(client, staff["front_desk"])

    page = finder(client, spa, spa.next_week, spa.next_week + timedelta(days=7))

    assert "session 2 is due from" in page
    assert f'href="/plans/{plan_id}/sessions/2/book">Book session 2</a>' in page


def test_a_search_the_plan_allows_still_suggests_other_dates(
    client: FlaskClient, spa: Spa, staff: dict[str, str]
) -> None:
    sign_in(client, staff["front_desk"])
    past = first_bookable_day() - timedelta(days=10)
    page = finder(client, spa, past, past + timedelta(days=2))
    assert "Too late to book these days: times can be booked from" in page
    assert "can have this session is" not in page


# --- 2. Book a cancelled visit again ---------------------------------------------------------


def make_plan(app: Flask, patient: int, *, start: date, sessions: int = 2) -> int:
    with app.app_context():
        plan = create_plan(
            PlanRequest(patient, ("fine_lines",), start, sessions),
            clinic=db.session.scalars(sa.select(Clinic)).one(),
            actor=DESK,
            today=datetime.now(UTC).astimezone(LA).date(),
            now=datetime.now(UTC),
        )
        db.session.commit()
        return plan.id


def test_a_cancelled_visit_is_booked_again_with_its_service(
    client: FlaskClient, spa: Spa, staff: dict[str, str]
) -> None:
    sign_in(client, staff["front_desk"])
    visit = book(client, spa, spa.next_week, service=spa.body)
    assert "Book again" not in client.get(f"/visits/{visit}").get_data(as_text=True)
    client.post(f"/visits/{visit}/cancel", data={"reason": "She has a cold"})

    page = client.get(f"/visits/{visit}").get_data(as_text=True)
    again = link(page, "Book again")
    assert f"patient_id={spa.maya}" in again and f"service_id={spa.body}" in again
    found = client.get(again).get_data(as_text=True)
    assert selected_service(found) == spa.body
    assert "Maya Test" in found and 'name="slot"' in found


def test_a_cancelled_plan_session_is_booked_again_as_that_session(
    app: Flask, client: FlaskClient, spa: Spa, staff: dict[str, str]
) -> None:
    make_plan(app, spa.maya, start=first_bookable_day())
    sign_in(client, staff["front_desk"])
    visit = book(client, spa, first_bookable_day() + timedelta(days=3))  # session 1's window
    with app.app_context():
        session = db.session.scalars(sa.select(PlannedSession).order_by("number")).first()
        assert session is not None and session.appointment_id == visit
        session_id, window_end = session.id, session.window_end
    client.post(f"/visits/{visit}/cancel", data={"reason": "Moved house"})

    again = link(client.get(f"/visits/{visit}").get_data(as_text=True), "Book again")
    assert f"session_id={session_id}" in again
    found = client.get(again).get_data(as_text=True)
    assert "Booking session 1 of Maya's plan" in found
    assert f'name="planned_session_id" value="{session_id}"' in found
    slots = re.findall(r'name="slot" value="([^"]+)"', found)
    assert slots
    assert all(
        datetime.fromisoformat(s.split("|")[0]).astimezone(LA).date() <= window_end for s in slots
    )
    booked = client.post(
        "/book",
        data={
            "patient_id": spa.maya,
            "service_id": spa.face,
            "slot": slots[-1],
            "planned_session_id": session_id,
        },
    )
    assert booked.status_code == 302
    with app.app_context():
        session = db.session.get(PlannedSession, session_id)
        assert session is not None and session.appointment_id not in (None, visit)
        assert session.appointment.status is AppointmentStatus.BOOKED


def test_a_session_whose_window_has_passed_the_lead_time_gets_advice_not_a_form_error(
    app: Flask, client: FlaskClient, spa: Spa, staff: dict[str, str]
) -> None:
    """Late on the last day of a session's window, the lead time reaches past it: the search
    has no day left in the window, which the finder says (it is no mistake of the user's)."""
    make_plan(app, spa.maya, start=first_bookable_day())
    with app.app_context():
        session = db.session.scalars(sa.select(PlannedSession).order_by("number")).first()
        assert session is not None
        session_id, window_end = session.id, session.window_end
        past_the_window = (window_end - first_bookable_day()).days + 2
        db.session.execute(sa.update(Clinic).values(lead_time_minutes=past_the_window * 24 * 60))
        db.session.commit()
    sign_in(client, staff["front_desk"])
    response = client.get(
        f"/book?patient_id={spa.maya}&service_id={spa.face}&session_id={session_id}"
    )
    page = unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "The end comes before the start" not in page
    assert "Session 1 of the plan books between" in page and long_day(window_end) in page


# --- 6. The finder's default service ---------------------------------------------------------


def test_the_finder_defaults_to_the_first_service_entered_then_the_patients_own(
    app: Flask, client: FlaskClient, spa: Spa, staff: dict[str, str]
) -> None:
    sign_in(client, staff["front_desk"])
    assert selected_service(client.get("/book").get_data(as_text=True)) == spa.face
    with_patient = client.get(f"/book?patient_id={spa.noor}").get_data(as_text=True)
    assert selected_service(with_patient) == spa.face  # no visits, no plan

    book(client, spa, spa.next_week, service=spa.body, patient=spa.noor)
    with_patient = client.get(f"/book?patient_id={spa.noor}").get_data(as_text=True)
    assert selected_service(with_patient) == spa.body  # her course treats the body


# --- 7. The move page starts at the first bookable day ---------------------------------------


def test_the_move_page_starts_at_the_first_bookable_day(
    app: Flask, client: FlaskClient, spa: Spa, staff: dict[str, str]
) -> None:
    sign_in(client, staff["front_desk"])
    visit = book(client, spa, spa.next_week)
    page = client.get(f"/visits/{visit}/move").get_data(as_text=True)
    first = first_bookable_day()
    assert f'id="from_on" name="from_on" value="{first.isoformat()}"' in page
    slots = re.findall(r'name="slot" value="([^"|]+)', page)
    assert slots and datetime.fromisoformat(slots[0]).astimezone(LA).date() < spa.next_week - (
        timedelta(days=3)
    )
    assert "slot--current" in page  # its own time, a week on, is still shown

    far = book(client, spa, spa.next_week + timedelta(days=30), patient=spa.noor)
    page = client.get(f"/visits/{far}/move").get_data(as_text=True)
    around = link(page, "show the times around it")
    assert f"from_on={(spa.next_week + timedelta(days=27)).isoformat()}" in around
    assert "slot--current" in client.get(around).get_data(as_text=True)


# --- 3, 4, 5. Closure date hint, favicon, failed forms ----------------------------------------


def test_the_closure_date_hint_does_not_contradict_the_date_box(
    client: FlaskClient, spa: Spa, staff: dict[str, str]
) -> None:
    sign_in(client, staff["admin"])
    page = client.get("/admin/closures").get_data(as_text=True)
    assert 'type="date"' in page and "YYYY-MM-DD" not in page
    assert "Pick the day" in page


def test_every_staff_page_links_a_favicon_that_exists(
    client: FlaskClient, spa: Spa, staff: dict[str, str]
) -> None:
    sign_in(client, staff["front_desk"])
    page = client.get("/book").get_data(as_text=True)
    href = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert href
    icon = client.get(href.group(1))
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert b"<svg" in icon.data


def test_a_failed_form_says_error_in_the_title_and_focuses_its_summary(
    client: FlaskClient, spa: Spa, staff: dict[str, str]
) -> None:
    sign_in(client, staff["admin"])
    fine = client.get("/admin/closures").get_data(as_text=True)
    assert "<title>Closures" in fine and "error-summary.js" not in fine

    failed = client.post("/admin/closures", data={"on": "", "name": ""})
    page = failed.get_data(as_text=True)
    assert failed.status_code == 422
    assert "<title>Error: Closures" in page
    assert re.search(r'role="alert" tabindex="-1" data-error-summary>', page)
    assert '<script src="/static/js/error-summary.js" defer></script>' in page

    taken = client.post("/book", data={"patient_id": spa.maya, "service_id": spa.face})
    assert "<title>Error: Book a visit" in taken.get_data(as_text=True)
    assert client.get("/static/js/error-summary.js").status_code == 200


def test_a_visit_page_without_errors_has_a_plain_title(
    client: FlaskClient, spa: Spa, staff: dict[str, str]
) -> None:
    sign_in(client, staff["front_desk"])
    visit = book(client, spa, spa.next_week)
    page = client.get(f"/visits/{visit}").get_data(as_text=True)
    assert re.search(r"<title>Visit #\d+", page) and "data-error-summary" not in page
    with_error = client.post(f"/visits/{visit}/cancel", data={"reason": " "})
    assert "<title>Error: Visit #" in with_error.get_data(as_text=True)
