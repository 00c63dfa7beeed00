"""Schemathesis against the API's own OpenAPI document: no 500s, and every answer conforms.

Bounded (a few dozen examples per operation, valid and invalid inputs both) so that it
stays well under a minute. The checks are the ones that hold for any correct answer:
never a server error, only documented status codes, content types and headers, bodies
that match their schemas, and invalid input refused. `positive_data_acceptance` is left
out on purpose: schema-valid input may still break a rule the document can only describe
in words (a phone number that does not exist), which is a 422 by API.md.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from clinic.api.openapi import openapi_document
from clinic.extensions import db
from clinic.scheduling.screening import Contraindication
from tests.web.booking_world import LA, World, at, build_world, local_today, weekday

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


# Every documented operation, with valid input; and with invalid input where it takes any
# (an operation without parameters or a body has nothing to get wrong).
OPERATIONS = [
    (method.upper(), path, mode)
    for path, methods in openapi_document()["paths"].items()
    for method, operation in methods.items()
    for mode in GenerationMode
    if mode is GenerationMode.POSITIVE or "parameters" in operation or "requestBody" in operation
]


def _fresh_token(app: Flask, email: str) -> str:
    """A token straight from the service, so the run never trips the sign-in limit itself."""
    from clinic.accounts.models import User
    from clinic.accounts.service import issue_token

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None
        issued = issue_token(user, now=datetime.now(UTC), lifetime=timedelta(hours=1))
        db.session.commit()
        return issued.token


def _book_a_few(app: Flask, world: World, token: str) -> list[int]:
    """Visits for the path ids to find: booked ones on the next days, and one cancelled.
    Each patient's second visit is a check-in: two microneedling sessions must lie at least
    28 days apart."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    ids = []
    plan = (
        (world.maya, world.face),
        (world.noor, world.face),
        (world.maya, world.check_in),
        (world.noor, world.check_in),
    )
    for n, (patient, service) in enumerate(plan):
        response = client.post(
            "/api/v1/appointments",
            json={"patient_id": patient, "service_id": service, "start": at(weekday(n), 10)},
            headers=headers,
        )
        assert response.status_code == 201, response.get_data(as_text=True)
        ids.append(int(response.json["id"]))
    cancel = client.post(
        f"/api/v1/appointments/{ids[-1]}/cancel", json={"reason": "moved away"}, headers=headers
    )
    assert cancel.status_code == 200
    return ids


