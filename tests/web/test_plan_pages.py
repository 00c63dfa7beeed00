"""The staff's plan pages: the builder (the count's rule, the clinician's override, the
preview), the plan page's timeline, booking a session from it, pause, resume, cancel, the
check-in outcome, and the call list.

Pages read the real clock, so plans start relative to today, in a clinic open every day.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from clinic.extensions import db
from clinic.plans.creation import PlanRequest, create_plan
from clinic.plans.models import Plan, PlanStatus
from clinic.plans.rules import SessionStatus
from clinic.plans.service import get_plan, results_check_in_window, status_of
from clinic.practice.models import Clinic, Provider, Room, Service
from clinic.scheduling.status import AppointmentStatus
from tests.clinics import (
    DESK,
    LA,
    NO,
    add_body_service,
    build_clinic,
    complete_session,
    retime_visit,
    write_visit,
)
from tests.conftest import sign_in


def today() -> date:
    return datetime.now(UTC).astimezone(LA).date()


@dataclass(frozen=True)
class Spa:
    face: int
    check_in: int
    maya: int
    noor: int


@pytest.fixture
def spa(app: Flask, staff: dict[str, str]) -> Spa:
    """A clinic open 9 to 19 every day, two providers working 9 to 18 every day, two rooms;
    a microneedling service and a results check-in; two screened patients, Maya with a
    mobile number."""
    now = datetime.now(UTC)
    with app.app_context():
        built = build_clinic(
            now,
            {"Maya": (date(1990, 5, 1), NO), "Noor": (date(1985, 8, 9), NO)},
            name="Plan Clinic",
            open_days=7,
            provider_names=("Ana Ruiz", "Sam Lee"),
            lunch=None,
            face_indications=("fine_lines", "stretch_marks"),
        )
        maya, noor = built.patients["Maya"], built.patients["Noor"]
        maya.phone = "+14155550123"
        db.session.commit()
        return Spa(built.face.id, built.check_in.id, maya.id, noor.id)


def make_plan(
    app: Flask, patient: int, *, start: date, indications=("stretch_marks",), sessions=5
) -> int:
    with app.app_context():
        plan = create_plan(
            PlanRequest(patient, tuple(indications), start, sessions),
            clinic=db.session.scalars(sa.select(Clinic)).one(),
            actor=DESK,
            today=today(),
            now=datetime.now(UTC),
        )
        db.session.commit()
        return plan.id


def count_plans(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Plan)) or 0


def builder(client: FlaskClient, patient: int, **data: object):
    form = {"start_date": today().isoformat(), "action": "create", **data}
    return client.post(f"/patients/{patient}/plans/new", data=form)


def plan_id_of(response) -> int:
    match = re.search(r"/plans/(\d+)$", response.headers["Location"])
    assert match, response.headers.get("Location")
    return int(match.group(1))


def test_builder_names_the_rule_that_limits_the_count(
    app: Flask, client: FlaskClient, staff: dict[str, str], spa: Spa
) -> None:
    sign_in(client, staff["front_desk"])
    page = client.get(f"/patients/{spa.maya}/plans/new").get_data(as_text=True)
    assert "Fine lines" in page and "Stretch marks" in page
    assert f'value="{today().isoformat()}"' in page  # starts today by default
    assert 'name="override_reason"' not in page  # only clinicians may override

    refused = builder(client, spa.maya, indications=["fine_lines"], sessions_per_year=3)
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "more needs burn scars or stretch marks" in text
    assert 'id="sessions_per_year-error"' in text
    assert count_plans(app) == 0

    created = builder(client, spa.maya, indications=["stretch_marks"], sessions_per_year=5)
    assert created.status_code == 302
    plan = client.get(f"/plans/{plan_id_of(created)}").get_data(as_text=True)
    assert "Stretch marks" in plan and plan.count('class="tl-band"') == 6


def test_limit_hint_follows_the_indications(
    client: FlaskClient, staff: dict[str, str], spa: Spa
) -> None:
    sign_in(client, staff["front_desk"])
    page = builder(
        client, spa.maya, indications=["stretch_marks"], sessions_per_year=5, action="preview"
    ).get_data(as_text=True)
    assert "Burn scars and stretch marks allow up to 5 sessions a year." in page


def test_only_a_clinician_may_override_the_count(
    app: Flask, client: FlaskClient, staff: dict[str, str], spa: Spa
) -> None:
    sign_in(client, staff["front_desk"])
    override = {"indications": ["fine_lines"], "sessions_per_year": 3}
    refused = builder(client, spa.maya, override_reason="Deep lines, slow response", **override)
    assert refused.status_code == 403
    assert count_plans(app) == 0

    client.post("/sign-out")
    sign_in(client, staff["clinician"])
    assert 'name="override_reason"' in client.get(f"/patients/{spa.maya}/plans/new").get_data(
        as_text=True
    )
    vague = builder(client, spa.maya, override_reason="ok", **override)
    assert vague.status_code == 422
    assert "at least 10 characters" in vague.get_data(as_text=True)
    assert count_plans(app) == 0
    created = builder(client, spa.maya, override_reason="Deep lines, slow response", **override)
    assert created.status_code == 302
    with app.app_context():
        plan = get_plan(plan_id_of(created))
        assert plan.sessions_per_year == 3
        assert plan.override_reason == "Deep lines, slow response"


def test_preview_shows_the_targets_without_saving(
    app: Flask, client: FlaskClient, staff: dict[str, str], spa: Spa
) -> None:
    sign_in(client, staff["front_desk"])
    response = builder(
        client, spa.maya, indications=["stretch_marks"], sessions_per_year=5, action="preview"
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count('class="preview-target"') == 5
    assert page.count('class="tl-band"') == 6  # five sessions and the projected check-in
    assert re.search(r'<tr class="preview-check-in"><th scope="row">Results check-in</th>', page)
    assert "Nothing is saved yet" in page
    assert "checked" in page and 'value="5"' in page  # the form keeps what was typed
    assert 'style="' not in page
    assert count_plans(app) == 0


@pytest.mark.parametrize("action", ["preview", "create"])
def test_a_start_far_off_is_refused_on_its_field(
    app: Flask, client: FlaskClient, staff: dict[str, str], spa: Spa, action: str
) -> None:
    """A start in year 9999 has no plan year (its end would be in year 10000): the field
    says why, instead of the page failing."""
    sign_in(client, staff["front_desk"])
    response = builder(
        client, spa.maya, indications=["stretch_marks"], start_date="9999-06-01", action=action
    )
    assert response.status_code == 422
    assert "Enter a date between the years 1900 and 2999." in response.get_data(as_text=True)
    # With another field wrong too (no indication), the page still answers.
    response = builder(client, spa.maya, start_date="9999-06-01", action=action)
    assert response.status_code == 422
    assert "Choose at least one indication." in response.get_data(as_text=True)
    assert count_plans(app) == 0


def test_plan_page_draws_the_year(
    app: Flask, client: FlaskClient, staff: dict[str, str], spa: Spa
) -> None:
    plan_id = make_plan(app, spa.maya, start=today() - timedelta(days=20))
    sign_in(client, staff["front_desk"])
    response = client.get(f"/plans/{plan_id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert "<title" in svg and "<desc" in svg and 'role="img"' in svg
    assert svg.count('class="tl-band"') == 6  # one per session, and the check-in
    assert svg.count('class="tl-target"') == 5
    assert 'class="tl__today"' in svg and ">Today<" in svg
    assert svg.count('class="tl__month"') >= 12
    assert "tl-row tl-row--due" in svg
    assert 'style="' not in page and "<script" not in page
    assert "tl-row tl-row--missed" in svg  # session 1's window closed unbooked
    assert page.count("Book this session") == 4 and page.count(">Rebook<") == 1
    assert "Book check-in" in page


def test_a_sessions_page_preselects_the_service_treating_most_of_the_plan(
    app: Flask, client: FlaskClient, staff: dict[str, str], spa: Spa
) -> None:
    """ "Body" sorts first by name and shares stretch marks with the plan, but "Face" treats
    both of its indications: one click on a time must book the face."""
    with app.app_context():
        add_body_service()
    plan_id = make_plan(app, spa.maya, start=today(), indications=("fine_lines", "stretch_marks"))
    sign_in(client, staff["front_desk"])

    page = client.get(f"/plans/{plan_id}/sessions/1/book").get_data(as_text=True)

    assert re.search(
        rf'<option selected value="{spa.face}">|<option value="{spa.face}" selected', page
    )


def test_booking_a_session_from_its_page_links_it(
    app: Flask, client: FlaskClient, staff: dict[str, str], spa: Spa
) -> None:
    plan_id = make_plan(app, spa.maya, start=today())
    sign_in(client, staff["front_desk"])
    page = client.get(f"/plans/{plan_id}/sessions/1/book").get_data(as_text=True)
    slots = re.findall(r'name="slot" value="([^"]+)"', page)
    assert slots, page
    with app.app_context():
        session = get_plan(plan_id).sessions[0]
        window = (session.window_start, session.window_end)
    first = datetime.fromisoformat(slots[0].split("|")[0]).astimezone(LA).date()
    assert window[0] <= first <= window[1]

    booked = client.post(
        f"/plans/{plan_id}/sessions/1/book", data={"service_id": spa.face, "slot": slots[0]}
    )
    assert booked.status_code == 302 and booked.headers["Location"].endswith(f"/plans/{plan_id}")
    with app.app_context():
        session = get_plan(plan_id).sessions[0]
        assert session.appointment_id is not None
        assert status_of(session, today()) is SessionStatus.BOOKED
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "tl-row tl-row--booked" in page and 'class="tl-visit"' in page
    assert "Booked session 1 for Maya Test" in page

    # Booking it again is refused with the reason, on the page.
    again = client.post(
        f"/plans/{plan_id}/sessions/1/book", data={"service_id": spa.face, "slot": slots[1]}
    )
    assert again.status_code == 422
    assert "already booked" in again.get_data(as_text=True)


def test_a_missed_session_gets_a_new_window_then_books(
    app: Flask, client: FlaskClient, staff: dict[str, str], spa: Spa
) -> None:
    plan_id = make_plan(
        app, spa.maya, start=today() - timedelta(days=60), indications=("fine_lines",), sessions=2
    )
    sign_in(client, staff["front_desk"])
    assert "Rebook" in client.get(f"/plans/{plan_id}").get_data(as_text=True)
    page = client.get(f"/plans/{plan_id}/sessions/1/book").get_data(as_text=True)
    assert "Give it a new window from today" in page and 'name="slot"' not in page
    reopened = client.post(f"/plans/{plan_id}/sessions/1/reopen")
    assert reopened.status_code == 302
    page = client.get(reopened.headers["Location"]).get_data(as_text=True)
    assert 'name="slot"' in page


def test_pause_resume_and_cancel(
    app: Flask, client: FlaskClient, staff: dict[str, str], spa: Spa
) -> None:
    plan_id = make_plan(app, spa.maya, start=today())
    sign_in(client, staff["front_desk"])
    no_reason = client.post(f"/plans/{plan_id}/pause", data={"reason": ""})
    assert no_reason.status_code == 422
    assert 'id="pause_reason-error"' in no_reason.get_data(as_text=True)
    too_long = client.post(f"/plans/{plan_id}/pause", data={"reason": "x" * 301})
    assert too_long.status_code == 422
    assert "Use at most 300 characters." in too_long.get_data(as_text=True)

    assert client.post(f"/plans/{plan_id}/pause", data={"reason": "Pregnant"}).status_code == 302
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "Pregnant" in page and "Resume the plan" in page
    assert "Paused today: resuming today moves nothing." in page and "0 day" not in page
    assert "Book this session" not in page

    assert client.post(f"/plans/{plan_id}/resume").status_code == 302
    with app.app_context():
        assert get_plan(plan_id).status is PlanStatus.ACTIVE

    assert client.post(f"/plans/{plan_id}/cancel", data={"reason": ""}).status_code == 422
    assert client.post(f"/plans/{plan_id}/cancel", data={"reason": "Moved away"}).status_code == 302
    with app.app_context():
        assert get_plan(plan_id).status is PlanStatus.CANCELLED
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "tl-row tl-row--cancelled" in page and "Pause the plan" not in page
    # A cancelled plan cannot be resumed: its booking page does not say to resume it.
    booking = client.get(f"/plans/{plan_id}/sessions/1/book").get_data(as_text=True)
    assert "The plan is cancelled: its sessions can no longer be booked." in booking
    assert "resume it" not in booking


def test_the_patient_page_gives_the_year_of_a_window_in_another_year(
    app: Flask, client: FlaskClient, staff: dict[str, str], spa: Spa
) -> None:
    start = today() + timedelta(days=364)
    if start.year == today().year:  # 1 January: a year ahead is 365 days
        start += timedelta(days=1)
    make_plan(app, spa.maya, start=start)
    sign_in(client, staff["front_desk"])
    page = client.get(f"/patients/{spa.maya}").get_data(as_text=True)
    sentence = re.search(r"book between ([^<]+) and ([^<(]+)", page)
    assert sentence is not None
    assert str(start.year) in sentence.group(1) and str(start.year) in sentence.group(2)


def test_the_finder_offers_the_results_check_in_window(
    app: Flask, client: FlaskClient, staff: dict[str, str], spa: Spa
) -> None:
    """Searching a results check-in for a patient with a plan names its window and offers
    to search it; the times it then offers all lie in the window."""
    plan_id = make_plan(app, spa.maya, start=today(), sessions=2, indications=("fine_lines",))
    with app.app_context():
        plan = get_plan(plan_id)
        window = results_check_in_window(plan, db.session.scalars(sa.select(Clinic)).one())
    sign_in(client, staff["front_desk"])
    page = client.get(f"/book?patient_id={spa.maya}&service_id={spa.check_in}").get_data(
        as_text=True
    )
    assert "results check-in is six to eight weeks after the last session" in page
    assert 'name="slot"' not in page  # the next two weeks are long before it
    link = re.search(r'<a href="([^"]+)">Search those days</a>', page)
    assert link is not None
    page = client.get(html.unescape(link.group(1))).get_data(as_text=True)
    slots = re.findall(r'name="slot" value="([^|"]+)\|', page)
    days = {datetime.fromisoformat(start).astimezone(LA).date() for start in slots}
    assert days and all(window.start <= day <= window.end for day in days), (window, days)


def test_a_session_page_says_why_it_offers_no_times_and_how_a_clinician_can(
    app: Flask, client: FlaskClient, staff: dict[str, str], spa: Spa
) -> None:
    """Her new screening found a recent sunburn (a sign-off item): the session's page says
    so instead of 'no free times', and offers a clinician the times she may book with her
    sign-off (the front desk is told a clinician can)."""
    from clinic.patients.models import Patient
    from clinic.scheduling.screenings import record_screening

    plan_id = make_plan(app, spa.maya, start=today(), sessions=2, indications=("fine_lines",))
    with app.app_context():
        record_screening(
            db.session.get(Patient, spa.maya),
            {**NO, "recent_sunburn": True},
            clinic=db.session.scalars(sa.select(Clinic)).one(),
            actor=DESK,
            now=datetime.now(UTC),
        )
        db.session.commit()
    sign_in(client, staff["front_desk"])
    page = client.get(f"/plans/{plan_id}/sessions/1/book").get_data(as_text=True)
    assert "cannot book" in page and "sunburn" in page.lower()
    assert "A clinician or an admin can book it, with a sign-off." in page
    assert "No times to offer in this window: see why above." in page
    client.post("/sign-out")
    sign_in(client, staff["clinician"])
    page = client.get(f"/plans/{plan_id}/sessions/1/book").get_data(as_text=True)
    offer = re.search(r'<a class="button button--small" href="([^"]+)">Show times to book', page)
    assert offer is not None
    finder = client.get(html.unescape(offer.group(1))).get_data(as_text=True)
    assert 'name="slot"' in finder and "Booking session 1" in finder


def test_pausing_names_the_visits_still_booked(
    app: Flask, client: FlaskClient, staff: dict[str, str], spa: Spa
) -> None:
    """Paused (she is pregnant, say), the plan keeps its booked visit: the desk is told
    which, to cancel it if she will not come."""
    from clinic.operations import VisitRequest, book_visit

    plan_id = make_plan(app, spa.maya, start=today(), sessions=2, indications=("fine_lines",))
    with app.app_context():
        plan = get_plan(plan_id)
        starts_at = datetime.combine(today() + timedelta(days=2), time(10), tzinfo=LA)
        request = VisitRequest(spa.maya, spa.face, starts_at, None, plan.sessions[0].id)
        clinic = db.session.scalars(sa.select(Clinic)).one()
        book_visit(request, clinic=clinic, actor=DESK, now=datetime.now(UTC))
        db.session.commit()
    sign_in(client, staff["front_desk"])
    paused = client.post(f"/plans/{plan_id}/pause", data={"reason": "Pregnant"})
    page = client.get(paused.headers["Location"]).get_data(as_text=True)
    assert f"Still booked: session 1 on {starts_at:%a %-d %b %Y}, 10:00." in page


def test_moving_a_session_searches_its_window(
    app: Flask, client: FlaskClient, staff: dict[str, str], spa: Spa
) -> None:
    """A session's visit moves only inside its window: the move page searches there, not
    the next two weeks, and every time it offers can be taken."""
    from clinic.operations import VisitRequest, book_visit

    plan_id = make_plan(app, spa.maya, start=today(), sessions=2, indications=("fine_lines",))
    with app.app_context():
        second = get_plan(plan_id).sessions[1]
        window = (second.window_start, second.window_end)
        starts_at = datetime.combine(second.window_start + timedelta(days=1), time(10), tzinfo=LA)
        request = VisitRequest(spa.maya, spa.face, starts_at, None, second.id)
        clinic = db.session.scalars(sa.select(Clinic)).one()
        visit = book_visit(request, clinic=clinic, actor=DESK, now=datetime.now(UTC))
        db.session.commit()
        visit_id = visit.id
    sign_in(client, staff["front_desk"])
    page = client.get(f"/visits/{visit_id}/move").get_data(as_text=True)
    slots = re.findall(r'name="slot" value="([^|"]+)\|', page)
    days = {datetime.fromisoformat(start).astimezone(LA).date() for start in slots}
    assert days and all(window[0] <= day <= window[1] for day in days), (window, days)
    moved = client.post(
        f"/visits/{visit_id}/move",
        data={"slot": re.findall(r'name="slot" value="([^"]+)"', page)[-1]},
    )
    assert moved.status_code == 302


def test_the_outcome_is_recorded_and_renewal_proposed(
    app: Flask, client: FlaskClient, staff: dict[str, str], spa: Spa
) -> None:
    plan_id = make_plan(
        app, spa.maya, start=today(), indications=("fine_lines", "stretch_marks"), sessions=3
    )
    sign_in(client, staff["clinician"])
    whole = {
        "result_fine_lines": "a_lot",
        "result_stretch_marks": "some",
        "patient_rating": "4",
        "renew": "yes",
    }
    early = client.post(f"/plans/{plan_id}/outcome", data=whole)
    assert early.status_code == 422
    assert "No session of this plan has been done yet" in early.get_data(as_text=True)
    with app.app_context():
        plan = get_plan(plan_id)
        provider, room = (db.session.scalars(sa.select(m)).first() for m in (Provider, Room))
        assert provider is not None and room is not None
        complete_session(plan.sessions[0], db.session.get(Service, spa.face), provider.id, room.id)
        db.session.commit()
    missing = client.post(f"/plans/{plan_id}/outcome", data={"result_fine_lines": "a_lot"})
    assert missing.status_code == 422
    text = missing.get_data(as_text=True)
    assert 'id="result_stretch_marks-error"' in text and 'id="patient_rating-error"' in text

    recorded = client.post(
        f"/plans/{plan_id}/outcome",
        data={
            "result_fine_lines": "a_lot",
            "result_stretch_marks": "some",
            "patient_rating": "4",
            "renew": "yes",
            "notes": "Happy with the lines.",
        },
    )
    assert recorded.status_code == 302
    with app.app_context():
        plan = get_plan(plan_id)
        assert plan.status is PlanStatus.COMPLETED
        assert plan.outcome.results == {"fine_lines": "a_lot", "stretch_marks": "some"}
        assert plan.outcome.patient_rating == 4 and plan.outcome.renew
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "Happy with the lines." in page and "4 of 5" in page
    proposal = client.get(f"/patients/{spa.maya}/plans/new?renewed_from={plan_id}")
    text = proposal.get_data(as_text=True)
    assert proposal.status_code == 200 and "Next year's plan, proposed" in text
    assert text.count("checked") == 2  # the same two indications


def test_call_list_lists_a_due_session(
    app: Flask, client: FlaskClient, staff: dict[str, str], spa: Spa
) -> None:
    plan_id = make_plan(app, spa.maya, start=today() + timedelta(days=3))
    sign_in(client, staff["front_desk"])
    response = client.get("/plans/call-list")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Maya Test" in page and "Session 1 of 5 to book" in page
    assert 'href="tel:+14155550123">(415) 555-0123</a>' in page  # dialled in E.164, read as written
    assert f'href="/plans/{plan_id}"' in page and f'href="/patients/{spa.maya}"' in page
    assert 'href="/plans/call-list"' in page  # "Plans" in the navigation


def test_patient_page_shows_the_plan_and_its_progress(
    app: Flask, client: FlaskClient, staff: dict[str, str], spa: Spa
) -> None:
    sign_in(client, staff["front_desk"])
    page = client.get(f"/patients/{spa.noor}").get_data(as_text=True)
    assert "No active plan" in page and f'href="/patients/{spa.noor}/plans/new"' in page
    plan_id = make_plan(app, spa.maya, start=today())
    page = client.get(f"/patients/{spa.maya}").get_data(as_text=True)
    assert "Session 1 of 5" in page and f'href="/plans/{plan_id}"' in page


def test_check_in_books_from_the_plan(
    app: Flask, client: FlaskClient, staff: dict[str, str], spa: Spa
) -> None:
    plan_id = make_plan(
        app, spa.maya, start=today() - timedelta(days=40), indications=("fine_lines",), sessions=1
    )
    sign_in(client, staff["front_desk"])
    page = client.get(f"/plans/{plan_id}/check-in/book").get_data(as_text=True)
    slots = re.findall(r'name="slot" value="([^"]+)"', page)
    assert slots, page
    booked = client.post(
        f"/plans/{plan_id}/check-in/book", data={"service_id": spa.check_in, "slot": slots[0]}
    )
    assert booked.status_code == 302
    with app.app_context():
        assert get_plan(plan_id).results_appointment_id is not None
    assert "Book check-in" not in client.get(f"/plans/{plan_id}").get_data(as_text=True)


def test_only_clinicians_record_the_outcome(
    app: Flask, client: FlaskClient, staff: dict[str, str], spa: Spa
) -> None:
    plan_id = make_plan(app, spa.maya, start=today(), indications=("fine_lines",), sessions=2)
    sign_in(client, staff["front_desk"])
    assert "Record the check-in outcome" not in client.get(f"/plans/{plan_id}").get_data(
        as_text=True
    )
    refused = client.post(
        f"/plans/{plan_id}/outcome",
        data={"result_fine_lines": "a_lot", "patient_rating": "5", "renew": "y"},
    )
    assert refused.status_code == 403


def test_the_plan_page_changes_what_a_plan_treats_and_its_sessions(
    app: Flask, client: FlaskClient, staff: dict[str, str], spa: Spa
) -> None:
    plan_id = make_plan(app, spa.maya, start=today(), indications=("fine_lines",), sessions=2)
    sign_in(client, staff["front_desk"])
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "What it treats, how many sessions" in page
    assert f'action="/plans/{plan_id}/change"' in page

    refused = client.post(
        f"/plans/{plan_id}/change", data={"indications": ["fine_lines"], "sessions_per_year": "4"}
    )
    assert refused.status_code == 422
    assert "more needs burn scars or stretch marks" in refused.get_data(as_text=True)
    assert (
        client.post(
            f"/plans/{plan_id}/change",
            data={"indications": ["fine_lines"], "sessions_per_year": "4", "override_reason": "x"},
        ).status_code
        == 403
    )  # only a clinician or an admin gives the reason

    changed = client.post(
        f"/plans/{plan_id}/change",
        data={"indications": ["fine_lines", "burn_scars"], "sessions_per_year": "4"},
    )
    assert changed.status_code == 302
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "The plan is changed, 4 sessions a year." in page
    assert "4 of 4" in page and "Burn scars" in page


def test_next_years_plan_from_an_open_plan_in_its_last_month_replaces_it(
    app: Flask, client: FlaskClient, staff: dict[str, str], spa: Spa
) -> None:
    """The call list asks for renewal in a plan year's last 30 days, while the plan is
    still open: creating next year's plan closes it instead of being refused."""
    old_id = make_plan(app, spa.maya, start=today() - timedelta(days=340), sessions=2)
    sign_in(client, staff["front_desk"])
    proposal = client.get(f"/patients/{spa.maya}/plans/new?renewed_from={old_id}")
    assert "Creating it closes the current plan" in proposal.get_data(as_text=True)

    created = client.post(
        f"/patients/{spa.maya}/plans/new?renewed_from={old_id}",
        data={
            "indications": ["stretch_marks"],
            "start_date": (today() + timedelta(days=25)).isoformat(),
            "sessions_per_year": "2",
            "renewed_from": str(old_id),
            "action": "create",
        },
    )

    assert created.status_code == 302, created.get_data(as_text=True)
    with app.app_context():
        assert get_plan(old_id).status is PlanStatus.COMPLETED
        new_id = int(created.headers["Location"].rsplit("/", 1)[1])
        assert get_plan(new_id).status is PlanStatus.ACTIVE
    old_page = client.get(f"/plans/{old_id}").get_data(as_text=True)
    assert "Propose next year's plan" not in old_page  # made already: a link to it instead
    assert f'href="/plans/{new_id}">Next year\'s plan</a>' in old_page


