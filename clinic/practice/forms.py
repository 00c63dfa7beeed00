"""The clinic setup forms: shape checks only. The service checks ranges and overlaps."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from clinic.practice.models import ServiceKind
from clinic.practice.rules import SLOT_GRIDS, Indication, TimeRange
from clinic.web import TypedDateField, at_most

WHOLE = "Enter a whole number."
A_TIME = "Enter a time as HH:MM, for example 09:30."
A_DATE = "Choose a date."


def _whole(label: str, hint: str) -> IntegerField:
    return IntegerField(
        label,
        validators=[InputRequired(WHOLE)],
        invalid_value_message=WHOLE,
        description=hint,
        render_kw={"inputmode": "numeric"},
    )


def _time(label: str, hint: str) -> TimeField:
    return TimeField(
        label, validators=[InputRequired(A_TIME)], invalid_value_message=A_TIME, description=hint
    )


class SettingsForm(FlaskForm):
    """Every field is named after its Clinic column; `GROUPS` lays them out in fieldsets."""

    name = StringField("Clinic name", validators=[InputRequired("Enter the clinic's name.")])
    phone = TelField(
        "Phone",
        validators=[InputRequired("Enter the clinic's phone number.")],
        description="Shown to patients in messages. With area code, e.g. (415) 555-0100.",
        render_kw={"autocomplete": "tel"},
    )
    address = TextAreaField("Address", validators=[Optional(), at_most(300)])
    timezone = StringField(
        "Time zone",
        validators=[InputRequired("Choose the clinic's time zone.")],
        description="Where the clinic is, such as America/Los_Angeles. Every time on every "
        "page and message is shown in this zone.",
        render_kw={"list": "time-zones", "autocomplete": "off", "spellcheck": "false"},
    )
    sessions_per_year_default = _whole(
        "Usual sessions a year", "What a new treatment plan offers: most patients have two."
    )
    sessions_per_year_max = _whole(
        "Most sessions a year",
        "The ceiling for any plan (up to 5, for burn scars or stretch marks).",
    )
    min_session_gap_days = _whole(
        "Days between sessions, at least", "Skin needs time to remodel: four weeks is usual (28)."
    )
    session_window_days = _whole(
        "Days a session's booking window stays open",
        "How long after its due date a planned session may still be booked.",
    )
    results_window_start_weeks = _whole(
        "Results check-in: from week", "The full effect shows six to eight weeks after a session."
    )
    results_window_end_weeks = _whole("Results check-in: until week", "Later than the start.")
    screening_valid_months = _whole(
        "Months a health screening stays valid", "After this, the patient answers it again."
    )
    check_in_screening_days = _whole(
        "Days before a visit to re-confirm screening",
        "The patient confirms nothing has changed this many days ahead.",
    )
    minimum_age = _whole("Minimum age", "Nobody younger is treated; never below 18.")
    sign_off_below_age = _whole(
        "Clinician sign-off below age",
        "Patients from the minimum age up to this age need a clinician's sign-off (usually 22).",
    )
    slot_grid_minutes = SelectField(
        "Visit start times every",
        choices=[SelectChoice(str(minutes), f"{minutes} minutes") for minutes in SLOT_GRIDS],
        coerce=int,
        description="Free times are offered on this grid, counted from the hour (the front "
        "desk may still type another time by hand).",
    )
    lead_time_minutes = _whole(
        "Minutes of notice for a booking", "How soon before a visit it can still be booked."
    )
    booking_horizon_months = _whole("Months ahead open for booking", "From 1 to 24.")
    late_cancel_hours = _whole(
        "Hours of notice to cancel", "A cancellation with less notice counts as late."
    )
    quiet_hours_start = _time("Quiet hours start", "No message is sent from this time…")
    quiet_hours_end = _time("Quiet hours end", "…until this time (clinic time).")
    preparation_days_before = _whole(
        "Days before a visit to send preparation advice",
        "Retinoids and acids stop five to seven days before.",
    )
    preparation_at = _time("Preparation advice sent at", "Clinic time, outside quiet hours.")
    reminder_days_before = _whole("Days before a visit to send a reminder", "From 0 to 14.")
    aftercare_at = _time("Aftercare advice sent at", "Clinic time, outside quiet hours.")
    nudge_at = _time("Booking nudges sent at", "When a patient is reminded to book a due session.")

    GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("The clinic", ("name", "phone", "address", "timezone")),
        (
            "Treatment plans",
            (
                "sessions_per_year_default",
                "sessions_per_year_max",
                "min_session_gap_days",
                "session_window_days",
                "results_window_start_weeks",
                "results_window_end_weeks",
            ),
        ),
        (
            "Screening and age",
            (
                "screening_valid_months",
                "check_in_screening_days",
                "minimum_age",
                "sign_off_below_age",
            ),
        ),
        (
            "Booking",
            (
                "slot_grid_minutes",
                "lead_time_minutes",
                "booking_horizon_months",
                "late_cancel_hours",
            ),
        ),
        (
            "Messages",
            (
                "quiet_hours_start",
                "quiet_hours_end",
                "preparation_days_before",
                "preparation_at",
                "reminder_days_before",
                "aftercare_at",
                "nudge_at",
            ),
        ),
    )


class PeriodForm(Form):
    """One period of a day, such as 09:00 to 12:30. Both times, or neither (an unused row)."""

    starts_at = TimeField("From", validators=[Optional()], invalid_value_message=A_TIME)
    ends_at = TimeField("To", validators=[Optional()], invalid_value_message=A_TIME)

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        if (self.starts_at.data is None) != (self.ends_at.data is None):
            missing = self.ends_at if self.ends_at.data is None else self.starts_at
            missing.errors = ["Enter both times, or neither."]
            return False
        return True

    @property
    def is_blank(self) -> bool:
        return self.starts_at.data is None and self.ends_at.data is None


class OpeningDayForm(Form):
    periods = FieldList(FormField(PeriodForm), min_entries=3)


class OpeningHoursForm(FlaskForm):
    days = FieldList(FormField(OpeningDayForm), min_entries=7, max_entries=7)


class WorkingDayForm(Form):
    work = FieldList(FormField(PeriodForm), min_entries=2)
    breaks = FieldList(FormField(PeriodForm), min_entries=2)


class WorkingWeekForm(FlaskForm):
    days = FieldList(FormField(WorkingDayForm), min_entries=7, max_entries=7)


class ClosureForm(FlaskForm):
    on = TypedDateField("Date", validators=[InputRequired(A_DATE)])
    name = StringField(
        "Name", validators=[InputRequired("Enter a name, such as Thanksgiving."), at_most(120)]
    )
    # Shown once the day has booked visits: the admin confirms before closing it.
    close_anyway = BooleanField("Close the day anyway: the visits will be moved or cancelled")


class ProviderForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired("Enter a name."), at_most(120)])
    credential = StringField(
        "Credential",
        validators=[InputRequired("Enter the credential."), at_most(120)],
        description="As patients should see it, e.g. RN, nurse aesthetician.",
    )
    is_active = BooleanField("Active (can be booked)", default=True)


def time_unless_whole_days(form: Form, field: TimeField) -> None:
    """A time is needed unless the time off is whole days (then the times are midnights)."""
    if form["whole_days"].data:
        field.errors[:] = []
        raise StopValidation()
    if field.data is None:
        # An unreadable time has said so already (the field's own message): once is enough.
        raise StopValidation(None if field.errors else A_TIME)


class TimeOffForm(FlaskForm):
    """Time off from a date and time until a date and time; with `whole_days`, from the
    start of the first date to the end of the last (the times are left out)."""

    whole_days = BooleanField("Whole days (from the first date to the end of the last)")
    starts_on = TypedDateField("From date", validators=[InputRequired(A_DATE)])
    starts_at = TimeField(
        "From time", validators=[time_unless_whole_days], invalid_value_message=A_TIME
    )
    ends_on = TypedDateField("Until date", validators=[InputRequired(A_DATE)])
    ends_at = TimeField(
        "Until time", validators=[time_unless_whole_days], invalid_value_message=A_TIME
    )
    reason = StringField(
        "Reason", validators=[Optional(), at_most(200)], description="Optional, for staff."
    )


class RoomForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired("Enter a name."), at_most(80)])
    device = StringField(
        "Device",
        validators=[InputRequired("Enter the device."), at_most(120)],
        description="The microneedling device in this room, e.g. SkinPen Precision.",
    )
    is_active = BooleanField("Active (can be booked)", default=True)


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


SERVICE_KIND_LABELS = {
    ServiceKind.MICRONEEDLING: "Microneedling session",
    ServiceKind.RESULTS_CHECK_IN: "Results check-in",
}


class ServiceForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired("Enter a name."), at_most(120)])
    kind = SelectField(
        "Kind",
        choices=[SelectChoice(kind.value, label) for kind, label in SERVICE_KIND_LABELS.items()],
    )
    numbing_minutes = IntegerField(
        "Numbing minutes",
        validators=[InputRequired(WHOLE)],
        invalid_value_message=WHOLE,
        default=0,
        description="Numbing cream before the procedure: patient and room busy. 0 for none.",
        render_kw={"inputmode": "numeric"},
    )
    provider_free_while_numbing = BooleanField("The provider is free while the cream works")
    procedure_minutes = IntegerField(
        "Procedure minutes",
        validators=[InputRequired(WHOLE)],
        invalid_value_message=WHOLE,
        description="Provider, room and device busy.",
        render_kw={"inputmode": "numeric"},
    )
    buffer_minutes = IntegerField(
        "Cleaning minutes",
        validators=[InputRequired(WHOLE)],
        invalid_value_message=WHOLE,
        default=0,
        description="The room is cleaned after the visit.",
        render_kw={"inputmode": "numeric"},
    )
    price = StringField(
        "Price in dollars",
        validators=[InputRequired("Enter a price; 0 when free.")],
        description="For example 350 or 350.00.",
        render_kw={"inputmode": "decimal"},
    )
    indications = CheckboxesField(
        "Treats", choices=[SelectChoice(i.value, i.label) for i in Indication], validate_choice=True
    )
    description = TextAreaField("Description", validators=[Optional(), at_most(2000)])
    is_active = BooleanField("Active (can be booked)", default=True)


def period_rows(ranges: Sequence[TimeRange], at_least: int) -> list[dict[str, time | None]]:
    """Form data for a day's periods, with blank rows to add more (always one, once used)."""
    rows: list[dict[str, time | None]] = [
        {"starts_at": r.starts_at, "ends_at": r.ends_at} for r in ranges
    ]
    extra = max(at_least - len(rows), 1 if rows else 0)
    return rows + [{"starts_at": None, "ends_at": None} for _ in range(extra)]


def read_periods(rows: FieldList, prefix: str, targets: dict[str, Field]) -> tuple[TimeRange, ...]:
    """The filled rows of a validated list as ranges, blank rows skipped.

    `targets` learns which row each service error key (`<prefix>.<position>`) points at,
    so a refusal lands beside the row the admin typed, whatever blank rows came before.
    """
    periods: list[TimeRange] = []
    for row in rows:
        period: PeriodForm = row.form
        if period.is_blank:
            continue
        targets[f"{prefix}.{len(periods)}"] = period.starts_at
        periods.append(TimeRange(period.starts_at.data, period.ends_at.data))
    return tuple(periods)
