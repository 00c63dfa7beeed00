"""The admin's clinic setup pages: each page shows and saves, refusals land on the field
with 422 and save nothing, other roles are refused, and changes are audited."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from dateutil.relativedelta import MO, SU, relativedelta
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from clinic.audit.models import AuditEntry
from clinic.extensions import db
from clinic.practice.models import (
    Clinic,
    Closure,
    OpeningHours,
    Provider,
    ProviderBreak,
    Room,
    Service,
    TimeOff,
    WorkingHours,
)
from clinic.practice.rules import ClinicSettings
from tests.conftest import sign_in


@pytest.fixture
def admin(client: FlaskClient, staff: dict[str, str], setup_clinic: None) -> FlaskClient:
    sign_in(client, staff["admin"])
    return client


def _first_id(app: Flask, model: Any) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.min(model.id))))


def _audit(app: Flask, entity: str) -> list[AuditEntry]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEntry).where(AuditEntry.entity == entity).order_by(AuditEntry.id)
        )
        return list(rows)


def _setup_urls(app: Flask) -> list[str]:
    provider = _first_id(app, Provider)
    return [
        "/admin/settings",
        "/admin/hours",
        "/admin/closures",
        "/admin/providers",
        "/admin/providers/new",
        f"/admin/providers/{provider}",
        f"/admin/providers/{provider}/hours",
        f"/admin/providers/{provider}/time-off",
        f"/admin/closures/{_first_id(app, Closure)}/delete",
        "/admin/rooms",
        "/admin/rooms/new",
        f"/admin/rooms/{_first_id(app, Room)}",
        "/admin/services",
        "/admin/services/new",
        f"/admin/services/{_first_id(app, Service)}",
    ]


# --- Who may see the pages ---------------------------------------------------------------


def test_admin_sees_every_setup_page(admin: FlaskClient, app: Flask) -> None:
    for url in _setup_urls(app):
        page = admin.get(url)
        assert page.status_code == 200, url
        html = page.get_data(as_text=True)
        assert 'aria-label="Clinic setup"' in html, url
        assert "style=" not in html, url
        assert "<script" not in html, url


@pytest.mark.parametrize("role", ["front_desk", "clinician"])
def test_other_roles_are_refused_every_setup_page(
    client: FlaskClient, staff: dict[str, str], setup_clinic: None, app: Flask, role: str
) -> None:
    sign_in(client, staff[role])
    for url in _setup_urls(app):
        assert client.get(url).status_code == 403, url
    for url in ["/admin/settings", "/admin/hours", "/admin/closures", "/admin/rooms/new"]:
        assert client.post(url, data={}).status_code == 403, url
    closure = _first_id(app, Closure)
    assert client.post(f"/admin/closures/{closure}/delete").status_code == 403
    with app.app_context():
        assert db.session.get(Closure, closure) is not None


def test_every_setup_endpoint_is_covered_by_the_role_test(app: Flask) -> None:
    """A new setup page must be added to _setup_urls (and so to the 403 test)."""
    rules = {r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith("practice.")}
    gets = {
        "/admin/settings",
        "/admin/hours",
        "/admin/closures",
        "/admin/providers",
        "/admin/providers/new",
        "/admin/providers/<int:provider_id>",
        "/admin/providers/<int:provider_id>/hours",
        "/admin/providers/<int:provider_id>/time-off",
        "/admin/closures/<int:closure_id>/delete",  # GET asks to confirm, POST removes
        "/admin/rooms",
        "/admin/rooms/new",
        "/admin/rooms/<int:room_id>",
        "/admin/services",
        "/admin/services/new",
        "/admin/services/<int:service_id>",
    }
    posts_only = {
        "/admin/providers/<int:provider_id>/time-off/<int:time_off_id>/delete",
    }
    assert rules == gets | posts_only


# --- Settings ------------------------------------------------------------------------------


def _settings_form(app: Flask, **changes: object) -> dict[str, str]:
    with app.app_context():
        clinic = db.session.scalar(select(Clinic))
        data = {}
        for name in ClinicSettings.__dataclass_fields__:
            value = getattr(clinic, name)
            data[name] = value.strftime("%H:%M") if isinstance(value, time) else str(value)
    data.update({key: str(value) for key, value in changes.items()})
    return data


def test_admin_saves_settings_and_the_audit_names_the_changed_fields(
    admin: FlaskClient, app: Flask
) -> None:
    form = _settings_form(app, phone="(415) 555-0199", sessions_per_year_max=4, nudge_at="11:30")
    response = admin.post("/admin/settings", data=form)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/settings"
    with app.app_context():
        clinic = db.session.scalar(select(Clinic))
        assert clinic.phone == "+14155550199"
        assert clinic.sessions_per_year_max == 4
        assert clinic.nudge_at == time(11, 30)
    entries = _audit(app, "clinic")
    assert len(entries) == 1
    assert set(entries[0].changes) == {"phone", "sessions_per_year_max", "nudge_at"}
    assert entries[0].changes["sessions_per_year_max"] == [5, 4]
    assert "Settings saved." in admin.get("/admin/settings").get_data(as_text=True)


def test_saving_unchanged_settings_writes_no_audit_entry(admin: FlaskClient, app: Flask) -> None:
    assert admin.post("/admin/settings", data=_settings_form(app)).status_code == 302
    assert _audit(app, "clinic") == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"sessions_per_year_max": 9}, "sessions_per_year_max", "Use a number from 1 to 5"),
        (
            {"sessions_per_year_default": 4, "sessions_per_year_max": 3},
            "sessions_per_year_default",
            "cannot be more than the most allowed",
        ),
        (
            {"results_window_start_weeks": 9, "results_window_end_weeks": 8},
            "results_window_end_weeks",
            "must end later than it starts",
        ),
        ({"timezone": "America/Springfield"}, "timezone", "Choose a time zone"),
        ({"phone": "555"}, "phone", "not a valid phone number"),
        ({"minimum_age": 16}, "minimum_age", "Nobody under 18"),
        ({"aftercare_at": "23:00"}, "aftercare_at", "quiet hours"),
        ({"slot_grid_minutes": 25}, "slot_grid_minutes", "Not a valid choice"),
        ({"lead_time_minutes": "soon"}, "lead_time_minutes", "whole number"),
    ],
)
def test_a_bad_setting_shows_a_field_error_and_saves_nothing(
    admin: FlaskClient, app: Flask, changes: dict[str, object], field: str, message: str
) -> None:
    form = _settings_form(app, name="Renamed Studio", **changes)
    response = admin.post("/admin/settings", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert message in html
    assert 'value="Renamed Studio"' in html  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(select(Clinic.name)) == "Lumen Skin Studio"
    assert _audit(app, "clinic") == []


# --- Opening hours and closures ---------------------------------------------------------


def _week_form(days: dict[int, list[tuple[str, str]]], prefix: str = "periods") -> dict[str, str]:
    data: dict[str, str] = {}
    for day in range(7):
        rows = days.get(day, [])
        for index in range(max(3, len(rows))):
            start, end = rows[index] if index < len(rows) else ("", "")
            data[f"days-{day}-{prefix}-{index}-starts_at"] = start
            data[f"days-{day}-{prefix}-{index}-ends_at"] = end
    return data


def test_admin_saves_opening_hours_with_several_periods_and_closed_days(
    admin: FlaskClient, app: Flask
) -> None:
    form = _week_form({0: [("13:00", "19:00"), ("09:00", "12:00")], 5: [("10:00", "14:00")]})
    assert admin.post("/admin/hours", data=form).status_code == 302
    with app.app_context():
        rows = db.session.scalars(
            select(OpeningHours).order_by(OpeningHours.weekday, OpeningHours.opens_at)
        ).all()
        assert [(h.weekday, h.opens_at, h.closes_at) for h in rows] == [
            (0, time(9), time(12)),
            (0, time(13), time(19)),
            (5, time(10), time(14)),
        ]
    [entry] = _audit(app, "clinic")
    assert entry.changes["Monday"] == ["09:00–19:00", "09:00–12:00, 13:00–19:00"]
    page = admin.get("/admin/hours").get_data(as_text=True)
    assert 'value="13:00"' in page


def test_overlapping_opening_hours_are_refused_beside_the_row(
    admin: FlaskClient, app: Flask
) -> None:
    form = _week_form({2: [("09:00", "12:00"), ("", ""), ("11:00", "15:00")]})
    response = admin.post("/admin/hours", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="days-2-periods-2-starts_at-error"' in html
    assert "11:00–15:00 overlaps 09:00–12:00." in html
    with app.app_context():
        assert db.session.scalar(select(func.count(OpeningHours.id))) == 6
    assert _audit(app, "clinic") == []


def test_a_half_filled_period_is_a_field_error(admin: FlaskClient) -> None:
    response = admin.post("/admin/hours", data=_week_form({1: [("09:00", "")]}))
    assert response.status_code == 422
    assert "Enter both times, or neither." in response.get_data(as_text=True)


def test_admin_adds_and_removes_a_closure(admin: FlaskClient, app: Flask) -> None:
    day = date.today() + timedelta(days=40)
    response = admin.post("/admin/closures", data={"on": day.isoformat(), "name": "Staff day"})
    assert response.status_code == 302
    page = admin.get("/admin/closures").get_data(as_text=True)
    assert "Staff day" in page
    with app.app_context():
        closure_id = db.session.scalar(select(Closure.id).where(Closure.on == day))
    assert closure_id is not None
    assert admin.post(f"/admin/closures/{closure_id}/delete").status_code == 302
    with app.app_context():
        assert db.session.get(Closure, closure_id) is None
    assert [e.action for e in _audit(app, "closure")] == ["create", "delete"]


def test_removing_a_closure_asks_first(admin: FlaskClient, app: Flask) -> None:
    day = date.today() + timedelta(days=40)
    assert admin.post("/admin/closures", data={"on": day.isoformat(), "name": "Staff day"})
    with app.app_context():
        closure_id = db.session.scalar(select(Closure.id).where(Closure.on == day))
    url = f"/admin/closures/{closure_id}/delete"
    listing = admin.get("/admin/closures").get_data(as_text=True)
    assert f'<a class="button button--small button--quiet" href="{url}">Remove' in listing
    assert f'action="{url}"' not in listing  # one click on the list removes nothing

    page = admin.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"Remove the closure on {day:%A %-d %B %Y}?" in html
    assert "Staff day" in html and "No visits are booked that day." in html
    assert f'<form method="post" action="{url}"' in html
    assert 'href="/admin/closures">Keep it</a>' in html
    with app.app_context():
        assert db.session.get(Closure, closure_id) is not None  # asking changes nothing

    done = admin.post(url)
    assert done.status_code == 302 and done.headers["Location"] == "/admin/closures"
    assert f"opens as usual on {day:%A %-d %B %Y}" in admin.get("/admin/closures").get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.get(Closure, closure_id) is None
    assert admin.get(url).status_code == 404


def test_a_closure_in_the_past_or_twice_is_refused(admin: FlaskClient, app: Flask) -> None:
    past = date.today() - timedelta(days=3)
    response = admin.post("/admin/closures", data={"on": past.isoformat(), "name": "Oops"})
    assert response.status_code == 422
    assert "That day has passed" in response.get_data(as_text=True)
    with app.app_context():
        taken = db.session.scalar(
            select(Closure.on).where(Closure.on >= date.today()).order_by(Closure.on)
        )
    response = admin.post("/admin/closures", data={"on": taken.isoformat(), "name": "Again"})
    assert response.status_code == 422
    assert "already closed that day" in response.get_data(as_text=True)
    assert _audit(app, "closure") == []


# --- Providers ------------------------------------------------------------------------------


def test_admin_adds_and_edits_a_provider(admin: FlaskClient, app: Flask) -> None:
    response = admin.post(
        "/admin/providers/new",
        data={"name": "Dr. Lee Park", "credential": "MD", "is_active": "y"},
    )
    assert response.status_code == 302
    with app.app_context():
        provider = db.session.scalar(select(Provider).where(Provider.name == "Dr. Lee Park"))
        assert provider is not None and provider.is_active
        provider_id = provider.id
    assert response.headers["Location"] == f"/admin/providers/{provider_id}/hours"
    response = admin.post(
        f"/admin/providers/{provider_id}", data={"name": "Dr. Lee Park", "credential": "MD, PhD"}
    )
    assert response.status_code == 302
    with app.app_context():
        provider = db.session.get(Provider, provider_id)
        assert provider.credential == "MD, PhD"
        assert provider.is_active is False
    entries = _audit(app, "provider")
    assert [e.action for e in entries] == ["create", "update"]
    assert set(entries[1].changes) == {"credential", "is_active"}
    assert admin.get("/admin/providers").status_code == 200


def test_a_provider_without_a_name_is_refused(admin: FlaskClient, app: Flask) -> None:
    response = admin.post("/admin/providers/new", data={"name": "", "credential": "RN"})
    assert response.status_code == 422
    assert 'id="name-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Provider.id))) == 3


def _hours_form(work: dict[int, list[tuple[str, str]]], breaks: dict[int, list[tuple[str, str]]]):
    return {**_week_form(work, "work"), **_week_form(breaks, "breaks")}


def test_admin_sets_working_hours_with_breaks(admin: FlaskClient, app: Flask) -> None:
    provider_id = _first_id(app, Provider)
    form = _hours_form(
        {0: [("09:00", "13:00"), ("14:00", "18:00")], 2: [("10:00", "16:00")]},
        {0: [("11:00", "11:15")], 2: [("12:00", "12:30")]},
    )
    assert admin.post(f"/admin/providers/{provider_id}/hours", data=form).status_code == 302
    with app.app_context():
        provider = db.session.get(Provider, provider_id)
        assert [(h.weekday, h.starts_at, h.ends_at) for h in provider.working_hours] == [
            (0, time(9), time(13)),
            (0, time(14), time(18)),
            (2, time(10), time(16)),
        ]
        assert [(b.weekday, b.starts_at) for b in provider.breaks] == [
            (0, time(11)),
            (2, time(12)),
        ]
    [entry] = _audit(app, "provider")
    assert "Monday" in entry.changes


def test_a_break_outside_working_hours_is_refused(admin: FlaskClient, app: Flask) -> None:
    provider_id = _first_id(app, Provider)
    with app.app_context():
        before_hours = db.session.scalar(select(func.count(WorkingHours.id)))
        before_breaks = db.session.scalar(select(func.count(ProviderBreak.id)))
    form = _hours_form({0: [("09:00", "13:00")]}, {0: [("12:30", "13:30")]})
    response = admin.post(f"/admin/providers/{provider_id}/hours", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="days-0-breaks-0-starts_at-error"' in html
    assert "not inside the working hours (09:00–13:00)" in html
    assert 'value="12:30"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count(WorkingHours.id))) == before_hours
        assert db.session.scalar(select(func.count(ProviderBreak.id))) == before_breaks
    assert _audit(app, "provider") == []


def _spring_forward(year: int) -> date:
    """The second Sunday of March: clocks go from 02:00 to 03:00 in Los Angeles."""
    return date(year, 3, 1) + relativedelta(weekday=SU(+2))


def test_time_off_in_local_time_is_stored_as_utc_across_a_dst_change(
    admin: FlaskClient, app: Flask
) -> None:
    provider_id = _first_id(app, Provider)
    change = _spring_forward(date.today().year + 1)
    form = {
        "starts_on": (change - timedelta(days=1)).isoformat(),
        "starts_at": "09:00",
        "ends_on": (change + timedelta(days=1)).isoformat(),
        "ends_at": "09:00",
        "reason": "Conference",
    }
    response = admin.post(f"/admin/providers/{provider_id}/time-off", data=form)
    assert response.status_code == 302
    with app.app_context():
        absence = db.session.scalar(select(TimeOff).where(TimeOff.reason == "Conference"))
        # 09:00 PST is 17:00 UTC; after the change 09:00 PDT is 16:00 UTC.
        assert absence.starts_at == datetime.combine(change - timedelta(days=1), time(17), UTC)
        assert absence.ends_at == datetime.combine(change + timedelta(days=1), time(16), UTC)
    page = admin.get(f"/admin/providers/{provider_id}/time-off").get_data(as_text=True)
    assert "09:00" in page and "Conference" in page
    [entry] = _audit(app, "time_off")
    assert entry.action == "create"


def test_whole_days_off_run_from_the_first_midnight_to_the_one_after_the_last_day(
    admin: FlaskClient, app: Flask
) -> None:
    """Ticked "whole days", no times are asked: across the spring change the days stay whole
    (a 23-hour day included), and the list reads them as days."""
    provider_id = _first_id(app, Provider)
    change = _spring_forward(date.today().year + 1)
    form = {
        "whole_days": "y",
        "starts_on": (change - timedelta(days=1)).isoformat(),
        "ends_on": change.isoformat(),
        "reason": "Family",
    }
    response = admin.post(f"/admin/providers/{provider_id}/time-off", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        absence = db.session.scalar(select(TimeOff).where(TimeOff.reason == "Family"))
        # Midnight PST is 08:00 UTC; midnight after the change (PDT) is 07:00 UTC.
        assert absence.starts_at == datetime.combine(change - timedelta(days=1), time(8), UTC)
        assert absence.ends_at == datetime.combine(change + timedelta(days=1), time(7), UTC)
    page = admin.get(f"/admin/providers/{provider_id}/time-off").get_data(as_text=True)
    assert "(all day)" in page

    without_times = admin.post(
        f"/admin/providers/{provider_id}/time-off", data={**form, "whole_days": ""}
    )
    assert without_times.status_code == 422
    assert 'id="starts_at-error"' in without_times.get_data(as_text=True)


def test_time_off_at_a_time_skipped_by_dst_is_a_field_error(admin: FlaskClient, app: Flask) -> None:
    provider_id = _first_id(app, Provider)
    change = _spring_forward(date.today().year + 1)
    form = {
        "starts_on": change.isoformat(),
        "starts_at": "02:30",
        "ends_on": change.isoformat(),
        "ends_at": "12:00",
    }
    response = admin.post(f"/admin/providers/{provider_id}/time-off", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="starts_at-error"' in html
    assert "does not exist" in html
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(TimeOff.id)).where(TimeOff.provider_id == provider_id)
            )
            == 0
        )


def test_time_off_that_ends_before_it_starts_is_refused(admin: FlaskClient, app: Flask) -> None:
    provider_id = _first_id(app, Provider)
    day = (date.today() + timedelta(days=10)).isoformat()
    form = {"starts_on": day, "starts_at": "12:00", "ends_on": day, "ends_at": "09:00"}
    response = admin.post(f"/admin/providers/{provider_id}/time-off", data=form)
    assert response.status_code == 422
    assert 'id="ends_at-error"' in response.get_data(as_text=True)


def _add_time_off(admin: FlaskClient, provider_id: int, start: date, end: date, reason: str) -> str:
    """Add time off from 00:00 on `start` to 00:00 on `end`; the page's row for it."""
    form = {
        "starts_on": start.isoformat(),
        "starts_at": "00:00",
        "ends_on": end.isoformat(),
        "ends_at": "00:00",
        "reason": reason,
    }
    response = admin.post(f"/admin/providers/{provider_id}/time-off", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    page = admin.get(f"/admin/providers/{provider_id}/time-off").get_data(as_text=True)
    [row] = [row.split("</tr>")[0] for row in page.split("<tr>") if reason in row]
    return row


def _long(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


def test_whole_day_time_off_reads_as_days(admin: FlaskClient, app: Flask) -> None:
    provider_id = _first_id(app, Provider)
    monday = date(date.today().year + 1, 6, 1) + relativedelta(weekday=MO)

    one = _add_time_off(admin, provider_id, monday, monday + timedelta(days=1), "Sick day")
    assert f"all day, {_long(monday)} {monday.year}" in one
    assert "00:00" not in one

    wednesday = monday + timedelta(days=9)
    three = _add_time_off(
        admin, provider_id, wednesday - timedelta(days=2), wednesday + timedelta(days=1), "Course"
    )
    assert (
        f"{_long(monday + timedelta(days=7))} – {_long(wednesday)} {wednesday.year} (all day)"
        in three
    )
    assert "00:00" not in three


def test_whole_day_time_off_on_a_dst_day_reads_as_that_day(admin: FlaskClient, app: Flask) -> None:
    provider_id = _first_id(app, Provider)
    change = _spring_forward(date.today().year + 1)  # 23 hours long in Los Angeles
    row = _add_time_off(admin, provider_id, change, change + timedelta(days=1), "Clocks day")
    assert f"all day, Sunday {change.day} March {change.year}" in row


def test_part_day_time_off_keeps_its_times(admin: FlaskClient, app: Flask) -> None:
    provider_id = _first_id(app, Provider)
    day = date(date.today().year + 1, 6, 1) + relativedelta(weekday=MO)
    form = {
        "starts_on": day.isoformat(),
        "starts_at": "09:00",
        "ends_on": day.isoformat(),
        "ends_at": "13:00",
        "reason": "Dentist",
    }
    assert admin.post(f"/admin/providers/{provider_id}/time-off", data=form).status_code == 302
    page = admin.get(f"/admin/providers/{provider_id}/time-off").get_data(as_text=True)
    assert f"{day:%a} {day.day} {day:%b %Y}, 09:00 – 13:00" in page
    assert "all day" not in page


def test_admin_removes_time_off(admin: FlaskClient, app: Flask) -> None:
    with app.app_context():
        absence = db.session.scalar(select(TimeOff))
        provider_id, time_off_id = absence.provider_id, absence.id
    url = f"/admin/providers/{provider_id}/time-off/{time_off_id}/delete"
    assert admin.post(url).status_code == 302
    with app.app_context():
        assert db.session.get(TimeOff, time_off_id) is None
    assert [e.action for e in _audit(app, "time_off")] == ["delete"]


# --- Rooms and services ----------------------------------------------------------------------


def test_admin_adds_and_edits_a_room(admin: FlaskClient, app: Flask) -> None:
    response = admin.post(
        "/admin/rooms/new", data={"name": "Fern room", "device": "SkinPen", "is_active": "y"}
    )
    assert response.status_code == 302
    with app.app_context():
        room_id = db.session.scalar(select(Room.id).where(Room.name == "Fern room"))
    response = admin.post(
        f"/admin/rooms/{room_id}", data={"name": "Fern room", "device": "Dermapen 4"}
    )
    assert response.status_code == 302
    with app.app_context():
        room = db.session.get(Room, room_id)
        assert (room.device, room.is_active) == ("Dermapen 4", False)
    assert [e.action for e in _audit(app, "room")] == ["create", "update"]


def test_a_room_name_already_used_is_refused(admin: FlaskClient, app: Flask) -> None:
    response = admin.post("/admin/rooms/new", data={"name": "rose ROOM", "device": "SkinPen"})
    assert response.status_code == 422
    assert "Another room has this name." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Room.id))) == 3