def test_a_session_the_yearly_count_refuses_says_so_instead_of_no_free_times(
    app: Flask, client: FlaskClient, staff: dict[str, str], spa: Spa
) -> None:
    """Two extra treatments booked in the plan year use up a two-session plan's count:
    session 1's page names the count, not an empty diary."""
    plan_id = make_plan(app, spa.maya, start=today() + timedelta(days=1), sessions=2)
    with app.app_context():
        face = db.session.get(Service, spa.face)
        provider = db.session.scalars(sa.select(Provider).order_by(Provider.id)).first()
        room = db.session.scalars(sa.select(Room).order_by(Room.id)).first()
        assert face is not None and provider is not None and room is not None
        for days in (70, 140):
            start = datetime.combine(today() + timedelta(days=days), time(10), tzinfo=LA)
            write_visit(spa.maya, face, provider.id, room.id, start)
        db.session.commit()
    sign_in(client, staff["front_desk"])

    page = client.get(f"/plans/{plan_id}/sessions/1/book").get_data(as_text=True)

    assert "No free times in this window" not in page
    assert "Maya cannot book session 1 in these days:" in page
    assert "No times to offer in this window: see why above." in page


def test_a_check_in_left_before_its_window_by_a_later_session_is_flagged(
    app: Flask, client: FlaskClient, staff: dict[str, str], spa: Spa
) -> None:
    """The check-in was booked 45 days after the only session; the session then moved a
    week later, so the check-in now falls before the six weeks: the plan page says so."""
    start = today() + timedelta(days=3)
    plan_id = make_plan(app, spa.maya, start=start, indications=("fine_lines",), sessions=1)
    with app.app_context():
        plan = get_plan(plan_id)
        face, check_in = db.session.get(Service, spa.face), db.session.get(Service, spa.check_in)
        provider = db.session.scalars(sa.select(Provider).order_by(Provider.id)).first()
        room = db.session.scalars(sa.select(Room).order_by(Room.id)).first()
        assert face and check_in and provider and room
        session_visit = write_visit(
            spa.maya, face, provider.id, room.id, datetime.combine(start, time(10), tzinfo=LA)
        )
        plan.sessions[0].appointment = session_visit
        results_on = start + timedelta(days=45)
        plan.results_appointment = write_visit(
            spa.maya,
            check_in,
            provider.id,
            room.id,
            datetime.combine(results_on, time(10), tzinfo=LA),
        )
        db.session.commit()
        session_visit_id = session_visit.id
    sign_in(client, staff["front_desk"])
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "before its window" not in page

    with app.app_context():
        moved_to = datetime.combine(start + timedelta(days=7), time(10), tzinfo=LA)
        retime_visit(session_visit_id, moved_to)
        db.session.commit()
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)

    assert "Before its window" in page
    window_start = start + timedelta(days=7 + 42)
    assert (
        f"The results check-in is booked before its window, which now opens on "
        f"{window_start:%A} {window_start.day} {window_start:%B %Y}" in html.unescape(page)
    )
    with app.app_context():
        check_in_id = get_plan(plan_id).results_appointment_id
    move = client.get(f"/visits/{check_in_id}/move").get_data(as_text=True)
    assert f'id="from_on" name="from_on" value="{window_start.isoformat()}"' in move
    opens = f"{window_start:%A} {window_start.day} {window_start:%B %Y}"
    assert f"it moves to {opens} or later" in html.unescape(move)

    # Paused, the course's rules rest (a move is not held to the window): no flag either.
    assert client.post(f"/plans/{plan_id}/pause", data={"reason": "Pregnant"}).status_code == 302
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "Before its window" not in page


