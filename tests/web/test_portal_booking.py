"""The portal's booking pages as a patient meets them: a time is confirmed before it is
booked or moved, the Move page starts from the visit she has, and a cancelled or missed
visit offers booking again instead of a calendar file."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from clinic.clock import utcnow
from clinic.extensions import db
from clinic.operations import VisitRequest, book_visit
from clinic.plans.creation import PlanRequest, create_plan
from clinic.plans.models import PlannedSession
from clinic.portal.picker import Picked, Target
from clinic.practice.models import Clinic, Provider
from clinic.practice.service import get_clinic
from clinic.scheduling.models import Appointment
from clinic.scheduling.status import AppointmentStatus
from tests.web.booking_world import DESK, LA, World, build_world, local_today, weekday
from tests.web.test_portal import (
    chosen_day,
    hidden_fields,
    link_for,
    picked_start,
    portal_sign_in,
    shown_text,
    time_links,
)

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


def _plan(app: Flask, patient_id: int, sessions: int = 3) -> list[int]:
    """A plan starting today; the ids of its sessions."""
    with app.test_request_context():
        plan = create_plan(
            PlanRequest(patient_id, ("stretch_marks",), local_today(), sessions),
            clinic=get_clinic(),
            actor=DESK,
            today=local_today(),
            now=utcnow(),
        )
        db.session.commit()
        return [s.id for s in plan.sessions]


def _book(
    app: Flask,
    world: World,
    patient_id: int,
    starts_at: datetime,
    provider_id: int,
    session_id: int | None = None,
) -> int:
    with app.test_request_context():
        visit = book_visit(
            VisitRequest(
                patient_id, world.face, starts_at, provider_id, planned_session_id=session_id
            ),
            clinic=get_clinic(),
            actor=DESK,
            now=utcnow(),
        )
        db.session.commit()
        return visit.id


def _at(on: date, hour: int) -> datetime:
    return datetime(on.year, on.month, on.day, hour, tzinfo=LA)


def _provider_of(link: str) -> int:
    return int(parse_qs(urlsplit(link).query)["provider_id"][0])


def _name(app: Flask, provider_id: int) -> str:
    with app.app_context():
        provider = db.session.get(Provider, provider_id)
        assert provider is not None
        return provider.name


def _visit(app: Flask, visit_id: int) -> Appointment:
    with app.app_context():
        found = db.session.get(Appointment, visit_id)
        assert found is not None
        db.session.expunge(found)
        return found


# -- 2. a time is confirmed before anything is booked -------------------------------------


def test_choosing_a_time_asks_first_and_only_confirm_books(
    app: Flask, client: FlaskClient, world: World
) -> None:
    session_id = _plan(app, world.maya)[0]
    portal_sign_in(client, app, world.maya)
    path = f"/portal/book/session/{session_id}"
    picker = client.get(path).get_data(as_text=True)
    assert 'name="slot"' not in picker  # no one-tap booking buttons any more
    links = time_links(picker)
    assert links and all(link.startswith(path + "?") for link in links)
    assert not ISO_DAY.search(shown_text(picker))

    confirm = client.get(links[0])
    assert confirm.status_code == 200
    page = confirm.get_data(as_text=True)
    start = picked_start(links[0]).astimezone(LA)
    fields = hidden_fields(page)
    provider = _name(app, int(fields["provider_id"]))
    question = f"Book {start:%A %-d %B} at {start:%H:%M} with {provider}?"
    assert question in shown_text(page)
    assert not ISO_DAY.search(shown_text(page))
    assert "csrf_token" in fields and f'method="post" action="{path}"' in page
    assert ">Confirm</button>" in page
    back = re.search(r'href="([^"]+)">Back</a>', page)
    assert back is not None
    with app.app_context():  # looking is not booking
        session = db.session.get(PlannedSession, session_id)
        assert session is not None and session.appointment_id is None

    # Back returns to the times of the same day.
    again = client.get(back.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert chosen_day(again) == start.date().isoformat()
    assert links[0] in time_links(again)

    booked = client.post(path, data=fields)
    assert booked.status_code == 302
    with app.app_context():
        session = db.session.get(PlannedSession, session_id)
        assert session is not None and session.appointment is not None
        assert session.appointment.starts_at == picked_start(links[0])
        assert session.appointment.provider_id == int(fields["provider_id"])


def test_a_time_taken_meanwhile_is_not_confirmed_or_booked(
    app: Flask, client: FlaskClient, world: World
) -> None:
    session_id = _plan(app, world.maya)[0]
    portal_sign_in(client, app, world.maya)
    path = f"/portal/book/session/{session_id}"
    link = time_links(client.get(path).get_data(as_text=True))[0]
    fields = hidden_fields(client.get(link).get_data(as_text=True))
    start = picked_start(link).astimezone(LA)
    # Noor takes that very time with that provider before Maya confirms.
    _book(app, world, world.noor, picked_start(link), int(fields["provider_id"]))

    stale = client.get(link)
    assert stale.status_code == 409
    assert "Someone has just taken that time" in stale.get_data(as_text=True)
    assert chosen_day(stale.get_data(as_text=True)) == start.date().isoformat()
    refused = client.post(path, data=fields)
    assert refused.status_code == 409
    assert "Someone has just taken that time" in refused.get_data(as_text=True)
    with app.app_context():
        session = db.session.get(PlannedSession, session_id)
        assert session is not None and session.appointment_id is None


def test_confirm_pressed_twice_at_once_books_one_visit_and_both_answers_say_booked(
    app: Flask, client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two presses of Confirm arrive together: both pass the checks, one books. The other,
    refused as a clash with her own new visit, must not tell her "someone has just taken
    that time": it answers as the first did. (The other request's booking is made here
    between this one's checks and its booking, where the race puts it.)"""
    from clinic.portal import time_pages

    session_id = _plan(app, world.maya)[0]
    portal_sign_in(client, app, world.maya)
    path = f"/portal/book/session/{session_id}"
    link = time_links(client.get(path).get_data(as_text=True))[0]
    fields = hidden_fields(client.get(link).get_data(as_text=True))
    provider = int(fields["provider_id"])
    checked = time_pages._check_pick

    def first_press_books_meanwhile(target: Target, picked: Picked, clinic: Clinic) -> None:
        checked(target, picked, clinic)
        _book(app, world, world.maya, picked_start(link), provider, session_id)

    monkeypatch.setattr(time_pages, "_check_pick", first_press_books_meanwhile)
    second = client.post(path, data=fields)

    assert second.status_code == 302, second.get_data(as_text=True)
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "Your visit is booked." in page and "just taken" not in page
    with app.app_context():
        visits = db.session.scalars(
            db.select(Appointment).where(Appointment.patient_id == world.maya)
        ).all()
        assert [(v.starts_at, v.provider_id) for v in visits] == [(picked_start(link), provider)]
        assert second.headers["Location"].endswith(f"/portal/appointments/{visits[0].id}")