def _service_form(**changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        "name": "Microneedling — scalp",
        "kind": "microneedling",
        "numbing_minutes": "30",
        "provider_free_while_numbing": "y",
        "procedure_minutes": "40",
        "buffer_minutes": "10",
        "price": "$399.50",
        "indications": ["acne_scars", "incisional_scars"],
        "description": "Scalp and hairline.",
        "is_active": "y",
    }
    form.update(changes)
    return form


def test_admin_adds_and_edits_a_service(admin: FlaskClient, app: Flask) -> None:
    assert admin.post("/admin/services/new", data=_service_form()).status_code == 302
    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.name.like("%scalp")))
        assert service.price_cents == 39950
        assert service.indications == ["acne_scars", "incisional_scars"]
        assert service.provider_free_while_numbing is True
        service_id = service.id
    page = admin.get(f"/admin/services/{service_id}").get_data(as_text=True)
    assert 'value="399.50"' in page
    response = admin.post(
        f"/admin/services/{service_id}",
        data=_service_form(price="420", indications=["stretch_marks"]),
    )
    assert response.status_code == 302
    with app.app_context():
        service = db.session.get(Service, service_id)
        assert service.price_cents == 42000
        assert service.indications == ["stretch_marks"]
    entries = _audit(app, "service")
    assert [e.action for e in entries] == ["create", "update"]
    assert set(entries[1].changes) == {"price_cents", "indications"}
    assert "$420.00" in admin.get("/admin/services").get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"price": "twelve"}, "price"),
        ({"procedure_minutes": "0"}, "procedure_minutes"),
        ({"numbing_minutes": "0"}, "provider_free_while_numbing"),
        ({"name": "Results check-in"}, "name"),
    ],
)
def test_a_bad_service_is_refused(
    admin: FlaskClient, app: Flask, changes: dict[str, object], field: str
) -> None:
    response = admin.post("/admin/services/new", data=_service_form(**changes))
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Service.id))) == 4
    assert _audit(app, "service") == []


