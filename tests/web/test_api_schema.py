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
from datetime import UTC, datetime, timedelta

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
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


def test_api_conforms_to_its_document(
    app: Flask, staff: dict[str, str], setup_clinic: None, subtests: pytest.Subtests
) -> None:
    """One test with a subtest per operation and mode, so the setup is paid once.

    Driven by hand rather than by schemathesis' pytest plugin, whose lazy loader does not
    work with pytest 9 (it reads the removed `Function._nodeid`).
    """
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # The token is ours to send (missing and bad tokens have tests of their own), and the
    # API ignores query parameters it does not know, as OpenAPI allows.
    schema.config.generation.update(with_security_parameters=False, allow_extra_parameters=False)
    for method, path, mode in OPERATIONS:
        with subtests.test(msg=f"{method} {path} {mode}"):
            _run(schema[path][method], mode, lambda: _fresh_token(app, staff["front_desk"]))


def _run(operation: APIOperation, mode: GenerationMode, token: Callable[[], str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
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
        case.call_and_validate(headers=headers, checks=CHECKS)

    answers_as_documented()
