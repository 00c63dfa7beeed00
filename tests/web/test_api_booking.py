"""The booking rows of the API: screenings, availability, appointments and their life cycle.

The API reads the real clock, so the clinic's days come from today (tests.web.booking_world).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic.extensions import db
from clinic.scheduling.screening import Contraindication
from tests.web.booking_world import LA, NO, World, at, build_world, local_today, weekday

API = "/api/v1"
Headers = dict[str, str]


def token_for(app: Flask, email: str) -> Headers:
    """A bearer token straight from the service (the sign-in limit stays out of the way)."""
    from clinic.accounts.models import User
    from clinic.accounts.service import issue_token

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None
        issued = issue_token(user, now=datetime.now(UTC), lifetime=timedelta(hours=1))
        db.session.commit()
        return {"Authorization": f"Bearer {issued.token}"}


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


@pytest.fixture
def desk(app: Flask, staff: dict[str, str]) -> Headers:
    return token_for(app, staff["front_desk"])


@pytest.fixture
def clinician(app: Flask, staff: dict[str, str]) -> Headers:
    return token_for(app, staff["clinician"])


def error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = dict(response.json)
    assert isinstance(body["error"], str) and body["error"]
    return body


def book(client: FlaskClient, auth: Headers, **fields: Any) -> Any:
    return client.post(f"{API}/appointments", json=fields, headers=auth)


def booked(client: FlaskClient, auth: Headers, **fields: Any) -> dict[str, Any]:
    response = book(client, auth, **fields)
    assert response.status_code == 201, response.get_data(as_text=True)
    return dict(response.json)


def slots(client: FlaskClient, auth: Headers, **query: Any) -> list[dict[str, Any]]:
    response = client.get(f"{API}/availability", query_string=query, headers=auth)
    assert response.status_code == 200, response.get_data(as_text=True)
    return list(response.json["slots"])


def next_local_day(matches: Any) -> date:
    day = local_today() + timedelta(days=1)
    for _ in range(400):
        if matches(day):
            return day
        day += timedelta(days=1)
    raise AssertionError("no such day within 400 days")


def is_spring_forward(day: date) -> bool:
    wall = datetime.combine(day, time(2, 30), tzinfo=LA)
    return wall.astimezone(UTC).astimezone(LA).replace(tzinfo=None) != wall.replace(tzinfo=None)


def is_fall_back(day: date) -> bool:
    wall = datetime.combine(day, time(1, 30), tzinfo=LA)
    return wall.utcoffset() != wall.replace(fold=1).utcoffset()


# Screenings --------------------------------------------------------------------------------


def test_screening_records_the_verdict(client: FlaskClient, desk: Headers, world: World) -> None:
    path = f"{API}/patients/{world.unscreened}/screenings"
    response = client.post(path, json={"answers": NO}, headers=desk)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.json
    assert set(body) >= {"id", "eligible", "contraindications", "valid_until"}
    assert body["eligible"] is True and body["contraindications"] == []
    valid_until = date.fromisoformat(body["valid_until"])
    assert 360 <= (valid_until - local_today()).days <= 366  # 12 months by default

    answers = {**NO, "pregnant": True, "recent_sunburn": True, "not_a_code": True}
    body = client.post(path, json={"answers": answers}, headers=desk).json
    assert body["eligible"] is False
    assert sorted(body["contraindications"]) == ["pregnant", "recent_sunburn"]


def test_screening_names_each_missing_or_non_boolean_answer(
    client: FlaskClient, desk: Headers, world: World
) -> None:
    path = f"{API}/patients/{world.maya}/screenings"
    answers = {code: False for code in NO if code not in ("pregnant", "skin_flare")}
    answers["oral_herpes"] = "no"  # type: ignore[assignment]
    body = error(client.post(path, json={"answers": answers}, headers=desk), 422)
    assert set(body["fields"]) == {"answers.pregnant", "answers.skin_flare", "answers.oral_herpes"}
    body = error(client.post(path, json={}, headers=desk), 422)
    assert set(body["fields"]) == {"answers"}
    body = error(client.post(path, json={"answers": [True]}, headers=desk), 422)
    assert set(body["fields"]) == {"answers"}
    error(client.post(path, data="answers", headers=desk), 400)
    error(client.post(f"{API}/patients/999999/screenings", json={"answers": NO}, headers=desk), 404)
    error(client.post(path, json={"answers": NO}), 401)


# Availability ------------------------------------------------------------------------------


def test_availability_offers_slots_earliest_first_in_the_clinic_offset(
    client: FlaskClient, desk: Headers, world: World
) -> None:
    day = weekday(0)
    found = slots(client, desk, service_id=world.face, **{"from": day, "to": day})
    assert found, "a working day has free slots"
    assert set(found[0]) == {"start", "end", "provider_id", "room_id"}
    starts = [datetime.fromisoformat(s["start"]) for s in found]
    assert starts == sorted(starts)
    assert starts[0] == datetime.combine(day, time(9), tzinfo=LA)
    for slot in found:
        start, end = datetime.fromisoformat(slot["start"]), datetime.fromisoformat(slot["end"])
        assert start.utcoffset() == datetime.combine(day, time(12), tzinfo=LA).utcoffset()
        assert end - start == timedelta(minutes=75)
        assert slot["provider_id"] in (world.ana, world.sam)
        assert slot["room_id"] in (world.rose, world.sage)
    # One slot per start and provider.
    assert len({(s["start"], s["provider_id"]) for s in found}) == len(found)
    only_sam = slots(
        client, desk, service_id=world.face, provider_id=world.sam, **{"from": day, "to": day}
    )
    assert only_sam and {s["provider_id"] for s in only_sam} == {world.sam}


def test_availability_range_and_parameters_are_checked(
    client: FlaskClient, desk: Headers, world: World
) -> None:
    def ask(**query: Any) -> Any:
        return client.get(f"{API}/availability", query_string=query, headers=desk)

    day = weekday(0)
    ok = {"service_id": world.face, "from": day.isoformat(), "to": day.isoformat()}
    assert ask(**ok).status_code == 200
    for name in ("service_id", "from", "to"):
        body = error(ask(**{k: v for k, v in ok.items() if k != name}), 400)
        assert name in body["fields"]
    for bad_date in ("2027-02-30", "16/03/2027", "20270316", "tomorrow", ""):
        error(ask(**{**ok, "from": bad_date}), 400)
    error(ask(**{**ok, "service_id": "face"}), 400)
    error(ask(**{**ok, "provider_id": "1.5"}), 400)
    body = error(ask(**{**ok, "from": (day + timedelta(days=1)).isoformat()}), 400)
    assert "to" in body["fields"]
    assert ask(**{**ok, "to": (day + timedelta(days=62)).isoformat()}).status_code == 200
    body = error(ask(**{**ok, "to": (day + timedelta(days=63)).isoformat()}), 400)
    assert "to" in body["fields"]
    # Unknown ids in the query are 422s naming each.
    body = error(ask(**{**ok, "service_id": 999, "provider_id": 999, "patient_id": 0}), 422)
    assert set(body["fields"]) == {"service_id", "provider_id", "patient_id"}
    # Far-off dates are answered, not overflowed.
    far = {"service_id": world.face, "from": "9999-11-01", "to": "9999-12-30"}
    assert ask(**far).json == {"slots": []}
    assert ask(**{**far, "from": "0001-01-02", "to": "0001-01-30"}).json == {"slots": []}
    error(ask(**{**far, "to": "9999-12-31"}), 400)
    error(client.get(f"{API}/availability", query_string=ok), 401)


def test_availability_for_a_patient_leaves_out_her_visits_and_days_she_cannot_book(
    client: FlaskClient, desk: Headers, world: World
) -> None:
    day = weekday(0)
    window = {"from": day.isoformat(), "to": day.isoformat()}
    visit = booked(
        client, desk, patient_id=world.maya, service_id=world.check_in, start=at(day, 10)
    )
    for_maya = slots(client, desk, service_id=world.face, patient_id=world.maya, **window)
    everyone = slots(client, desk, service_id=world.face, **window)
    assert len(for_maya) < len(everyone)
    busy_from = datetime.fromisoformat(visit["start"])
    busy_until = datetime.fromisoformat(visit["end"])
    for slot in for_maya:
        start, end = datetime.fromisoformat(slot["start"]), datetime.fromisoformat(slot["end"])
        assert end <= busy_from or start >= busy_until
    # Days her screening or age would refuse are left out (microneedling only).
    for patient in (world.unscreened, world.pregnant, world.sunburnt, world.teen, world.young):
        assert slots(client, desk, service_id=world.face, patient_id=patient, **window) == []
        assert slots(client, desk, service_id=world.check_in, patient_id=patient, **window)


def test_any_slot_offered_for_a_patient_can_be_booked(
    client: FlaskClient, desk: Headers, world: World
) -> None:
    window = {"from": weekday(0).isoformat(), "to": weekday(4).isoformat()}
    offered = slots(client, desk, service_id=world.face, patient_id=world.noor, **window)
    picks = {
        0,
        len(offered) // 2,
        len(offered) - 1,
        *random.Random(3).sample(range(len(offered)), 5),
    }
    for index in sorted(picks):
        # Ask again each time: earlier picks (cancelled since) must not leave traces.
        slot = slots(client, desk, service_id=world.face, patient_id=world.noor, **window)[index]
        visit = booked(
            client,
            desk,
            patient_id=world.noor,
            service_id=world.face,
            start=slot["start"],
            provider_id=slot["provider_id"],
        )
        assert (visit["start"], visit["provider_id"]) == (slot["start"], slot["provider_id"])
        cancel = client.post(
            f"{API}/appointments/{visit['id']}/cancel", json={"reason": "test"}, headers=desk
        )
        assert cancel.status_code == 200


# Booking -----------------------------------------------------------------------------------


APPOINTMENT_FIELDS = {
    "id",
    "patient_id",
    "service_id",
    "provider_id",
    "room_id",
    "status",
    "start",
    "end",
    "provider_busy_from",
    "room_busy_until",
    "created_at",
    "checked_in_at",
    "completed_at",
    "cancelled_at",
    "cancel_reason",
    "is_late_cancellation",
    "clearance_reason",
    "planned_session_id",
}


def test_book_then_get_an_appointment(client: FlaskClient, desk: Headers, world: World) -> None:
    day = weekday(1)
    response = book(
        client,
        desk,
        patient_id=world.maya,
        service_id=world.face,
        start=at(day, 10),
        provider_id=world.sam,
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.json
    assert set(body) == APPOINTMENT_FIELDS
    assert body["status"] == "booked" and body["provider_id"] == world.sam
    assert body["start"] == at(day, 10)
    assert body["end"] == at(day, 11, 15)
    assert body["provider_busy_from"] == at(day, 10, 45)  # free while the cream sets
    assert body["room_busy_until"] == at(day, 11, 30)
    assert body["planned_session_id"] is None and body["clearance_reason"] is None
    assert body["is_late_cancellation"] is False
    assert response.headers["Location"].endswith(f"/api/v1/appointments/{body['id']}")
    assert client.get(f"{API}/appointments/{body['id']}", headers=desk).json == body


def test_start_may_have_any_offset_or_none(
    client: FlaskClient, desk: Headers, world: World
) -> None:
    day = weekday(1)
    local_ten = datetime.combine(day, time(10), tzinfo=LA)
    as_utc = local_ten.astimezone(UTC).isoformat().replace("+00:00", "Z")
    first = booked(client, desk, patient_id=world.maya, service_id=world.face, start=as_utc)
    assert first["start"] == at(day, 10)
    naive = f"{day.isoformat()}T14:00"
    second = booked(client, desk, patient_id=world.noor, service_id=world.face, start=naive)
    assert second["start"] == at(day, 14)
    assert first["provider_id"] == world.ana  # without provider_id: the first one free


def test_booking_needs_a_token_and_json(client: FlaskClient, desk: Headers, world: World) -> None:
    fields = {"patient_id": world.maya, "service_id": world.face, "start": at(weekday(1), 10)}
    error(client.post(f"{API}/appointments", json=fields), 401)
    error(client.post(f"{API}/appointments", data="patient_id=1", headers=desk), 400)
    error(client.post(f"{API}/appointments", json=[fields], headers=desk), 400)


def test_wrong_field_types_are_named(client: FlaskClient, desk: Headers, world: World) -> None:
    body = error(book(client, desk, patient_id="1", service_id=True, start="tomorrow at ten"), 422)
    assert set(body["fields"]) == {"patient_id", "service_id", "start"}
    body = error(book(client, desk), 422)
    assert set(body["fields"]) == {"patient_id", "service_id", "start"}
    body = error(
        book(client, desk, patient_id=999999, service_id=world.face, start=at(weekday(1), 10)),
        422,
    )
    assert set(body["fields"]) == {"patient_id"}
    body = error(
        book(client, desk, patient_id=world.maya, service_id=world.face, start="0001-01-01T10:00"),
        422,
    )
    assert set(body["fields"]) == {"start"}


def test_an_unknown_planned_session_is_refused(
    client: FlaskClient, desk: Headers, world: World
) -> None:
    body = error(
        book(
            client,
            desk,
            patient_id=world.maya,
            service_id=world.face,
            start=at(weekday(1), 10),
            planned_session_id=7,
        ),
        422,
    )
    assert body["fields"] == {
        "planned_session_id": "There is no planned session 7 for this patient."
    }


def test_only_clinicians_and_admins_may_clear(
    client: FlaskClient, desk: Headers, clinician: Headers, world: World
) -> None:
    day = weekday(1)
    fields = {"patient_id": world.sunburnt, "service_id": world.face, "start": at(day, 10)}
    body = error(book(client, desk, **fields), 422)
    assert "patient_id" in body["fields"]
    error(book(client, desk, **fields, clearance_reason="Sunburn healed, seen today."), 403)
    # "ok" tells whoever reads the audit log nothing: refused, and nothing is booked.
    body = error(book(client, clinician, **fields, clearance_reason=" ok "), 422)
    assert "at least 10 characters" in body["fields"]["clearance_reason"]
    visit = booked(client, clinician, **fields, clearance_reason="Sunburn healed, seen today.")
    assert visit["clearance_reason"] == "Sunburn healed, seen today."
    # 18 to 21 needs a sign-off too; an absolute contraindication never clears.
    young = {**fields, "patient_id": world.young, "start": at(day, 11, 30)}
    error(book(client, desk, **young), 422)
    booked(client, clinician, **young, clearance_reason="Discussed with her; fine.")
    pregnant = {**fields, "patient_id": world.pregnant, "start": at(day, 14)}
    body = error(book(client, clinician, **pregnant, clearance_reason="She insists."), 422)
    assert "patient_id" in body["fields"]
    # A reason too short to keep does not hide that no sign-off could clear her.
    body = error(book(client, clinician, **pregnant, clearance_reason="ok"), 422)
    assert "pregnan" in body["error"].lower()
    assert "at least 10 characters" in body["fields"]["clearance_reason"]


def test_a_taken_time_is_a_409_naming_the_visit(
    client: FlaskClient, desk: Headers, world: World
) -> None:
    day = weekday(1)
    first = booked(
        client,
        desk,
        patient_id=world.maya,
        service_id=world.face,
        start=at(day, 10),
        provider_id=world.ana,
    )
    body = error(
        book(
            client,
            desk,
            patient_id=world.noor,
            service_id=world.face,
            start=at(day, 10, 15),
            provider_id=world.ana,
        ),
        409,
    )
    assert body["conflicts"] == [{"kind": "provider", "appointment_id": first["id"]}]
    # The same patient elsewhere at an overlapping time.
    body = error(
        book(
            client,
            desk,
            patient_id=world.maya,
            service_id=world.check_in,
            start=at(day, 11),
            provider_id=world.sam,
        ),
        409,
    )
    assert body["conflicts"] == [{"kind": "patient", "appointment_id": first["id"]}]


def test_a_broken_rule_is_a_422_even_when_the_time_is_taken(
    client: FlaskClient, desk: Headers, world: World
) -> None:
    day = weekday(1)
    booked(
        client,
        desk,
        patient_id=world.maya,
        service_id=world.face,
        start=at(day, 10),
        provider_id=world.ana,
    )
    taken = {"service_id": world.face, "start": at(day, 10), "provider_id": world.ana}
    body = error(book(client, desk, patient_id=world.unscreened, **taken), 422)
    assert "patient_id" in body["fields"]
    assert "conflicts" not in body


@pytest.mark.parametrize(
    "case",
    ["past", "lead_time", "outside_opening", "outside_working", "closure", "unscreened", "teen"],
)
def test_rules_are_422s(
    client: FlaskClient, desk: Headers, world: World, app: Flask, case: str
) -> None:
    from clinic.practice.models import Closure

    day = weekday(2)
    now = datetime.now(UTC)
    fields: dict[str, Any] = {
        "patient_id": world.maya,
        "service_id": world.face,
        "start": at(day, 10),
        "provider_id": world.ana,
    }
    field = "start"
    if case == "past":
        fields["start"] = (now - timedelta(days=2)).isoformat()
    elif case == "lead_time":
        fields["start"] = (now + timedelta(minutes=30)).isoformat()
    elif case == "outside_opening":
        fields["start"] = at(day, 18, 30)  # ends 19:45, after closing
    elif case == "outside_working":
        fields["start"] = at(day, 12, 30)  # her break at 13:00
    elif case == "closure":
        with app.app_context():
            db.session.add(Closure(on=day, name="Staff training"))
            db.session.commit()
    else:
        fields["patient_id"] = getattr(world, case)
        field = "patient_id"
    body = error(book(client, desk, **fields), 422)
    assert field in body["fields"], body


def test_a_local_time_in_the_spring_gap_is_a_422(
    client: FlaskClient, desk: Headers, world: World
) -> None:
    day = next_local_day(is_spring_forward)
    start = f"{day.isoformat()}T02:30"
    body = error(book(client, desk, patient_id=world.maya, service_id=world.face, start=start), 422)
    assert set(body["fields"]) == {"start"}
    assert "does not exist" in body["fields"]["start"]


def test_an_ambiguous_autumn_time_books_its_first_occurrence(
    client: FlaskClient, desk: Headers, world: World, app: Flask
) -> None:
    from clinic.practice.models import Clinic, OpeningHours, WorkingHours

    day = next_local_day(is_fall_back)
    with app.app_context():
        clinic = db.session.scalars(select(Clinic)).one()
        clinic.opening_hours.append(
            OpeningHours(weekday=day.weekday(), opens_at=time(0), closes_at=time(6))
        )
        db.session.add(
            WorkingHours(
                provider_id=world.ana, weekday=day.weekday(), starts_at=time(0), ends_at=time(6)
            )
        )
        db.session.commit()
    fields = {"service_id": world.check_in, "provider_id": world.ana}
    first = booked(client, desk, patient_id=world.maya, start=f"{day.isoformat()}T01:30", **fields)
    assert first["start"] == f"{day.isoformat()}T01:30:00-07:00"
    # The second 01:30 is another instant, given with its offset.
    second = booked(
        client, desk, patient_id=world.noor, start=f"{day.isoformat()}T01:30-08:00", **fields
    )
    assert second["start"] == f"{day.isoformat()}T01:30:00-08:00"


# The day's list ----------------------------------------------------------------------------


def test_appointments_of_a_day_include_cancelled_ones(
    client: FlaskClient, desk: Headers, world: World
) -> None:
    day = weekday(1)
    common = {"service_id": world.face}
    a = booked(
        client, desk, patient_id=world.maya, start=at(day, 10), provider_id=world.ana, **common
    )
    b = booked(
        client, desk, patient_id=world.noor, start=at(day, 9), provider_id=world.sam, **common
    )
    other_day = booked(  # a check-in: a second microneedling visit would break the gap
        client, desk, patient_id=world.maya, start=at(weekday(2), 10), service_id=world.check_in
    )
    client.post(f"{API}/appointments/{a['id']}/cancel", json={"reason": "ill"}, headers=desk)
    listed = client.get(f"{API}/appointments", query_string={"date": day}, headers=desk).json
    assert [v["id"] for v in listed] == [b["id"], a["id"]]
    assert listed[1]["status"] == "cancelled"
    only_ana = client.get(
        f"{API}/appointments", query_string={"date": day, "provider_id": world.ana}, headers=desk
    ).json
    assert [v["id"] for v in only_ana] == [a["id"]]
    assert other_day["id"] not in {v["id"] for v in listed}
    error(client.get(f"{API}/appointments", headers=desk), 400)
    error(client.get(f"{API}/appointments", query_string={"date": "2027-13-01"}, headers=desk), 400)
    body = error(
        client.get(
            f"{API}/appointments", query_string={"date": day, "provider_id": 999}, headers=desk
        ),
        422,
    )
    assert set(body["fields"]) == {"provider_id"}
    assert (
        client.get(f"{API}/appointments", query_string={"date": "9999-12-30"}, headers=desk).json
        == []
    )


def test_unknown_appointments_are_404s(client: FlaskClient, desk: Headers, world: World) -> None:
    for path in ("/appointments/999", "/appointments/99999999999"):
        error(client.get(f"{API}{path}", headers=desk), 404)
    error(
        client.patch(f"{API}/appointments/999", json={"start": at(weekday(1), 10)}, headers=desk),
        404,
    )
    for action in ("cancel", "check-in", "complete", "no-show"):
        error(
            client.post(f"{API}/appointments/999/{action}", json={"reason": "x"}, headers=desk), 404
        )


# Moving and cancelling ---------------------------------------------------------------------


def test_reschedule_moves_the_visit(client: FlaskClient, desk: Headers, world: World) -> None:
    day = weekday(1)
    visit = booked(
        client,
        desk,
        patient_id=world.maya,
        service_id=world.face,
        start=at(day, 10),
        provider_id=world.ana,
    )
    other = booked(
        client,
        desk,
        patient_id=world.noor,
        service_id=world.face,
        start=at(day, 14),
        provider_id=world.sam,
    )
    path = f"{API}/appointments/{visit['id']}"
    moved = client.patch(path, json={"start": at(day, 15)}, headers=desk)
    assert moved.status_code == 200, moved.get_data(as_text=True)
    assert moved.json["start"] == at(day, 15) and moved.json["provider_id"] == world.ana
    moved = client.patch(path, json={"start": at(day, 11), "provider_id": world.sam}, headers=desk)
    assert moved.status_code == 200 and moved.json["provider_id"] == world.sam
    body = error(client.patch(path, json={"start": at(day, 14, 15)}, headers=desk), 409)
    assert body["conflicts"] == [{"kind": "provider", "appointment_id": other["id"]}]
    error(client.patch(path, json={"start": at(day, 7)}, headers=desk), 422)
    body = error(client.patch(path, json={}, headers=desk), 422)
    assert set(body["fields"]) == {"start"}
    error(client.patch(path, data="start", headers=desk), 400)


def test_cancel_needs_a_reason_and_frees_the_time(
    client: FlaskClient, desk: Headers, world: World
) -> None:
    day = weekday(1)
    fields = {"service_id": world.face, "start": at(day, 10), "provider_id": world.ana}
    visit = booked(client, desk, patient_id=world.maya, **fields)
    path = f"{API}/appointments/{visit['id']}/cancel"
    body = error(client.post(path, json={"reason": "  "}, headers=desk), 422)
    assert set(body["fields"]) == {"reason"}
    error(client.post(path, json={"reason": 5}, headers=desk), 422)
    error(client.post(path, headers=desk), 400)
    cancelled = client.post(path, json={"reason": "She has a cold."}, headers=desk)
    assert cancelled.status_code == 200
    body = cancelled.json
    assert body["status"] == "cancelled" and body["cancel_reason"] == "She has a cold."
    assert body["is_late_cancellation"] is False and body["cancelled_at"] is not None
    # Cancelled: the time is free again, and the visit cannot be moved or cancelled again.
    booked(client, desk, patient_id=world.noor, **fields)
    error(client.post(path, json={"reason": "again"}, headers=desk), 422)
    error(
        client.patch(
            f"{API}/appointments/{visit['id']}", json={"start": at(day, 15)}, headers=desk
        ),
        422,
    )


# Status changes ----------------------------------------------------------------------------


def _started_visit(
    app: Flask, world: World, patient_id: int, provider_id: int, room_id: int
) -> int:
    """A visit that began an hour ago (written directly: the API refuses past starts)."""
    from clinic.scheduling.models import Appointment
    from clinic.scheduling.status import AppointmentStatus

    now = datetime.now(UTC).replace(microsecond=0)
    with app.app_context():
        visit = Appointment(
            patient_id=patient_id,
            service_id=world.check_in,
            provider_id=provider_id,
            room_id=room_id,
            status=AppointmentStatus.BOOKED,
            starts_at=now - timedelta(minutes=10),
            ends_at=now + timedelta(minutes=5),
            provider_busy_from=now - timedelta(minutes=10),
            room_busy_until=now + timedelta(minutes=10),
            created_at=now - timedelta(days=3),
        )
        db.session.add(visit)
        db.session.commit()
        return visit.id


def test_check_in_complete_and_no_show(
    client: FlaskClient, desk: Headers, world: World, app: Flask
) -> None:
    visit = _started_visit(app, world, world.maya, world.ana, world.rose)
    path = f"{API}/appointments/{visit}"
    checked_in = client.post(f"{path}/check-in", headers=desk)
    assert checked_in.status_code == 200, checked_in.get_data(as_text=True)
    assert checked_in.json["status"] == "checked_in" and checked_in.json["checked_in_at"]
    body = error(client.post(f"{path}/no-show", headers=desk), 422)
    assert "checked in" in body["error"]
    completed = client.post(f"{path}/complete", headers=desk)
    assert completed.status_code == 200 and completed.json["status"] == "completed"
    error(client.post(f"{path}/check-in", headers=desk), 422)
    error(client.post(f"{path}/cancel", json={"reason": "late"}, headers=desk), 422)

    missed = _started_visit(app, world, world.noor, world.sam, world.sage)
    response = client.post(f"{API}/appointments/{missed}/no-show", headers=desk)
    assert response.status_code == 200 and response.json["status"] == "no_show"
    body = error(client.post(f"{API}/appointments/{missed}/complete", headers=desk), 422)
    assert body["error"].endswith(".")


def test_future_visits_cannot_be_checked_in_completed_or_missed(
    client: FlaskClient, desk: Headers, world: World
) -> None:
    visit = booked(
        client, desk, patient_id=world.maya, service_id=world.face, start=at(weekday(1), 10)
    )
    for action, words in (
        ("check-in", "only on its day"),
        ("complete", "before it starts"),
        ("no-show", "before it starts"),
    ):
        body = error(client.post(f"{API}/appointments/{visit['id']}/{action}", headers=desk), 422)
        assert words in body["error"]


def test_every_staff_role_may_book(
    client: FlaskClient, app: Flask, staff: dict[str, str], world: World
) -> None:
    day = weekday(3)
    for hour, (role, email) in zip((9, 11, 14), sorted(staff.items()), strict=True):
        auth = token_for(app, email)
        visit = booked(
            client, auth, patient_id=world.maya, service_id=world.check_in, start=at(day, hour)
        )
        moved = client.patch(
            f"{API}/appointments/{visit['id']}", json={"start": at(day, hour, 30)}, headers=auth
        )
        assert moved.status_code == 200, (role, moved.get_data(as_text=True))
        cancelled = client.post(
            f"{API}/appointments/{visit['id']}/cancel", json={"reason": role}, headers=auth
        )
        assert cancelled.status_code == 200


def test_the_codes_are_those_of_api_md() -> None:
    assert len(NO) == len(Contraindication) == 15


def test_a_race_lost_at_the_database_is_a_409_naming_the_winner(
    client: FlaskClient,
    desk: Headers,
    world: World,
    is_postgres: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The check passes (it cannot see the winner yet), the exclusion constraint refuses
    the insert or the move: a 409 naming the winner, not a 500 (a bug once: the visit was
    flushed outside the savepoint, so the violation broke the whole transaction)."""
    if not is_postgres:
        pytest.skip("PostgreSQL only: SQLite serialises bookings before the check")
    from clinic.scheduling import booking_guard

    day = weekday(1)
    winner = booked(
        client,
        desk,
        patient_id=world.maya,
        start=at(day, 10),
        service_id=world.face,
        provider_id=world.ana,
    )  # Ana busy 10:45-11:15
    # Noor's visits are check-ins: a second microneedling one would break the 28-day gap.
    common = {"service_id": world.check_in, "provider_id": world.ana}
    other = booked(client, desk, patient_id=world.noor, start=at(day, 15), **common)
    real_busy_visits = booking_guard.busy_visits
    calls = []

    def blind_first_call(*args: Any) -> Any:
        calls.append(args)
        return [] if len(calls) == 1 else real_busy_visits(*args)

    monkeypatch.setattr(booking_guard, "busy_visits", blind_first_call)
    body = error(book(client, desk, patient_id=world.noor, start=at(day, 10, 45), **common), 409)
    assert {"kind": "provider", "appointment_id": winner["id"]} in body["conflicts"]
    calls.clear()
    moved = client.patch(
        f"{API}/appointments/{other['id']}", json={"start": at(day, 10, 45)}, headers=desk
    )
    body = error(moved, 409)
    assert {"kind": "provider", "appointment_id": winner["id"]} in body["conflicts"]
    monkeypatch.undo()
    still = client.get(f"{API}/appointments/{other['id']}", headers=desk).json
    assert still["start"] == at(day, 15)


