"""What the front desk reads on the move page, the finder, the week view and the messages
list: whom an empty search was with and what to try next, a hint only where there is
something to choose, services told apart in narrow blocks, and the year of a date in
another year.

Pages read the real clock, so dates are chosen relative to today.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, time, timedelta

from flask import Flask
from flask.testing import FlaskClient

from clinic.clock import to_utc
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.practice.models import Service, ServiceKind, TimeOff
from clinic.reminders.models import Message
from clinic.reminders.rules import Channel, MessageKind, MessageStatus
from tests.clinics import LA, write_visit
from tests.conftest import sign_in
from tests.web.test_desk_pages import Desk, at, desk
from tests.web.test_desk_walkthrough import Spa, book, finder, first_bookable_day, link, spa

__all__ = ["desk", "spa"]  # the fixtures


def _text(page: str) -> str:
    body = page.split("<main", 1)[-1]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def _slots(page: str) -> list[tuple[date, str]]:
    """The free times offered: (clinic-local day, provider id) per button."""
    found = re.findall(r'name="slot" value="([^"|]+)\|(\d+)"', page)
    return [(datetime.fromisoformat(s).astimezone(LA).date(), p) for s, p in found]


# --- The move page: an empty search says with whom, and offers any provider and later days ---


def test_an_empty_move_search_names_the_provider_and_offers_any_provider_or_later_days(
    app: Flask, client: FlaskClient, spa: Spa, staff: dict[str, str]
) -> None:
    sign_in(client, staff["front_desk"])
    visit = book(client, spa, spa.next_week)  # with Ana
    first = first_bookable_day()
    with app.app_context():  # Ana is away for the whole of the page's first 14 days
        db.session.add(
            TimeOff(
                provider_id=spa.ana,
                starts_at=to_utc(datetime.combine(first, time(0)), LA),
                ends_at=to_utc(datetime.combine(first + timedelta(days=14), time(0)), LA),
                reason="Course",
            )
        )
        db.session.commit()

    page = client.get(f"/visits/{visit}/move").get_data(as_text=True)
    assert not _slots(page)
    assert "No free times with Ana in these days." in _text(page)

    any_provider = link(page, "Search with any provider")
    assert "provider_id=0" in any_provider and f"from_on={first.isoformat()}" in any_provider
    with_anyone = client.get(any_provider).get_data(as_text=True)
    assert _slots(with_anyone) and "No free times" not in with_anyone
    assert re.search(r'<option value="0" selected>Any provider</option>', with_anyone)

    later_from, later_to = first + timedelta(days=14), first + timedelta(days=27)
    later = link(page, "Search the next 14 days")
    assert f"from_on={later_from.isoformat()}" in later
    assert f"to_on={later_to.isoformat()}" in later and f"provider_id={spa.ana}" in later
    with_ana_later = client.get(later).get_data(as_text=True)
    offered = _slots(with_ana_later)
    assert offered and all(later_from <= on <= later_to for on, _ in offered)
    assert {provider for _, provider in offered} == {str(spa.ana)}

    # Searching any provider already (here, days gone by): only the later days are offered.
    yesterday = first - timedelta(days=1)
    with_anyone_before = client.get(
        f"/visits/{visit}/move?provider_id=0&from_on={yesterday.isoformat()}"
        f"&to_on={yesterday.isoformat()}"
    ).get_data(as_text=True)
    assert not _slots(with_anyone_before)
    assert "No free times with any provider in these days." in _text(with_anyone_before)
    assert "Search with any provider" not in with_anyone_before
    assert f"from_on={first.isoformat()}" in link(with_anyone_before, "Search the next 14 days")


# --- Find a slot: the booking hint only with times; "Search from" a day in another year ---


def test_the_finder_hint_shows_only_with_times_and_search_from_names_another_year(
    client: FlaskClient, spa: Spa, staff: dict[str, str]
) -> None:
    sign_in(client, staff["front_desk"])
    today = datetime.now(UTC).astimezone(LA).date()
    # A session late this year: the gap of 28 days puts the earliest next one in the next.
    first = max(date(today.year, 12, 20), spa.next_week)
    book(client, spa, first)

    with_times = finder(client, spa, first + timedelta(days=28), first + timedelta(days=35))
    assert re.search(r'name="slot"', with_times)
    assert "Choose a time to book it at once." in with_times

    page = finder(client, spa, first + timedelta(days=1), first + timedelta(days=14))
    assert not re.search(r'name="slot"', page)
    assert "Choose a time to book it at once." not in page
    earliest = first + timedelta(days=28)
    assert earliest.year != today.year
    shown = f"{earliest:%a} {earliest.day} {earliest:%b} {earliest.year}"
    search = link(page, f"Search from {shown}</a>")
    assert f"from_on={earliest.isoformat()}" in search


# --- The week view: services of one family told apart in narrow blocks ---


def _block_lines(page: str, visit_id: int) -> tuple[str, list[str]]:
    """A block's accessible name and the lines it shows."""
    match = re.search(
        rf'<a href="/visits/{visit_id}" class="visit [^"]*" aria-label="([^"]*)">(.*?)</a>',
        page,
        re.S,
    )
    assert match, f"no block for visit {visit_id}"
    lines = re.findall(r'<text class="visit__text[^"]*"[^>]*>([^<]*)</text>', match.group(2))
    return html.unescape(match.group(1)), [html.unescape(line) for line in lines]