@pytest.mark.parametrize(
    "query",
    [
        {"start": "not a time", "provider_id": "1"},
        {"start": "2027-03-14T10:00", "provider_id": "1"},  # no offset
        {"start": "9999-12-31T23:30:00+00:00", "provider_id": "1"},
        {"start": "2027-03-14T10:00:00-07:00", "provider_id": "99999999999999999999"},
        {"provider_id": "1"},
    ],
)
def test_an_unreadable_time_shows_the_times_again(
    app: Flask, client: FlaskClient, world: World, query: dict[str, str]
) -> None:
    session_id = _plan(app, world.maya)[0]
    portal_sign_in(client, app, world.maya)
    path = f"/portal/book/session/{session_id}"
    for response in (client.get(path, query_string=query), client.post(path, data=query)):
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert "Choose one of the times shown." in page and time_links(page)


def test_the_confirm_form_keeps_its_csrf_token(app: Flask, csrf_app: Flask, world: World) -> None:
    session_id = _plan(app, world.maya)[0]
    client = csrf_app.test_client()
    landing = link_for(csrf_app, world.maya)
    token = hidden_fields(client.get(landing).get_data(as_text=True))["csrf_token"]
    assert client.post(landing, data={"csrf_token": token}).status_code == 302
    path = f"/portal/book/session/{session_id}"
    link = time_links(client.get(path).get_data(as_text=True))[0]
    fields = hidden_fields(client.get(link).get_data(as_text=True))
    without = {k: v for k, v in fields.items() if k != "csrf_token"}
    assert client.post(path, data=without).status_code == 400
    with app.app_context():
        session = db.session.get(PlannedSession, session_id)
        assert session is not None and session.appointment_id is None
    assert client.post(path, data=fields).status_code == 302


