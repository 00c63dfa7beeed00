"""One vocabulary for expected refusals, and how each face renders it.

Services raise these; the API turns them into the bodies of API.md, the HTML views put
`fields` on their forms. Anything else that escapes is a bug: it is logged and answered
with a generic page or body, never with a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from clinic.extensions import db

log = logging.getLogger(__name__)


class ClinicError(Exception):
    """An expected refusal, with the HTTP status the API answers it with."""

    status = 400

    def __init__(self, message: str, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.message}
        if self.fields:
            body["fields"] = self.fields
        return body


class BadRequest(ClinicError):
    status = 400


class Unauthorized(ClinicError):
    status = 401


class Forbidden(ClinicError):
    status = 403


class NotFound(ClinicError):
    status = 404


class Conflict(ClinicError):
    """The time is taken. `conflicts` names the visits in the way."""

    status = 409

    def __init__(self, message: str, conflicts: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.conflicts = conflicts or []

    def body(self) -> dict[str, Any]:
        return {**super().body(), "conflicts": self.conflicts}


class RuleBroken(ClinicError):
    """Fields that fail validation, or a request that breaks a clinic rule."""

    status = 422


class TooManyAttempts(ClinicError):
    status = 429

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = max(1, retry_after_seconds)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(error: ClinicError) -> Response:
    response = jsonify(error.body())
    response.status_code = error.status
    if isinstance(error, TooManyAttempts):
        response.headers["Retry-After"] = str(error.retry_after_seconds)
    return response


_HTTP_SENTENCES = {
    400: "The request could not be read.",
    401: "Sign in first.",
    403: "Your role may not do this.",
    404: "There is nothing at this address.",
    405: "This address does not accept that method.",
    413: "The request is too large.",
}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ClinicError)
    def clinic_error(error: ClinicError) -> Any:
        # Nothing half-saved, and the page below may read the database (the clinic's name).
        db.session.rollback()
        if wants_json():
            return json_error(error)
        return _error_page(error.message, error.status)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        code = error.code or 500
        sentence = _HTTP_SENTENCES.get(code, error.name + ".")
        # Keep what the exception says beyond its body, such as a 405's Allow header.
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        if wants_json():
            response = json_error(_status_error(code, sentence))
            response.headers.extend(headers)
            return response
        return _error_page(sentence, code, headers)

    @app.errorhandler(CSRFError)
    def csrf_refused(error: CSRFError) -> Any:
        return form_refused()

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Any:
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()  # the page reads the database (the clinic's name) after this
        sentence = "Something went wrong on our side; nothing was saved."
        if wants_json():
            return jsonify({"error": sentence}), 500
        return _error_page(sentence, 500)


def form_refused() -> Any:
    """The answer to a form whose CSRF token is missing or wrong: nothing was saved."""
    message = "The form expired or did not come from this site. Reload the page and try again."
    if wants_json():
        return json_error(_status_error(400, message))
    return _error_page(message, 400)


def _error_page(message: str, status: int, headers: Any = None) -> Any:
    """The error page in the part of the site it happened in: a patient who mistypes a
    portal address (or whose form expired) stays in the portal, with its way back, and is
    never shown the staff pages' sign-in."""
    portal = request.path == "/portal" or request.path.startswith("/portal/")
    page = render_template(
        "portal/error.html" if portal else "error.html", message=message, status=status
    )
    return page, status, headers or []


def _status_error(code: int, sentence: str) -> ClinicError:
    error = ClinicError(sentence)
    error.status = code
    return error