def test_the_builder_says_up_front_that_she_has_a_plan_open(
    app: Flask, client: FlaskClient, staff: dict[str, str], spa: Spa
) -> None:
    sign_in(client, staff["front_desk"])
    page = client.get(f"/patients/{spa.maya}/plans/new").get_data(as_text=True)
    assert "already has" not in page
    plan_id = make_plan(app, spa.maya, start=today())

    page = html.unescape(client.get(f"/patients/{spa.maya}/plans/new").get_data(as_text=True))

    assert "Maya already has an active plan:" in page
    assert f'<a href="/plans/{plan_id}">plan #{plan_id},' in page
    renewing = client.get(f"/patients/{spa.maya}/plans/new?renewed_from={plan_id}")
    assert "already has an active plan" not in renewing.get_data(as_text=True)


def test_the_move_page_of_a_session_searched_outside_its_window_points_back_to_it(
    app: Flask, client: FlaskClient, staff: dict[str, str], spa: Spa
) -> None:
    start = today() + timedelta(days=3)
    plan_id = make_plan(app, spa.maya, start=start, indications=("fine_lines",), sessions=2)
    with app.app_context():
        plan = get_plan(plan_id)
        face = db.session.get(Service, spa.face)
        provider = db.session.scalars(sa.select(Provider).order_by(Provider.id)).first()
        room = db.session.scalars(sa.select(Room).order_by(Room.id)).first()
        assert face and provider and room
        visit = write_visit(
            spa.maya, face, provider.id, room.id, datetime.combine(start, time(10), tzinfo=LA)
        )
        plan.sessions[0].appointment = visit
        window = (plan.sessions[0].window_start, plan.sessions[0].window_end)
        db.session.commit()
        visit_id = visit.id
    sign_in(client, staff["front_desk"])
    later = window[1] + timedelta(days=20)

    page = html.unescape(
        client.get(
            f"/visits/{visit_id}/move",
            query_string={"from_on": later.isoformat(), "to_on": later.isoformat()},
        ).get_data(as_text=True)
    )

    assert "It is session 1 of Maya's plan: it moves only between" in page
    assert "Search its window" in page and "Search the next 14 days" not in page


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("0", "A plan has at least one session a year."),
        ("6", "A plan has at most 5 sessions a year."),
        ("two", "Enter the number of sessions a year, such as 2."),
    ],
)
def test_a_count_of_sessions_is_answered_by_the_plan_rules(
    app: Flask, client: FlaskClient, staff: dict[str, str], spa: Spa, typed: str, said: str
) -> None:
    sign_in(client, staff["front_desk"])
    plan_id = make_plan(app, spa.noor, start=today())
    built = builder(client, spa.maya, indications=["stretch_marks"], sessions_per_year=typed)
    changed = client.post(
        f"/plans/{plan_id}/change",
        data={"indications": ["stretch_marks"], "sessions_per_year": typed},
    )
    for response in (built, changed):
        page = html.unescape(response.get_data(as_text=True))
        assert response.status_code == 422
        assert said in page
        assert "Not a valid integer" not in page and "from 1 to 99" not in page
    assert count_plans(app) == 1