# -- 3. the Move page starts from the visit she has ---------------------------------------


def test_the_move_page_shows_her_visit_now_and_opens_on_its_day(
    app: Flask, client: FlaskClient, world: World
) -> None:
    session_id = _plan(app, world.maya)[0]
    on = weekday(4)  # later than the window's first free day
    visit_id = _book(app, world, world.maya, _at(on, 11), world.sam, session_id)
    visit = _visit(app, visit_id)
    portal_sign_in(client, app, world.maya)
    path = f"/portal/appointments/{visit_id}/reschedule"
    page = client.get(path).get_data(as_text=True)
    text = shown_text(page)
    assert f"Now: {on:%A %-d %B}, 11:00 with {_name(app, world.sam)}" in text
    assert not ISO_DAY.search(text)
    assert chosen_day(page) == on.isoformat()
    first_day = re.search(r'<nav class="pt-days".*?day=([0-9-]+)', page, re.S)
    assert first_day is not None and first_day.group(1) < on.isoformat()
    assert f"<h2>{on:%A %-d %B}</h2>" in page
    # Her own time is marked, not offered; the other times of that day are.
    assert 'class="pt-days__current"' in page
    marked = re.search(r'class="pt-time pt-time--now">\s*<span class="pt-time__at">([^<]+)<', page)
    assert marked is not None and marked.group(1) == "11:00"
    links = time_links(page)
    assert links
    assert not any(
        picked_start(link) == visit.starts_at and _provider_of(link) == world.sam for link in links
    )

    # A day she chose wins over her visit's day, and the Now line stays.
    other = client.get(path, query_string={"day": first_day.group(1)}).get_data(as_text=True)
    assert chosen_day(other) == first_day.group(1)
    assert "Now:" in shown_text(other)

    # The confirm step names both times, and only its POST moves the visit.
    link = next(link for link in links if picked_start(link) != visit.starts_at)
    confirm = client.get(link).get_data(as_text=True)
    start = picked_start(link).astimezone(LA)
    assert f"Move it to {start:%A %-d %B} at {start:%H:%M} with" in shown_text(confirm)
    assert f"Now: {on:%A %-d %B}, 11:00" in shown_text(confirm)
    assert _visit(app, visit_id).starts_at == visit.starts_at
    assert client.post(path, data=hidden_fields(confirm)).status_code == 302
    assert _visit(app, visit_id).starts_at == picked_start(link)


# -- 1. a cancelled or missed visit offers booking again, not a calendar file --------------


def _set_status(app: Flask, visit_id: int, status: AppointmentStatus) -> None:
    """Written directly: the visit's time has not come, so the rules would refuse it."""
    with app.app_context():
        db.session.execute(
            update(Appointment).where(Appointment.id == visit_id).values(status=status)
        )
        db.session.commit()


