"""The patient portal: sign-in by one-time link, scoping to the signed-in patient, the
calendar feed, and the self-service cut-off."""

from __future__ import annotations

import html
import re
import statistics
import time
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import icalendar
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from clinic.clock import utcnow
from clinic.extensions import db
from clinic.operations import VisitRequest, book_visit
from clinic.patients.models import Patient
from clinic.plans.creation import PlanRequest, create_plan
from clinic.plans.models import PlannedSession
from clinic.portal.access import issue_link
from clinic.portal.blueprint import portal_policy
from clinic.practice.service import get_clinic
from clinic.reminders.models import Message
from clinic.reminders.rules import MessageStatus
from clinic.scheduling.models import Appointment, Screening
from clinic.scheduling.status import AppointmentStatus
from tests.clinics import retime_visit
from tests.conftest import sign_in as staff_sign_in
from tests.smtp import Inbox, smtp_server
from tests.web.booking_world import DESK, LA, World, add_patient, build_world, local_today
from tests.web.booking_world import weekday as weekday_on

TREATMENT_WORDS = ("Face", "microneedling", "Microneedling", "Check-in")


def _at(day, hour: int, minute: int = 0) -> datetime:  # type: ignore[no-untyped-def]
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LA)


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


@pytest.fixture
def booked(app: Flask, world: World) -> dict[str, int]:
    """Maya: a plan of three sessions, session 1 booked, one message sent to her.
    Noor: one visit outside any plan."""
    with app.test_request_context():
        clinic = get_clinic()
        now = utcnow()
        plan = create_plan(
            PlanRequest(world.maya, ("stretch_marks",), local_today(), 3),
            clinic=clinic,
            actor=DESK,
            today=local_today(),
            now=now,
        )
        session_1 = plan.sessions[0]
        maya_visit = book_visit(
            VisitRequest(
                world.maya,
                world.face,
                _at(weekday_on(0), 10),
                world.ana,
                planned_session_id=session_1.id,
            ),
            clinic=clinic,
            actor=DESK,
            now=now,
        )
        noor_visit = book_visit(
            VisitRequest(world.noor, world.face, _at(weekday_on(1), 11), world.sam),
            clinic=clinic,
            actor=DESK,
            now=now,
        )
        sent = db.session.scalars(
            select(Message).where(Message.appointment_id == maya_visit.id)
        ).first()
        assert sent is not None
        sent.status = MessageStatus.SENT
        sent.sent_at = now
        sent.subject = "Your visit is booked: MAYA-SECRET-SUBJECT"
        sent.body = "Hello Maya, MAYA-SECRET-BODY\nhttps://clinic.test/portal/appointments/1"
        db.session.commit()
        return {
            "maya_visit": maya_visit.id,
            "maya_session": session_1.id,
            "maya_session_2": plan.sessions[1].id,
            "maya_message": sent.id,
            "noor_visit": noor_visit.id,
        }


def link_for(app: Flask, patient_id: int, *, now: datetime | None = None) -> str:
    with app.app_context():
        patient = db.session.get(Patient, patient_id)
        assert patient is not None and patient.email_key is not None
        issued = issue_link(
            patient.email_key,
            secret=str(app.config["SECRET_KEY"]),
            policy=portal_policy(),
            now=now or utcnow(),
            patient=patient,
        )
        db.session.commit()
    return f"/portal/sign-in/{issued.signed_token}"


def portal_sign_in(client: FlaskClient, app: Flask, patient_id: int) -> None:
    response = client.post(link_for(app, patient_id))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/portal/")


def wait_for_mail(inbox: Inbox, count: int, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while len(inbox.messages) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(inbox.messages) >= count, "the sign-in link did not arrive"


def time_links(page: str) -> list[str]:
    """The picker's times: links (each opens the confirm step), as paths with a query."""
    return [html.unescape(href) for href in re.findall(r'<a class="pt-time" href="([^"]+)"', page)]


def hidden_fields(page: str) -> dict[str, str]:
    found = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page)
    return {name: html.unescape(value) for name, value in found}


def picked_start(link: str) -> datetime:
    return datetime.fromisoformat(parse_qs(urlsplit(link).query)["start"][0])