def test_a_check_in_is_not_called_early_when_the_last_session_was_cancelled(
    app: Flask, client: FlaskClient, staff: dict[str, str], spa: Spa
) -> None:
    """Session 2 was booked ten days before its target and the check-in 45 days after it;
    session 2 is then cancelled. The check-in window is projected from the target again,
    which the check-in falls before, but the session is what to book: nothing says it
    "moved later"."""
    plan_id = make_plan(
        app, spa.maya, start=today() + timedelta(days=3), indications=("fine_lines",), sessions=2
    )
    with app.app_context():
        plan = get_plan(plan_id)
        face, check_in = db.session.get(Service, spa.face), db.session.get(Service, spa.check_in)
        provider = db.session.scalars(sa.select(Provider).order_by(Provider.id)).first()
        room = db.session.scalars(sa.select(Room).order_by(Room.id)).first()
        assert face and check_in and provider and room
        booked_on = plan.sessions[1].target_date - timedelta(days=10)
        last = write_visit(
            spa.maya, face, provider.id, room.id, datetime.combine(booked_on, time(10), tzinfo=LA)
        )
        plan.sessions[1].appointment = last
        plan.results_appointment = write_visit(
            spa.maya,
            check_in,
            provider.id,
            room.id,
            datetime.combine(booked_on + timedelta(days=45), time(10), tzinfo=LA),
        )
        last.status = AppointmentStatus.CANCELLED
        db.session.commit()
    sign_in(client, staff["front_desk"])

    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)

    assert "Before its window" not in page and "moved later" not in page