def test_a_done_visit_offers_no_calendar_entry_and_later_visits_say_what_they_are(
    app: Flask, client: FlaskClient, world: World
) -> None:
    first = _book(app, world, world.maya, _at(weekday(1), 10), world.ana)
    second = _book(app, world, world.maya, _at(weekday(1) + timedelta(weeks=5), 10), world.ana)
    portal_sign_in(client, app, world.maya)
    home = client.get("/portal/").get_data(as_text=True)
    assert f'href="/portal/appointments/{second}">treatment, ' in home  # "Also booked: …"

    _set_status(app, first, AppointmentStatus.COMPLETED)
    page = client.get(f"/portal/appointments/{first}").get_data(as_text=True)
    assert "Add to my calendar" not in page


@pytest.mark.parametrize("ending", ["cancelled", "no_show"])
def test_a_visit_that_did_not_happen_offers_booking_again(
    app: Flask, client: FlaskClient, world: World, ending: str
) -> None:
    session_id = _plan(app, world.maya)[0]
    visit_id = _book(app, world, world.maya, _at(weekday(1), 10), world.ana, session_id)
    portal_sign_in(client, app, world.maya)
    page = client.get(f"/portal/appointments/{visit_id}").get_data(as_text=True)
    assert "Add to my calendar" in page and "Book again" not in page

    if ending == "cancelled":
        cancel = f"/portal/appointments/{visit_id}/cancel"
        assert client.post(cancel, data={"reason": "I am unwell"}).status_code == 302
    else:
        _set_status(app, visit_id, AppointmentStatus.NO_SHOW)
    page = client.get(f"/portal/appointments/{visit_id}").get_data(as_text=True)
    assert "Add to my calendar" not in page and f"/portal/appointments/{visit_id}.ics" not in page
    heading = "This visit was cancelled" if ending == "cancelled" else "You missed this visit"
    assert heading in page
    again = re.search(r'<a class="button" href="([^"]+)">Book again</a>', page)
    assert again is not None
    path = again.group(1).replace("&amp;", "&")
    assert path.startswith(f"/portal/book/session/{session_id}?")
    assert "Book session 1 again" in shown_text(page)
    assert not ISO_DAY.search(shown_text(page))
    picker = client.get(path)
    assert picker.status_code == 200
    assert "Book session 1 of 3" in picker.get_data(as_text=True)
    assert time_links(picker.get_data(as_text=True))


def test_a_cancelled_visit_outside_a_plan_gives_the_number_to_book_again(
    app: Flask, client: FlaskClient, world: World
) -> None:
    visit_id = _book(app, world, world.noor, _at(weekday(1), 11), world.sam)
    portal_sign_in(client, app, world.noor)
    done = client.post(f"/portal/appointments/{visit_id}/cancel", data={"reason": "I am unwell"})
    assert done.status_code == 302
    page = client.get(f"/portal/appointments/{visit_id}").get_data(as_text=True)
    assert "Add to my calendar" not in page and "Book again" not in page
    assert "To book again, please call us on (415) 555-0100" in shown_text(page)


def test_the_confirm_step_says_when_the_time_could_then_be_changed_only_by_phone(
    app: Flask, client: FlaskClient, world: World
) -> None:
    from clinic.practice.models import Clinic

    session_id = _plan(app, world.maya)[0]
    portal_sign_in(client, app, world.maya)
    path = f"/portal/book/session/{session_id}"
    links = time_links(client.get(f"{path}?day={weekday(3).isoformat()}").get_data(as_text=True))
    assert links
    assert "changed only by calling us" not in shown_text(
        client.get(links[0]).get_data(as_text=True)
    )

    with app.app_context():  # a cut-off long enough to reach that time
        db.session.execute(update(Clinic).values(late_cancel_hours=24 * 14))
        db.session.commit()
    page = shown_text(client.get(links[0]).get_data(as_text=True)).replace(" .", ".")

    assert (
        "This time is less than 336 hours away: once booked, it can be changed only by "
        "calling us on (415) 555-0100." in page
    )
