"""The desk's forms: shape checks only (types, lengths, required answers), never a query.

Local date and time inputs become an instant in one place, `local_instant`, through
clinic.clock.to_utc: a wall time skipped by the spring DST change is a field error.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    NumberRange,
    Optional,
)

from clinic.clock import NonexistentLocalTime, to_utc
from clinic.db import MAX_ID, is_possible_id
from clinic.scheduling.screening import Contraindication
from clinic.web import TypedDateField, at_most, is_sane_date

REASON_MAX = 500


def plausible_id(value: object) -> int | None:
    """An id as typed or sent (1 to MAX_ID), else None: 99999999999999999999 names nothing."""
    try:
        number = int(str(value))
    except ValueError:
        return None
    return number if is_possible_id(number) else None


def local_instant(
    day_field: TypedDateField, time_field: TimeField, tz: ZoneInfo
) -> datetime | None:
    """The UTC instant of a clinic-local date and time, or None with the error on the field.

    A time that does not exist that day (the hour skipped in spring) is refused rather
    than silently moved: the desk should choose a real time.
    """
    day, at = day_field.data, time_field.data
    if day is None or at is None:
        return None
    try:
        return to_utc(datetime.combine(day, at), tz)
    except NonexistentLocalTime:
        time_field.errors = [
            *time_field.errors,
            f"{at:%H:%M} does not exist on {day:%A %-d %B %Y}: the clocks go forward. "
            "Choose another time.",
        ]
        return None


def parse_instant(raw: str | None) -> datetime | None:
    """An ISO 8601 instant with its offset (as the slot buttons send it); None if it is not."""
    try:
        value = datetime.fromisoformat((raw or "").strip())
    except ValueError:
        return None
    return value if value.tzinfo is not None and is_sane_date(value.date()) else None


class FinderForm(FlaskForm):
    """The "Find a slot" search (GET, so no CSRF token)."""

    class Meta:
        csrf = False

    service_id = SelectField("Service", coerce=int, validators=[InputRequired()])
    provider_id = SelectField("Provider", coerce=int, default=0)
    from_on = TypedDateField("From", validators=[Optional()])
    to_on = TypedDateField("To", validators=[Optional()])
    patient_id = IntegerField(
        widget=HiddenField.widget, validators=[Optional(), NumberRange(1, MAX_ID)]
    )
    q = StringField("Find the patient", validators=[Optional(), at_most(100)])


class BookForm(FlaskForm):
    """One booking: a slot button (`slot` = "<ISO start>|<provider id>"), or `start` and
    `provider_id`, or a typed local date and time."""

    patient_id = IntegerField(
        widget=HiddenField.widget,
        validators=[
            InputRequired("Choose a patient first."),
            NumberRange(1, MAX_ID, "Choose a patient first."),
        ],
    )
    service_id = SelectField("Service", coerce=int, validators=[InputRequired()])
    provider_id = SelectField("Provider", coerce=int, default=0)
    slot = HiddenField()
    start = HiddenField()
    on_date = TypedDateField("Date", validators=[Optional()])
    at_time = TimeField("Arrival time", validators=[Optional()])
    clearance_reason = TextAreaField(
        "Clinician's sign-off reason", validators=[Optional(), at_most(REASON_MAX)]
    )


class MoveForm(FlaskForm):
    """Move a visit: a slot button, or a typed local date and time."""

    provider_id = SelectField("Provider", coerce=int, default=0)
    slot = HiddenField()
    start = HiddenField()
    on_date = TypedDateField("Date", validators=[Optional()])
    at_time = TimeField("Arrival time", validators=[Optional()])


class CancelForm(FlaskForm):
    reason = TextAreaField(
        "Why is the visit cancelled?",
        validators=[DataRequired("Enter a reason."), at_most(REASON_MAX)],
    )


class SignOffForm(FlaskForm):
    """A clinician's sign-off for one booked visit (a sign-off answer found on arrival)."""

    clearance_reason = TextAreaField(
        "Why may the visit go ahead?",
        validators=[DataRequired("Write the reason for your sign-off."), at_most(REASON_MAX)],
    )


class NewTimeRequestForm(FlaskForm):
    """Ask the patients of these visits to choose a new time; `next` is where to go back."""

    appointment_ids = SelectMultipleField(validate_choice=False, validators=[InputRequired()])
    next = HiddenField()


class StatusForm(FlaskForm):
    """A one-click status button; `next` is where to go back to."""

    target = HiddenField(validators=[InputRequired()])
    next = HiddenField()


def screening_form(data: object | None = None) -> FlaskForm:
    """A form with one yes/no question per contraindication, in the order they are asked.

    Both answers start unchecked: an unanswered question is an error, never a "no".
    """

    class ScreeningForm(FlaskForm):
        appointment_id = IntegerField(widget=HiddenField.widget, validators=[Optional()])

    for code in Contraindication:
        setattr(
            ScreeningForm,
            code.value,
            RadioField(
                code.question,
                choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
                validators=[
                    InputRequired("Answer yes or no."),
                    AnyOf(["yes", "no"], "Answer yes or no."),
                ],
                validate_choice=False,
            ),
        )
    return ScreeningForm(formdata=data) if data is not None else ScreeningForm()
