"""What every page shares: security headers, the staff session, time filters, errors."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from jinja2 import pass_context
from jinja2.runtime import Context
from werkzeug.routing import IntegerConverter
from wtforms import DateField, Form
from wtforms.validators import Length

from clinic.accounts.access import ADMIN_ONLY, ALL_STAFF, CLINICAL, acting_user, may
from clinic.clock import NotADate, read_typed_date
from clinic.db import MAX_ID, is_possible_id
from clinic.errors import BadRequest, register_error_handlers
from clinic.extensions import db, login_manager
from clinic.practice.service import clinic_zone

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)


def at_most(characters: int) -> Length:
    """A length limit that says it in words ("Use at most 300 characters."), not wtforms'
    "Field cannot be longer than 300 characters."."""
    return Length(max=characters, message=f"Use at most {characters} characters.")


class TypedDateField(DateField):
    """A date field that says why a typed date is no date ("2027-02-30 is not a date:
    February 2027 has 28 days"), in the words the API and the patient form use, and refuses
    far-off years (is_sane_date) on every form. Empty text is left to the field's
    validators (Optional, InputRequired)."""

    data: Any  # untyped, as wtforms' own fields: views read it after validation
    raw_data: Any

    def process_formdata(self, valuelist: Sequence[str]) -> None:
        if not valuelist:
            return
        text = " ".join(valuelist).strip()
        self.data = None
        if not text:
            # Blank is empty: InputRequired then asks for the date, and Optional skips it.
            self.raw_data = []
            return
        try:
            day = read_typed_date(text)
        except NotADate as why:
            raise ValueError(str(why)) from None
        if not is_sane_date(day):
            raise ValueError(f"Enter a date between the years {FIRST_YEAR} and {LAST_YEAR}.")
        self.data = day


class DatabaseId(IntegerConverter):
    """`<int:...>` in every route, bounded to what an integer column holds, so that
    /patients/99999999999999999999 is a 404 instead of a database error."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def phone_region() -> str:
    """The region phone numbers are read in (CLINIC_PHONE_REGION, e.g. "US"), which also
    says how a date with slashes reads in the patient search."""
    return str(current_app.config["CLINIC_PHONE_REGION"])


def id_arg(name: str) -> int | None:
    """An id from the query string, or None when absent, unreadable or out of range."""
    value = request.args.get(name, type=int)
    return value if value is not None and is_possible_id(value) else None


FIRST_YEAR, LAST_YEAR = 1900, 2999  # dates outside these are typing mistakes


def is_sane_date(day: date) -> bool:
    """Far-off dates overflow day arithmetic (and no clinic plans them): refuse them."""
    return FIRST_YEAR <= day.year <= LAST_YEAR


def safe_next(target: str | None, fallback: str) -> str:
    """Where to go after a form: only a path on this site, so a crafted link cannot send
    anyone elsewhere (no scheme, no host, no control characters)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return fallback
    if any(ord(ch) < 32 or ch == "\\" for ch in target):
        return fallback
    parts = urlsplit(target)
    return fallback if parts.scheme or parts.netloc else target


def install_web(app: Flask) -> None:
    register_error_handlers(app)
    app.url_map.converters["int"] = DatabaseId

    @app.before_request
    def refuse_unstorable_text() -> None:
        """A NUL character cannot be stored (PostgreSQL refuses it): answer 400 up front."""
        values = [*request.args.values(), *request.form.values()]
        if any("\x00" in value for value in values):
            raise BadRequest("The request contains a character that cannot be stored.")

    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(session_id: str) -> Any:
        """The signed-in staff member, while her account is enabled and her password is
        the one she signed in with (User.get_id)."""
        from clinic.accounts.models import User

        user_id, _, mark = session_id.partition(":")
        user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        if user is None or not user.is_active_account or mark != user.password_mark:
            return None
        return user

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not response.headers.get("Cache-Control") and response.mimetype == "text/html":
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.context_processor
    def page_context() -> dict[str, Any]:
        from clinic.practice.service import find_clinic

        return {
            "clinic": find_clinic(),
            "staff_user": acting_user(),
            "may": may,
            "ALL_STAFF": ALL_STAFF,
            "CLINICAL": CLINICAL,
            "ADMIN_ONLY": ADMIN_ONLY,
        }

    app.jinja_env.globals["page_has_form_errors"] = page_has_form_errors
    app.jinja_env.filters["local"] = local_datetime
    app.jinja_env.filters["day"] = long_day
    app.jinja_env.filters["money"] = money


def local_datetime(value: datetime | None, fmt: str = "%a %-d %b %Y, %H:%M") -> str:
    """An instant shown in the clinic's zone, e.g. "Tue 9 Mar 2027, 10:00"."""
    if value is None:
        return ""
    return value.astimezone(clinic_zone()).strftime(fmt)


@pass_context
def page_has_form_errors(context: Context) -> bool:
    """Whether a form on the page came back with errors: the page's title then starts with
    "Error: ", so that a screen reader says so first (templates/base.html). Staff pages use
    WTForms; the portal's small forms pass their message as `error` (or `errors`, one per
    question)."""
    values = context.get_all()
    if values.get("error") or values.get("errors"):
        return True
    return any(isinstance(value, Form) and value.errors for value in values.values())


def long_day(value: date | None) -> str:
    return value.strftime("%A %-d %B %Y") if value else ""


def money(cents: int | None) -> str:
    return f"${(cents or 0) / 100:,.2f}"
