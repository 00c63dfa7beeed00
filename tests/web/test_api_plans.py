"""The plan and message rows of API.md."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import sign_in
from tests.web.booking_world import World, at, build_world, local_today
from tests.web.test_api_booking import API, Headers, error, token_for


def create(client: FlaskClient, auth: Headers, **fields: Any) -> Any:
    return client.post(f"{API}/plans", json=fields, headers=auth)


def test_a_stretch_marks_plan_of_five(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> None:
    world = build_world(app)
    desk = token_for(app, staff["front_desk"])
    start = local_today() + timedelta(days=3)
    response = create(
        client,
        desk,
        patient_id=world.maya,
        indications=["stretch_marks"],
        start_date=start.isoformat(),
        sessions_per_year=5,
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    plan = response.json
    assert response.headers["Location"].endswith(f"/plans/{plan['id']}")
    assert plan["status"] == "active" and plan["sessions_per_year"] == 5
    assert [s["number"] for s in plan["sessions"]] == [1, 2, 3, 4, 5]
    assert plan["sessions"][0]["window_start"] == start.isoformat()
    assert {s["status"] for s in plan["sessions"]} == {"due"}
    assert set(plan["results_check_in"]) == {"window_start", "window_end", "appointment_id"}
    assert client.get(f"{API}/plans/{plan['id']}", headers=desk).json == plan
    listed = client.get(f"{API}/patients/{world.maya}/plans", headers=desk).json
    assert [p["id"] for p in listed] == [plan["id"]]


def test_a_plan_of_no_sessions_is_refused_not_given_the_default(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> None:
    world = build_world(app)
    desk = token_for(app, staff["front_desk"])
    start = (local_today() + timedelta(days=3)).isoformat()
    fields = {"patient_id": world.maya, "indications": ["fine_lines"], "start_date": start}

    body = error(create(client, desk, **fields, sessions_per_year=0), 422)

    assert body["fields"]["sessions_per_year"] == "A plan has at least one session a year."
    assert client.get(f"{API}/patients/{world.maya}/plans", headers=desk).json == []


def test_count_rules_and_the_override(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> None:
    world = build_world(app)
    desk = token_for(app, staff["front_desk"])
    clinician = token_for(app, staff["clinician"])
    start = (local_today() + timedelta(days=3)).isoformat()
    three = {
        "patient_id": world.maya,
        "indications": ["fine_lines"],
        "start_date": start,
        "sessions_per_year": 3,
    }
    body = error(create(client, desk, **three), 422)
    assert "burn scars or stretch marks" in body["fields"]["sessions_per_year"]
    error(create(client, desk, **three, override_reason="Severe scarring"), 403)
    too_short = error(create(client, clinician, **three, override_reason="x"), 422)
    assert "at least 10 characters" in too_short["fields"]["override_reason"]
    response = create(client, clinician, **three, override_reason="Severe scarring")
    assert response.status_code == 201
    body = error(
        create(client, desk, patient_id=world.noor, indications=["warts"], start_date="2027-02-30"),
        422,
    )
    assert set(body["fields"]) == {"indications", "start_date"}
    assert body["fields"]["start_date"] == "2027-02-30 is not a date: February 2027 has 28 days."


def test_booking_a_planned_session_and_its_messages(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> None:
    world: World = build_world(app)
    desk = token_for(app, staff["front_desk"])
    start = local_today() + timedelta(days=3)
    plan = create(
        client,
        desk,
        patient_id=world.maya,
        indications=["stretch_marks"],
        start_date=start.isoformat(),
        sessions_per_year=5,
    ).json
    first = plan["sessions"][0]
    offered = client.get(
        f"{API}/availability",
        headers=desk,
        query_string={
            "service_id": world.face,
            "from": first["window_start"],
            "to": first["window_end"],
            "patient_id": world.maya,
        },
    ).json["slots"]
    response = client.post(
        f"{API}/appointments",
        headers=desk,
        json={
            "patient_id": world.maya,
            "service_id": world.face,
            "start": offered[0]["start"],
            "provider_id": offered[0]["provider_id"],
            "planned_session_id": first["id"],
        },
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    visit = response.json
    assert visit["planned_session_id"] == first["id"]
    day = offered[0]["start"][:10]
    listed = client.get(f"{API}/appointments", query_string={"date": day}, headers=desk).json
    assert [v["planned_session_id"] for v in listed if v["id"] == visit["id"]] == [first["id"]]
    again = client.get(f"{API}/plans/{plan['id']}", headers=desk).json
    assert again["sessions"][0]["status"] == "booked"
    assert again["sessions"][0]["appointment_id"] == visit["id"]
    # A second microneedling visit two weeks later breaks the 28-day gap.
    too_soon = client.post(
        f"{API}/appointments",
        headers=desk,
        json={
            "patient_id": world.maya,
            "service_id": world.face,
            "start": at(start + timedelta(days=16), 10),
        },
    )
    assert "28 days apart" in error(too_soon, 422)["fields"]["start"]
    messages = client.get(
        f"{API}/messages", headers=desk, query_string={"appointment_id": visit["id"]}
    ).json
    assert {m["kind"] for m in messages} >= {"confirmation"}
    assert set(messages[0]) == {"id", "kind", "channel", "send_at", "status", "sent_at"}
    error(client.get(f"{API}/messages", headers=desk), 400)


def test_a_plan_for_a_minor_starts_on_her_eighteenth_birthday_at_the_earliest(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> None:
    world = build_world(app)  # teen turns 18 in 30 days
    desk = token_for(app, staff["front_desk"])
    birthday = local_today() + timedelta(days=30)
    fields = {"patient_id": world.teen, "indications": ["acne_scars"]}

    body = error(create(client, desk, **fields, start_date=local_today().isoformat()), 422)

    assert body["fields"]["start_date"] == (
        f"Teen turns 18 on {birthday:%A} {birthday.day} {birthday:%B %Y}: microneedling is "
        "for patients aged 18 and over, so the plan can start from then."
    )
    assert client.get(f"{API}/patients/{world.teen}/plans", headers=desk).json == []
    response = create(client, desk, **fields, start_date=birthday.isoformat())
    assert response.status_code == 201, response.get_data(as_text=True)


def test_the_builder_proposes_her_eighteenth_birthday_and_refuses_a_start_before_it(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> None:
    world = build_world(app)  # teen turns 18 in 30 days
    birthday = local_today() + timedelta(days=30)
    sign_in(client, staff["front_desk"])

    page = client.get(f"/patients/{world.teen}/plans/new").get_data(as_text=True)
    assert f'value="{birthday.isoformat()}"' in page

    form = {
        "indications": ["acne_scars"],
        "start_date": local_today().isoformat(),
        "sessions_per_year": "2",
        "action": "create",
    }
    refused = client.post(f"/patients/{world.teen}/plans/new", data=form)
    assert refused.status_code == 422
    assert "so the plan can start from then" in refused.get_data(as_text=True)
    assert 'id="start_date-error"' in refused.get_data(as_text=True)


def test_a_patient_of_age_only_in_over_a_year_is_told_when_her_plan_can_be_made(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> None:
    from datetime import UTC, datetime

    from clinic.extensions import db
    from clinic.patients.rules import day_turning
    from tests.web.booking_world import add_patient

    build_world(app)
    today = local_today()
    with app.app_context():
        born = today - timedelta(days=16 * 365)  # about 16: 18 in about two years
        young = add_patient("lena", born, datetime.now(UTC))
        db.session.commit()
        young_id = young.id
    adult_on = day_turning(born, 18)
    made_from = adult_on - timedelta(days=365)
    sign_in(client, staff["front_desk"])

    page = client.get(f"/patients/{young_id}/plans/new").get_data(as_text=True)

    said = f"so hers can be made from {made_from:%A} {made_from.day} {made_from:%B %Y}"
    assert said in page
    desk = token_for(app, staff["front_desk"])
    body = error(
        create(
            client,
            desk,
            patient_id=young_id,
            indications=["acne_scars"],
            start_date=today.isoformat(),
        ),
        422,
    )
    assert said in body["fields"]["start_date"]
