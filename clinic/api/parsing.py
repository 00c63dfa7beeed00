"""Reading JSON bodies, query parameters and path ids into typed values.

The API checks shapes here (is it JSON, is this a string, is that a boolean); the services
check meaning (is the phone number real, is the date of birth in the past). The split
follows API.md: a body that is not a JSON object, or a query parameter that is missing or
unreadable, is a 400; a field of the wrong JSON type is a 422 that names the field.

Strings that no database can hold (a NUL character, an unpaired surrogate) are refused
here as well, so that they come back as a 400 or 422 instead of a database error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import request

from clinic.errors import BadRequest, RuleBroken

# Ids are PostgreSQL `integer`s: a larger one cannot exist, and asking for it must answer
# 404 rather than reach the database and overflow there.
MAX_ID = 2**31 - 1

MAX_EMAIL_LENGTH = 254  # RFC 5321's longest address
# A password longer than any account may have (accounts.rules) is refused unread.
MAX_PASSWORD_LENGTH = 200
PATIENT_QUERY_MIN_LENGTH = 2
QUERY_MAX_LENGTH = 200

_DATE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

NOT_READABLE = "Use text without NUL characters or unpaired surrogates."


def is_storable_text(text: str) -> bool:
    """True when `text` can be stored and sent as UTF-8 by every supported database."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def json_object() -> dict[str, Any]:
    """The request body as a JSON object, whatever its Content-Type says; else a 400."""
    try:
        body = request.get_json(force=True, silent=True)
    except RecursionError:  # absurdly deep nesting: not a body any client means to send
        body = None
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object.")
    return body


class BodyReader:
    """Reads the fields of a JSON object, collecting one sentence per field of a wrong type.

    Each reader method returns a usable fallback when the field is wrong, so that a view
    can read every field first and then call `raise_problems()` once, naming all of them.
    """

    def __init__(self, body: Mapping[str, Any]) -> None:
        self.body = body
        self.problems: dict[str, str] = {}

    def text(self, name: str, *, required: bool = False, max_length: int | None = None) -> str:
        """A string field. Missing is a problem when `required`; otherwise it reads as "",
        so that the service says in its own words what the field needs."""
        if name not in self.body:
            if required:
                self.problems[name] = "This field is required."
            return ""
        value = self.body[name]
        if not isinstance(value, str):
            self.problems[name] = "Use a string."
            return ""
        return self._checked(name, value, max_length)

    def optional_text(self, name: str, *, max_length: int | None = None) -> str:
        """A string field that may be missing, null or "" (all read as "")."""
        value = self.body.get(name)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.problems[name] = "Use a string, or null."
            return ""
        return self._checked(name, value, max_length)

    def date_text(self, name: str) -> str:
        """A date field: `YYYY-MM-DD` (API.md), passed on as text for the service to judge.

        Only the shape is checked here: Python's `date.fromisoformat` would also take
        "19880423" or "1988-W16-6", which are not dates in this API's sense. Missing or ""
        reads as "", so that the service asks for the date in its own words.
        """
        value = self.text(name)
        if value.strip() and _DATE_SHAPE.fullmatch(value.strip()) is None:
            self.problems[name] = "Use the form YYYY-MM-DD, for example 1988-04-23."
            return ""
        return value

    def flag(self, name: str, *, default: bool = False) -> bool:
        """A boolean field; `true` or `false` only, never 0, 1 or "yes"."""
        if name not in self.body:
            return default
        value = self.body[name]
        if not isinstance(value, bool):
            self.problems[name] = "Use true or false."
            return default
        return value

    def refuse(self, name: str, problem: str) -> None:
        """Record a problem the view found beyond the field's type."""
        self.problems.setdefault(name, problem)

    def raise_problems(self, message: str = "Some fields have the wrong type.") -> None:
        if self.problems:
            raise RuleBroken(message, self.problems)

    def _checked(self, name: str, value: str, max_length: int | None) -> str:
        if not is_storable_text(value):
            self.problems[name] = NOT_READABLE
            return ""
        if max_length is not None and len(value) > max_length:
            self.problems[name] = f"Use at most {max_length:,} characters."
            return ""
        return value


def query_text(name: str, *, min_length: int = 1, max_length: int = QUERY_MAX_LENGTH) -> str:
    """A required query parameter, stripped; a 400 naming it when missing or unreadable."""
    raw = request.args.get(name)
    if raw is None:
        raise BadRequest(f"The query parameter {name} is missing.", {name: "This is required."})
    text = raw.strip()
    if not is_storable_text(text):
        raise BadRequest(f"The query parameter {name} cannot be read.", {name: NOT_READABLE})
    if len(text) < min_length:
        plural = "s" if min_length != 1 else ""
        raise BadRequest(
            f"The query parameter {name} is too short.",
            {name: f"Use at least {min_length} character{plural}."},
        )
    if len(text) > max_length:
        raise BadRequest(
            f"The query parameter {name} is too long.",
            {name: f"Use at most {max_length} characters."},
        )
    return text


def is_possible_id(value: int) -> bool:
    """Whether a path id could name a row at all (positive, within the integer column)."""
    return 0 < value <= MAX_ID
