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
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import request

from clinic.clock import (
    ISO_DATE,
    WRITE_IT_SO,
    NonexistentLocalTime,
    NotADate,
    read_typed_date,
    to_utc,
)
from clinic.db import MAX_ID, is_possible_id
from clinic.errors import BadRequest, RuleBroken

MAX_EMAIL_LENGTH = 254  # RFC 5321's longest address
# A password longer than any account may have (accounts.rules) is refused unread.
MAX_PASSWORD_LENGTH = 200
PATIENT_QUERY_MIN_LENGTH = 2
LONGEST_SEARCH_DAYS = 62  # API.md: availability's `to` at most 62 days after `from`
MAX_REASON_LENGTH = 500  # a cancel or clearance reason
QUERY_MAX_LENGTH = 200

_ID_SHAPE = re.compile(r"-?[0-9]{1,20}")

# An instant: a date, T, hours and minutes (seconds and fractions optional), and an offset
# (Z or +hh:mm) or none, which means clinic-local time (API.md, "Conventions").
INSTANT_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?$"
)
_INSTANT_SHAPE = re.compile(INSTANT_PATTERN[1:-1])
# Instants the calendar can compute with; anything else cannot be a visit.
FIRST_YEAR, LAST_YEAR = 1900, 2999
# Dates in a query: any real date with a day to spare on either side, so that the clinic's
# day bounds in any time zone stay within what Python can represent.
FIRST_QUERY_DATE, LAST_QUERY_DATE = date(1, 1, 2), date(9999, 12, 30)

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
        if value.strip() and ISO_DATE.fullmatch(value.strip()) is None:
            self.problems[name] = WRITE_IT_SO
            return ""
        return value

    def day(self, name: str) -> date | None:
        """A required date, `YYYY-MM-DD`."""
        text = self.date_text(name).strip()
        if name in self.problems:
            return None
        if not text:
            self.problems[name] = "This field is required."
            return None
        try:
            return read_typed_date(text)
        except NotADate as why:
            self.problems[name] = str(why)
            return None

    def integer(self, name: str, *, required: bool = True) -> int | None:
        """A JSON integer (not a boolean); missing or null reads as None."""
        value = self.body.get(name)
        if value is None:
            if required:
                self.problems[name] = "This field is required."
            return None
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_ID:
            self.problems[name] = "Use a whole number."
            return None
        return value

    def text_list(self, name: str, *, max_items: int = 20) -> list[str] | None:
        """A required list of strings."""
        value = self.body.get(name)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.problems[name] = "Use a list of strings."
            return None
        if len(value) > max_items:
            self.problems[name] = f"Use at most {max_items} items."
            return None
        for item in value:
            self._checked(name, item, 100)
        return None if name in self.problems else list(value)

    def flag(self, name: str, *, default: bool = False) -> bool:
        """A boolean field; `true` or `false` only, never 0, 1 or "yes"."""
        if name not in self.body:
            return default
        value = self.body[name]
        if not isinstance(value, bool):
            self.problems[name] = "Use true or false."
            return default
        return value

    def identifier(self, name: str, noun: str, *, required: bool = True) -> int | None:
        """An id field: a JSON integer. An id no row can have is named like an unknown one
        ("There is no patient 0."), so the database is never asked for it. Missing or null
        reads as None (a problem when `required`)."""
        value = self.body.get(name)
        if value is None:
            if required:
                self.problems[name] = "This field is required."
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problems[name] = "Use an integer id."
            return None
        if not is_possible_id(value):
            self.problems[name] = f"There is no {noun} {value}."
            return None
        return value

    def instant(self, name: str, tz: ZoneInfo) -> datetime | None:
        """A required instant (INSTANT_PATTERN) as aware UTC. Without an offset it is
        clinic-local: a time skipped by the spring DST change is a problem, an ambiguous
        autumn time means its first occurrence (clinic.clock.to_utc)."""
        raw = self.text(name, required=True)
        if name in self.problems:
            return None
        if _INSTANT_SHAPE.fullmatch(raw) is None:
            self.problems[name] = (
                "Use ISO 8601, e.g. 2027-03-16T10:00:00-07:00, or 2027-03-16T10:00 for "
                "clinic-local time."
            )
            return None
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            self.problems[name] = "This date or time does not exist."
            return None
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            self.problems[name] = f"Use a time between the years {FIRST_YEAR} and {LAST_YEAR}."
            return None
        try:
            return to_utc(value, tz)
        except NonexistentLocalTime:
            self.problems[name] = (
                f"{value:%H:%M} does not exist on {value:%Y-%m-%d} in the clinic's time zone: "
                "the clocks go forward. Choose another time."
            )
            return None

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


def query_date(name: str) -> date:
    """A required date parameter, YYYY-MM-DD; a 400 naming it when missing or unreadable."""
    text = query_text(name, max_length=10)
    day = None
    if ISO_DATE.fullmatch(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            day = None
    if day is None or not FIRST_QUERY_DATE <= day <= LAST_QUERY_DATE:
        raise BadRequest(
            f"The query parameter {name} is not a date.",
            {name: "Use a real date written YYYY-MM-DD, for example 2027-03-16."},
        )
    return day


def query_id(name: str, *, required: bool = False) -> int | None:
    """An integer id parameter; None when optional and absent; a 400 naming it when missing
    (if required) or not an integer. Whether a row has the id is the caller's to judge."""
    if name not in request.args and not required:
        return None
    text = query_text(name, max_length=21)
    if _ID_SHAPE.fullmatch(text) is None:
        raise BadRequest(f"The query parameter {name} is not an id.", {name: "Use an integer id."})
    return int(text)