def _realistic_cases(
    world: World, appointment_ids: list[int]
) -> dict[tuple[str, str], Callable[[APIOperation], st.SearchStrategy[Any]]]:
    """Valid input that names real rows, so that availability and booking have something
    real to do (random ids almost never exist). Mixed in with schemathesis' own cases."""
    patients = st.sampled_from([world.maya, world.noor, world.young, world.unscreened])
    # Screened with random answers: patients the bookings here do not use.
    screened = st.sampled_from([world.sunburnt, world.pregnant, world.teen])
    services = st.sampled_from([world.face, world.check_in])
    providers = st.none() | st.sampled_from([world.ana, world.sam])
    visits = st.sampled_from(appointment_ids)
    today = local_today()
    days = st.integers(0, 20).map(lambda n: today + timedelta(days=n))

    @st.composite
    def starts(draw: st.DrawFn) -> str:
        day = weekday(draw(st.integers(0, 8)))
        at_time = time(draw(st.integers(8, 17)), draw(st.sampled_from([0, 15, 30, 45])))
        local = datetime.combine(day, at_time)
        if draw(st.booleans()):
            return local.isoformat(timespec="minutes")  # clinic-local
        return local.replace(tzinfo=LA).isoformat()

    def query(**values: Any) -> dict[str, Any]:
        return {key: str(value) for key, value in values.items() if value is not None}

    def case(operation: APIOperation, **parts: Any) -> Any:
        return operation.Case(**parts)

    return {
        ("POST", "/patients/{patient_id}/screenings"): lambda op: st.builds(
            lambda patient, answers: case(
                op, path_parameters={"patient_id": patient}, body={"answers": answers}
            ),
            screened,
            st.fixed_dictionaries({code.value: st.booleans() for code in Contraindication}),
        ),
        ("GET", "/availability"): lambda op: st.builds(
            lambda service, first, length, provider, patient: case(
                op,
                query=query(
                    service_id=service,
                    **{"from": first, "to": first + timedelta(days=length)},
                    provider_id=provider,
                    patient_id=patient,
                ),
            ),
            services,
            days,
            st.integers(0, 6),
            providers,
            st.none() | patients,
        ),
        ("POST", "/appointments"): lambda op: st.builds(
            lambda patient, service, start, provider: case(
                op,
                body={
                    "patient_id": patient,
                    "service_id": service,
                    "start": start,
                    **({"provider_id": provider} if provider else {}),
                },
            ),
            patients,
            services,
            starts(),
            providers,
        ),
        ("GET", "/appointments"): lambda op: st.builds(
            lambda day, provider: case(op, query=query(date=day, provider_id=provider)),
            days,
            providers,
        ),
        ("PATCH", "/appointments/{appointment_id}"): lambda op: st.builds(
            lambda visit, start, provider: case(
                op,
                path_parameters={"appointment_id": visit},
                body={"start": start, "provider_id": provider},
            ),
            visits,
            starts(),
            providers,
        ),
        ("POST", "/appointments/{appointment_id}/cancel"): lambda op: st.builds(
            lambda visit: case(
                op, path_parameters={"appointment_id": visit}, body={"reason": "She is unwell."}
            ),
            visits,
        ),
        **{
            (method, path): lambda op: st.builds(
                lambda visit: case(op, path_parameters={"appointment_id": visit}), visits
            )
            for method, path in (
                ("GET", "/appointments/{appointment_id}"),
                ("POST", "/appointments/{appointment_id}/check-in"),
                ("POST", "/appointments/{appointment_id}/complete"),
                ("POST", "/appointments/{appointment_id}/no-show"),
            )
        },
    }


def test_api_conforms_to_its_document(
    app: Flask, staff: dict[str, str], subtests: pytest.Subtests
) -> None:
    """One test with a subtest per operation and mode, so the setup is paid once.

    Driven by hand rather than by schemathesis' pytest plugin, whose lazy loader does not
    work with pytest 9 (it reads the removed `Function._nodeid`).
    """
    world = build_world(app)
    realistic = _realistic_cases(
        world, _book_a_few(app, world, _fresh_token(app, staff["front_desk"]))
    )
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # The token is ours to send (missing and bad tokens have tests of their own), and the
    # API ignores query parameters it does not know, as OpenAPI allows.
    schema.config.generation.update(with_security_parameters=False, allow_extra_parameters=False)
    seen: dict[tuple[str, str], set[int]] = {}
    for method, path, mode in OPERATIONS:
        with subtests.test(msg=f"{method} {path} {mode}"):
            operation = schema[path][method]
            strategy = operation.as_strategy(generation_mode=mode)
            if mode is GenerationMode.POSITIVE and (method, path) in realistic:
                strategy = st.one_of(strategy, realistic[method, path](operation))
            statuses = seen.setdefault((method, path), set())
            _run(strategy, lambda: _fresh_token(app, staff["front_desk"]), statuses)
    # The realistic cases reached the real work, not only the refusals.
    assert 201 in seen["POST", "/appointments"]
    assert 201 in seen["POST", "/patients/{patient_id}/screenings"]
    assert 200 in seen["PATCH", "/appointments/{appointment_id}"]
    assert 200 in seen["GET", "/availability"]


def _run(strategy: st.SearchStrategy[Any], token: Callable[[], str], statuses: set[int]) -> None:
    @given(case=strategy)
    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def answers_as_documented(case: schemathesis.Case) -> None:
        # A token per example: DELETE /tokens/current revokes the one it is sent.
        headers = {"Authorization": f"Bearer {token()}"}
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        statuses.add(response.status_code)

    answers_as_documented()