def test_the_audit_log_reads_in_local_time_and_keeps_reasons_out(
    app: Flask, client: FlaskClient, desk: Headers, world: World, staff: dict[str, str]
) -> None:
    """The admin sees who moved and cancelled a visit, when, in the clinic's time; the
    reason for a cancellation stays on the visit, out of the audit log (STYLE.md #11)."""
    from tests.conftest import sign_in

    day = weekday(1)
    fields = {"service_id": world.face, "provider_id": world.ana}
    visit = booked(client, desk, patient_id=world.maya, start=at(day, 10), **fields)
    path = f"{API}/appointments/{visit['id']}"
    assert client.patch(path, json={"start": at(day, 15)}, headers=desk).status_code == 200
    reason = "Flu symptoms since Tuesday"
    cancel = client.post(f"{path}/cancel", json={"reason": reason}, headers=desk)
    assert cancel.status_code == 200

    admin = app.test_client()
    sign_in(admin, staff["admin"])
    page = admin.get("/admin/audit?entity=appointment").get_data(as_text=True)
    assert f"Cancelled visit #{visit['id']}" in page
    assert reason not in page
    assert f"{day:%a %-d %b %Y}, 10:00 → {day:%a %-d %b %Y}, 15:00" in page
    assert "late</strong>: no" in page


def test_the_audit_log_filters_by_record_type_and_names_and_links_the_record(
    app: Flask, client: FlaskClient, desk: Headers, world: World, staff: dict[str, str]
) -> None:
    from tests.conftest import sign_in

    day = weekday(1)
    visit = booked(
        client,
        desk,
        patient_id=world.maya,
        service_id=world.face,
        start=at(day, 10),
        provider_id=world.ana,
    )
    admin = app.test_client()
    sign_in(admin, staff["admin"])
    page = admin.get("/admin/audit?entity=appointment").get_data(as_text=True)
    assert '<option value="appointment" selected>Visits</option>' in page
    visit_link = f'<a href="/visits/{visit["id"]}">Maya Test, now {day:%a %-d %b %Y}, 10:00</a>'
    assert visit_link in page
    # The ids in its changes read as names too.
    assert "<strong>room</strong>: Rose</div>" in page
    assert "<strong>provider</strong>: Ana</div>" in page
    empty = admin.get("/admin/audit?entity=room").get_data(as_text=True)
    assert "No entries for rooms." in empty