def shown_text(page: str) -> str:
    """What a person reads: the page without its tags, spaces collapsed."""
    body = page.split("<main", 1)[-1]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def chosen_day(page: str) -> str:
    found = re.search(r'href="[^"]*day=([0-9-]+)[^"]*" aria-current="date"', page)
    assert found is not None, "no day chip is marked as chosen"
    return found.group(1)


def book_with_confirm(client: FlaskClient, path: str, link: str) -> tuple[str, object]:
    """Open the confirm step for a time link, then confirm it: (the confirm page, answer)."""
    confirm = client.get(link)
    assert confirm.status_code == 200, confirm.get_data(as_text=True)
    page = confirm.get_data(as_text=True)
    return page, client.post(path, data=hidden_fields(page))


# -- signing in ----------------------------------------------------------------------


def test_sign_in_answers_alike_and_the_link_arrives_by_smtp(
    app: Flask, client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with smtp_server() as (inbox, port):
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", port)
        monkeypatch.setitem(app.config, "CLINIC_BASE_URL", "https://portal.test")
        answers, timings = {}, {"known": [], "unknown": []}
        for _round in range(3):
            for kind, email in (("known", "Maya@Example.com"), ("unknown", "nobody@example.com")):
                started = time.perf_counter()
                response = client.post("/portal/sign-in", data={"email": email})
                timings[kind].append(time.perf_counter() - started)
                answers[kind] = (response.status_code, response.get_data(as_text=True))
        assert answers["known"] == answers["unknown"]
        assert answers["known"][0] == 200
        assert "Check your email" in answers["known"][1]
        gap = abs(statistics.median(timings["known"]) - statistics.median(timings["unknown"]))
        assert gap < 0.25, timings
        wait_for_mail(inbox, 3)
        time.sleep(0.2)
        assert len(inbox.messages) == 3  # nothing for the unknown address
        mail = inbox.messages[-1]
        assert mail["To"] == "Maya@Example.com"
        assert "sign-in link" in str(mail["Subject"])
        body = mail.get_content()
        assert "Maya" in body and "15 minutes" in body
        url = re.search(r"https://portal\.test(/portal/sign-in/\S+)", body)
        assert url is not None

    landing = client.get(url.group(1))
    assert landing.status_code == 200
    page = landing.get_data(as_text=True)
    assert page.count('type="submit"') == 1 and "Sign in" in page
    # Opening the link (a mail scanner) does not use it up: it still signs in.
    assert client.get(url.group(1)).status_code == 200
    signed_in = client.post(url.group(1))
    assert signed_in.status_code == 302
    home = client.get("/portal/")
    assert home.status_code == 200 and "Hello Maya" in home.get_data(as_text=True)


def test_a_used_or_expired_link_is_refused_kindly(
    app: Flask, client: FlaskClient, world: World
) -> None:
    path = link_for(app, world.maya)
    assert client.post(path).status_code == 302
    # Tapped again from the email by her, signed in: she goes on, not to "expired".
    again = client.get(path)
    assert again.status_code == 302 and again.headers["Location"] == "/portal/"
    other = app.test_client()
    for response in (other.get(path), other.post(path)):
        assert response.status_code == 410
        assert "Email me a new link" in response.get_data(as_text=True)
    assert other.get("/portal/").status_code == 302

    expired = link_for(app, world.maya, now=utcnow() - timedelta(minutes=16))
    response = other.get(expired)
    assert response.status_code == 410
    assert other.post(expired).status_code == 410
    assert other.get("/portal/sign-in/not-a-real-token").status_code == 410
    tampered = path[:-3] + ("abc" if not path.endswith("abc") else "xyz")
    assert other.get(tampered).status_code == 410


def test_patients_sharing_an_address_are_not_locked_out_together(
    app: Flask, client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Thirty patients in an hour behind one address (the waiting room's Wi-Fi, a mobile
    carrier's NAT) each get their link."""
    monkeypatch.setitem(app.config, "MAIL_PORT", 1)  # nothing listens: sends fail quietly
    for number in range(30):
        answer = client.post("/portal/sign-in", data={"email": f"patient{number}@example.com"})
        assert answer.status_code == 200, number


def test_link_requests_are_limited_per_email_and_per_address(
    app: Flask, client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "PORTAL_LINK_MAX_PER_EMAIL", 2)
    monkeypatch.setitem(app.config, "PORTAL_LINK_MAX_PER_ADDRESS", 4)
    monkeypatch.setitem(app.config, "MAIL_PORT", 1)  # nothing listens: sends fail quietly
    for email in ("maya@example.com", "nobody@example.com"):
        for _ in range(2):
            assert client.post("/portal/sign-in", data={"email": email}).status_code == 200
        refused = client.post("/portal/sign-in", data={"email": email})
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) > 0
        assert "Too many" in refused.get_data(as_text=True)
    # Four requests from this address so far: a fifth email is refused by the address.
    refused = client.post("/portal/sign-in", data={"email": "noor@example.com"})
    assert refused.status_code == 429
    elsewhere = app.test_client()
    allowed = elsewhere.post(
        "/portal/sign-in",
        data={"email": "noor@example.com"},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert allowed.status_code == 200


def test_family_members_sharing_an_email_choose_by_first_name(
    app: Flask, client: FlaskClient, world: World
) -> None:
    with app.app_context():
        sister = add_patient("ines", datetime(1992, 1, 1).date(), utcnow())
        sister.email, sister.email_key = "maya@example.com", "maya@example.com"
        db.session.commit()
        issued = issue_link(
            "maya@example.com",
            secret=str(app.config["SECRET_KEY"]),
            policy=portal_policy(),
            now=utcnow(),
        )
        db.session.commit()
        sister_id = sister.id
    path = f"/portal/sign-in/{issued.signed_token}"
    page = client.get(path).get_data(as_text=True)
    assert "Who is signing in?" in page and "Maya" in page and "Ines" in page
    assert "Maya Test" not in page and "Ines Test" not in page  # first names only
    assert client.post(path).status_code == 422
    assert client.post(path, data={"patient_id": world.noor}).status_code == 422
    assert client.post(path, data={"patient_id": sister_id}).status_code == 302
    assert "Hello Ines" in client.get("/portal/").get_data(as_text=True)


def test_portal_link_command_prints_a_link_per_patient(app: Flask, world: World) -> None:
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["portal", "link", "maya@example.com"])
    assert result.exit_code == 0, result.output
    paths = re.findall(r"(/portal/sign-in/\S+)", result.output)
    assert len(paths) == 1
    client = app.test_client()
    assert client.post(paths[0]).status_code == 302
    assert "Hello Maya" in client.get("/portal/").get_data(as_text=True)
    with app.app_context():
        unknown = app.test_cli_runner().invoke(args=["portal", "link", "nobody@example.com"])
    assert unknown.exit_code == 1


def test_idle_sessions_end_and_sign_out_works(
    app: Flask, client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    portal_sign_in(client, app, world.maya)
    assert client.get("/portal/").status_code == 200
    with client.session_transaction() as session:
        session["portal_seen_at"] = session["portal_seen_at"] - 31 * 60
    response = client.get("/portal/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/sign-in")
    assert client.get("/portal/").status_code == 302
    portal_sign_in(client, app, world.maya)
    assert client.post("/portal/sign-out").status_code == 302
    assert client.get("/portal/plan").status_code == 302


# -- separation and scoping -------------------------------------------------------------


def test_patient_and_staff_sessions_are_separate(
    app: Flask, client: FlaskClient, world: World, staff: dict[str, str]
) -> None:
    portal_sign_in(client, app, world.maya)
    for path in ("/patients", "/messages", f"/patients/{world.maya}", "/calendar"):
        response = client.get(path)
        assert response.status_code in (302, 401, 403, 404), path
        if response.status_code == 302:
            assert "/portal" not in response.headers["Location"]
    assert client.get("/api/v1/patients?q=maya").status_code == 401
    desk = app.test_client()
    staff_sign_in(desk, staff["front_desk"])
    response = desk.get("/portal/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/portal/sign-in")


def _portal_rules(app: Flask) -> list:  # type: ignore[type-arg]
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("portal.")]


def test_every_portal_route_is_scoped_to_the_signed_in_patient(
    app: Flask, client: FlaskClient, world: World, booked: dict[str, int]
) -> None:
    """Noor walks every portal route: Maya's ids are 404s, and nothing of Maya shows."""
    portal_sign_in(client, app, world.noor)
    maya_ids = {"appointment_id": booked["maya_visit"], "session_id": booked["maya_session"]}
    leaks = ("Maya", "maya@example.com", "MAYA-SECRET")
    walked = set()
    for rule in _portal_rules(app):
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        if rule.arguments - {"token"}:
            path = rule.build(maya_ids)[1]
            for method in methods:
                response = client.open(path, method=method, data={"reason": "x"})
                assert response.status_code == 404, (method, path, response.status_code)
                body = response.get_data(as_text=True)
                assert not any(leak in body for leak in leaks), path
            walked.add(rule.endpoint)
            continue
        path = rule.build({"token": "x"} if "token" in rule.arguments else {})[1]
        if rule.endpoint == "portal.sign_out":
            continue  # walked last
        response = client.get(path)
        assert response.status_code in (200, 404, 410, 422), (path, response.status_code)
        body = response.get_data(as_text=True)
        assert not any(leak in body for leak in leaks), path
        walked.add(rule.endpoint)
    # Her own pages still work, and Maya's visit was left alone.
    assert client.get(f"/portal/appointments/{booked['noor_visit']}").status_code == 200
    assert client.post("/portal/sign-out").status_code == 302
    walked.add("portal.sign_out")
    assert walked == {rule.endpoint for rule in _portal_rules(app)}
    with app.app_context():
        visit = db.session.get(Appointment, booked["maya_visit"])
        assert visit is not None and visit.status is AppointmentStatus.BOOKED

    # Maya sees her own things.
    maya = app.test_client()
    portal_sign_in(maya, app, world.maya)
    messages = maya.get("/portal/messages").get_data(as_text=True)
    assert "MAYA-SECRET-BODY" in messages
    assert "about your visit of" in messages  # which visit it was about
    assert '<a href="https://clinic.test/portal/appointments/1"' in messages  # tappable
    page = maya.get("/portal/").get_data(as_text=True)
    assert "Session 1 of 3" in page
    assert maya.get(f"/portal/appointments/{booked['noor_visit']}").status_code == 404


# -- calendar ----------------------------------------------------------------------------


def _events(body: bytes) -> list:  # type: ignore[type-arg]
    calendar = icalendar.Calendar.from_ical(body)
    return list(calendar.walk("VEVENT"))


def test_a_moved_then_cancelled_visit_tells_calendars_to_replace_it(
    app: Flask, client: FlaskClient, world: World, booked: dict[str, int]
) -> None:
    """The event keeps its UID; its SEQUENCE grows with each move or cancellation, so a
    phone that imported it replaces the old time instead of keeping both or the old one."""
    from clinic.operations import cancel_visit, move_visit

    visit_id = booked["maya_visit"]
    portal_sign_in(client, app, world.maya)
    ics = f"/portal/appointments/{visit_id}.ics"
    [first] = _events(client.get(ics).data)
    assert first["sequence"] == 0

    with app.test_request_context():
        visit = db.session.get(Appointment, visit_id)
        move_visit(
            visit,
            visit.starts_at + timedelta(hours=4),
            None,
            clinic=get_clinic(),
            actor=DESK,
            now=utcnow(),
        )
        db.session.commit()
    [moved] = _events(client.get(ics).data)
    assert str(moved["uid"]) == str(first["uid"])
    assert moved["sequence"] == 1 and moved.decoded("dtstart") > first.decoded("dtstart")
    assert moved.decoded("last-modified") is not None

    with app.test_request_context():
        visit = db.session.get(Appointment, visit_id)
        cancel_visit(visit, "Unwell", clinic=get_clinic(), actor=DESK, now=utcnow())
        db.session.commit()
    [cancelled] = _events(client.get(ics).data)
    assert (cancelled["sequence"], str(cancelled["status"])) == (2, "CANCELLED")
    assert "call (415) 555-0100" in str(cancelled["description"])


def test_calendar_feed_and_visit_ics_match_her_visits(
    app: Flask, client: FlaskClient, world: World, booked: dict[str, int]
) -> None:
    portal_sign_in(client, app, world.maya)
    form = {"action": "new", "replaces": "none"}  # as the page's form sends it
    page = client.post("/portal/calendar", data=form).get_data(as_text=True)
    url = re.search(r'value="[^"]*(/portal/calendar\.ics\?token=[^"]+)"', page)
    assert url is not None
    feed_path = url.group(1).replace("&amp;", "&")
    # The same form sent again (a reload) makes no other address and ends none.
    resent = client.post("/portal/calendar", data=form).get_data(as_text=True)
    assert "calendar.ics?token=" not in resent and "was made a moment ago" in resent
    anonymous = app.test_client()
    response = anonymous.get(feed_path)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    text = response.get_data(as_text=True)
    assert not any(word in text for word in TREATMENT_WORDS)
    assert "BEGIN:VTIMEZONE" in text and "TZID:America/Los_Angeles" in text
    events = _events(response.data)
    with app.app_context():
        visits = list(
            db.session.scalars(select(Appointment).where(Appointment.patient_id == world.maya))
        )
        assert len(events) == len(visits) == 1
        visit = visits[0]
        event = events[0]
        start = event.decoded("dtstart")
        assert start.tzinfo is not None and str(start.tzinfo) == "America/Los_Angeles"
        assert start == visit.starts_at and event.decoded("dtend") == visit.ends_at
        assert start.astimezone(ZoneInfo("America/Los_Angeles")).hour == 10
        assert str(event["summary"]) == "Visit at Test Clinic"
        assert str(event["uid"]).startswith(f"visit-{visit.id}@")

    one = client.get(f"/portal/appointments/{booked['maya_visit']}.ics")
    assert one.status_code == 200
    assert [str(e["summary"]) for e in _events(one.data)] == ["Visit at Test Clinic"]

    # A new address replaces the old one; stopping it ends both.
    replaces = re.search(r'name="replaces" value="(\w+)"', resent)
    assert replaces is not None
    client.post("/portal/calendar", data={"action": "new", "replaces": replaces.group(1)})
    assert anonymous.get(feed_path).status_code == 404
    client.post("/portal/calendar", data={"action": "stop"})
    assert anonymous.get("/portal/calendar.ics?token=nothing").status_code == 404
    assert anonymous.get("/portal/calendar.ics").status_code == 404


# -- self-service ---------------------------------------------------------------------------


def test_cancel_and_move_stop_at_the_late_cancel_cut_off(
    app: Flask, client: FlaskClient, world: World, booked: dict[str, int]
) -> None:
    portal_sign_in(client, app, world.maya)
    visit_id = booked["maya_visit"]
    page = client.get(f"/portal/appointments/{visit_id}").get_data(as_text=True)
    assert "Move this visit" in page and "Cancel this visit" in page
    assert "Stop retinoids" in page  # preparation before it
    assert "Sunscreen every day" in page  # the aftercare to come

    # Move it to another time in the session's window, through the confirm step.
    path = f"/portal/appointments/{visit_id}/reschedule"
    picker = client.get(path)
    assert picker.status_code == 200
    links = time_links(picker.get_data(as_text=True))
    assert links
    _page, moved = book_with_confirm(client, path, links[-1])
    assert moved.status_code == 302
    with app.app_context():
        visit = db.session.get(Appointment, visit_id)
        assert visit is not None
        assert visit.starts_at == picked_start(links[-1])

    # Within the cut-off the page says to call, and neither change is allowed.
    with app.app_context():
        soon = utcnow().replace(microsecond=0) + timedelta(hours=3)
        retime_visit(visit_id, soon)
        db.session.commit()
    page = client.get(f"/portal/appointments/{visit_id}").get_data(as_text=True)
    assert "Move this visit" not in page
    assert "less than 24 hours away" in page and "+14155550100" in page
    # Back on the move or cancel page (or a form sent from it): her visit, saying why.
    for method, action in (("GET", "reschedule"), ("GET", "cancel"), ("POST", "cancel")):
        refused = client.open(
            f"/portal/appointments/{visit_id}/{action}", method=method, data={"reason": "Ill"}
        )
        assert refused.status_code == 302
        assert refused.headers["Location"] == f"/portal/appointments/{visit_id}"
        shown = client.get(refused.headers["Location"]).get_data(as_text=True)
        assert "can no longer be changed online. Please call us on (415) 555-0100." in shown
    with app.app_context():
        assert db.session.get(Appointment, visit_id).status is AppointmentStatus.BOOKED

    # Noor's visit, days away, she cancels herself with a reason.
    noor = app.test_client()
    portal_sign_in(noor, app, world.noor)
    noor_visit = booked["noor_visit"]
    assert noor.get(f"/portal/appointments/{noor_visit}/cancel").status_code == 200
    done = noor.post(f"/portal/appointments/{noor_visit}/cancel", data={"reason": "I am unwell"})
    assert done.status_code == 302
    with app.app_context():
        visit = db.session.get(Appointment, noor_visit)
        assert visit is not None and visit.status is AppointmentStatus.CANCELLED
        assert "I am unwell" in (visit.cancel_reason or "")


def test_booking_a_planned_session_from_its_window(
    app: Flask, client: FlaskClient, world: World
) -> None:
    with app.test_request_context():
        create_plan(
            PlanRequest(world.maya, ("fine_lines",), local_today(), 2),
            clinic=get_clinic(),
            actor=DESK,
            today=local_today(),
            now=utcnow(),
        )
        db.session.commit()
        session_1 = db.session.scalars(select(PlannedSession)).first()
        assert session_1 is not None
        window = (session_1.window_start, session_1.window_end)
        session_id = session_1.id
    portal_sign_in(client, app, world.maya)
    home = client.get("/portal/").get_data(as_text=True)
    assert "Book session 1" in home
    path = f"/portal/book/session/{session_id}"
    # A time outside the window is refused, at the confirm step and at the booking.
    outside = datetime.combine(window[1] + timedelta(days=3), datetime.min.time(), LA)
    outside_pick = {"start": outside.replace(hour=10).isoformat(), "provider_id": world.ana}
    for refused in (
        client.get(path, query_string=outside_pick),
        client.post(path, data=outside_pick),
    ):
        assert refused.status_code == 422
        assert "Choose a day from" in refused.get_data(as_text=True)
    picker = client.get(path)
    assert picker.status_code == 200
    links = time_links(picker.get_data(as_text=True))
    assert links
    _page, response = book_with_confirm(client, path, links[0])
    assert response.status_code == 302
    with app.app_context():
        session = db.session.get(PlannedSession, session_id)
        assert session is not None and session.appointment is not None
        day = session.appointment.starts_at.astimezone(LA).date()
        assert window[0] <= day <= window[1]


def test_screening_yes_asks_her_to_call_and_flags_the_visit(
    app: Flask, client: FlaskClient, world: World, booked: dict[str, int]
) -> None:
    portal_sign_in(client, app, world.maya)
    form = client.get(f"/portal/screening?appointment_id={booked['maya_visit']}")
    assert form.status_code == 200
    assert "Are you pregnant or breastfeeding?" in form.get_data(as_text=True)
    from clinic.scheduling.screening import Contraindication

    answers = {code.value: "no" for code in Contraindication}
    with app.app_context():
        before = db.session.scalar(select(func.count(Screening.id))) or 0
    incomplete = client.post("/portal/screening", data={"appointment_id": booked["maya_visit"]})
    assert incomplete.status_code == 422
    answers["recent_sunburn"] = "yes"
    sent = client.post(
        "/portal/screening", data={**answers, "appointment_id": booked["maya_visit"]}
    )
    assert sent.status_code == 302  # the thank-you is a page of its own: a reload sends nothing
    done = client.get(sent.headers["Location"])
    assert "Please call the clinic" in done.get_data(as_text=True)
    assert "Please call the clinic" in client.get(sent.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        screening = db.session.scalars(
            select(Screening).order_by(Screening.id.desc()).limit(1)
        ).one()
        assert screening.patient_id == world.maya
        assert screening.appointment_id == booked["maya_visit"]
        assert not screening.eligible and screening.contraindications == ["recent_sunburn"]
        assert db.session.scalar(select(func.count(Screening.id))) == before + 1


def test_she_changes_her_message_choices(app: Flask, client: FlaskClient, world: World) -> None:
    portal_sign_in(client, app, world.maya)
    response = client.post("/portal/messages", data={"email_consent": "on"})
    assert response.status_code == 302
    said = shown_text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "We will only tell you about your visits (bookings and changes), by email." in said
    with app.app_context():
        maya = db.session.get(Patient, world.maya)
        assert maya is not None and maya.email_consent and maya.unsubscribed_at is not None
    client.post("/portal/messages", data={"email_consent": "on", "reminders": "on"})
    with app.app_context():
        maya = db.session.get(Patient, world.maya)
        assert maya is not None and maya.unsubscribed_at is None
    # Reminders wanted, but no way to send them: she is told nothing will come.
    silent = client.post("/portal/messages", data={"reminders": "on"}, follow_redirects=True)
    assert "With email and texts both off, nothing will reach you from us" in shown_text(
        silent.get_data(as_text=True)
    )
    refused = client.post("/portal/messages", data={"sms_consent": "on"})
    assert refused.status_code == 422  # no mobile number on file