def test_the_week_view_tells_microneedling_services_apart(
    app: Flask, client: FlaskClient, staff: dict[str, str], desk: Desk
) -> None:
    names = (
        "Microneedling — face",
        "Microneedling — face and neck",
        "Microneedling — body (stretch marks, scars)",
    )
    day = desk.next_week
    with app.app_context():
        face = db.session.get(Service, desk.face)
        assert face is not None
        face.name = names[0]
        services = [face]
        for name in names[1:]:
            service = Service(
                name=name,
                kind=ServiceKind.MICRONEEDLING,
                procedure_minutes=45,
                numbing_minutes=45,
                buffer_minutes=15,
                provider_free_while_numbing=True,
                indications=["fine_lines"],
            )
            db.session.add(service)
            services.append(service)
        db.session.flush()
        patients = (desk.maya, desk.noor, desk.young)
        visit_ids = [
            write_visit(patient, service, desk.ana, desk.rose, at(day, 10 + 3 * i)).id
            for i, (patient, service) in enumerate(zip(patients, services, strict=True))
        ]
        db.session.commit()

    sign_in(client, staff["front_desk"])
    week = client.get(f"/calendar/week?provider_id={desk.ana}&date={day.isoformat()}").get_data(
        as_text=True
    )
    shown = {}
    for visit_id, name in zip(visit_ids, names, strict=True):
        title, lines = _block_lines(week, visit_id)
        assert name in title  # the whole name stays in the accessible name and tooltip
        assert not any(line.startswith("Micro") for line in lines), lines
        shown[name] = next(line for line in lines if line.startswith(("face", "body")))
    assert shown[names[0]] == "face"
    assert shown[names[1]] == "face and neck"
    assert shown[names[2]].startswith("body") and shown[names[2]].endswith("…")


# --- Messages: a date in another year shows the year ---


def _message(patient_id: int, key: str, send_at: datetime) -> Message:
    return Message(
        dedupe_key=key,
        patient_id=patient_id,
        kind=MessageKind.REMINDER,
        channel=Channel.EMAIL,
        recipient="maya@example.com",
        send_at=send_at,
        status=MessageStatus.SENT,
        message_id=f"reminder.{key}",
        created_at=send_at,
    )


def test_the_messages_list_shows_the_year_of_a_date_in_another_year(
    app: Flask, client: FlaskClient, staff: dict[str, str], desk: Desk
) -> None:
    today = datetime.now(UTC).astimezone(LA).date()
    this_year = date(today.year, 6, 15)
    last_year = date(today.year - 1, 5, 10)
    with app.app_context():
        patient = db.session.get(Patient, desk.maya)
        assert patient is not None
        for key, on in (("now", this_year), ("old", last_year)):
            db.session.add(_message(patient.id, key, at(on, 9, 30)))
        db.session.commit()

    sign_in(client, staff["front_desk"])
    text = _text(client.get("/messages").get_data(as_text=True))
    assert f"{last_year:%a} 10 May {last_year.year}, 09:30" in text
    assert f"{this_year:%a} 15 Jun, 09:30" in text
    assert f"15 Jun {this_year.year}" not in text