def test_time_off_overlapping_another_names_the_other_in_words(
    admin: FlaskClient, app: Flask
) -> None:
    provider_id = _first_id(app, Provider)
    day = date.today() + timedelta(days=10)
    first = {"starts_on": day.isoformat(), "starts_at": "09:00", "ends_on": day.isoformat()}
    path = f"/admin/providers/{provider_id}/time-off"
    assert admin.post(path, data={**first, "ends_at": "13:00"}).status_code == 302
    clash = admin.post(path, data={**first, "starts_at": "12:00", "ends_at": "15:00"})
    assert clash.status_code == 422
    assert (
        f"This overlaps time off from {day:%a %-d %b %Y}, 09:00 to {day:%a %-d %b %Y}, 13:00."
        in clash.get_data(as_text=True)
    )


def test_time_off_without_times_says_so_once_per_field(admin: FlaskClient, app: Flask) -> None:
    provider_id = _first_id(app, Provider)
    day = (date.today() + timedelta(days=30)).isoformat()
    for times in ({"starts_at": "", "ends_at": ""}, {"starts_at": "9am", "ends_at": "25:00"}):
        form = {"starts_on": day, "ends_on": day, **times}
        response = admin.post(f"/admin/providers/{provider_id}/time-off", data=form)
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert page.count("Enter a time as HH:MM, for example 09:30.") == 2, times  # one each


def test_settings_show_every_problem_in_one_round(admin: FlaskClient, app: Flask) -> None:
    """An empty name (the form's own check) and an out-of-range horizon with a results
    window that ends before it starts (the rules' checks) are all shown at once."""
    form = _settings_form(
        app,
        name="",
        booking_horizon_months=30,
        results_window_start_weeks=9,
        results_window_end_weeks=8,
    )
    response = admin.post("/admin/settings", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter the clinic&#39;s name." in page
    assert "Use a number from" in page
    assert "The results window must end later than it starts." in page
