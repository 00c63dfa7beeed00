"""The plan pages' forms: shape checks only (types, lengths, required answers), never a query.

Whether a count of sessions is allowed, and why not, is the plan rules' to say; the builder
only checks that it is a whole number.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, NumberRange, Optional

from clinic.plans.models import Outcome
from clinic.practice.forms import CheckboxesField
from clinic.practice.rules import Indication
from clinic.web import TypedDateField, at_most

REASON_MAX = 300
NOTES_MAX = 4000

INDICATION_CHOICES = [SelectChoice(i.value, i.label) for i in Indication]
INDICATION_LABELS = {i.value: i.label for i in Indication}
OUTCOME_LABELS = {Outcome.A_LOT: "A lot", Outcome.SOME: "Some", Outcome.NONE: "None"}
RATING_LABELS = {
    1: "1 (unhappy)",
    2: "2",
    3: "3",
    4: "4",
    5: "5 (delighted)",
}


# A count is read here; how many a plan may have is the plan rules' to say (0, 6: their
# sentence), so the form refuses only what is no count at all.
A_COUNT = "Enter the number of sessions a year, such as 2."


class PlanForm(FlaskForm):
    """The plan builder; its two buttons send `action`: "preview" (show the targets) or
    "create" (save)."""

    indications = CheckboxesField(
        "What the plan treats",
        choices=INDICATION_CHOICES,
        validators=[InputRequired("Choose at least one indication.")],
    )
    start_date = TypedDateField(
        "Start date", validators=[InputRequired("Enter the date the plan starts.")]
    )
    sessions_per_year = IntegerField(
        "Sessions a year",
        validators=[Optional(), NumberRange(min=0, max=99, message=A_COUNT)],
        invalid_value_message=A_COUNT,
    )
    override_reason = TextAreaField(
        "Clinician's reason for more sessions (optional)",
        validators=[Optional(), at_most(REASON_MAX)],
    )


class PlanChangeForm(FlaskForm):
    """Change an open plan: what it treats and how many sessions a year (the plan page)."""

    indications = CheckboxesField(
        "What the plan treats",
        choices=INDICATION_CHOICES,
        validators=[InputRequired("Choose at least one indication.")],
    )
    sessions_per_year = IntegerField(
        "Sessions a year",
        validators=[
            InputRequired("Enter how many sessions a year."),
            NumberRange(min=0, max=99, message=A_COUNT),
        ],
        invalid_value_message=A_COUNT,
    )
    override_reason = TextAreaField(
        "Clinician's reason for more sessions (optional)",
        validators=[Optional(), at_most(REASON_MAX)],
        id="change_override_reason",
    )


# The plan page shows both forms: each reason box has its own id, so each label opens its
# own box (a shared id="reason" sent the cancel label to the pause box).
class PauseForm(FlaskForm):
    reason = TextAreaField(
        "Why is the plan paused?",
        validators=[DataRequired("Enter a reason."), at_most(REASON_MAX)],
        id="pause_reason",
    )


class CancelPlanForm(FlaskForm):
    reason = TextAreaField(
        "Why is the plan cancelled?",
        validators=[DataRequired("Enter a reason."), at_most(REASON_MAX)],
        id="cancel_reason",
    )


class ResumeForm(FlaskForm):
    """Resume a paused plan: one button, the CSRF token only."""


class ReopenForm(FlaskForm):
    """Give a missed session a new window: one button, the CSRF token only."""


class SessionSearchForm(FlaskForm):
    """Which service and provider to show free times for (GET, so no CSRF token)."""

    class Meta:
        csrf = False

    service_id = SelectField("Service", coerce=int, validators=[Optional()])
    provider_id = SelectField("Provider", coerce=int, default=0, validators=[Optional()])


class SlotForm(FlaskForm):
    """One click on a free time: `slot` is "<ISO start>|<provider id>"."""

    service_id = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])
    slot = HiddenField(validators=[InputRequired("Choose a time.")])


def outcome_field_name(indication: str) -> str:
    return f"result_{indication}"


def outcome_form(indications: list[str], data: object | None = None) -> FlaskForm:
    """The results check-in: per indication how much it improved, the patient's own rating,
    notes, and whether she renews. Nothing is preselected: an unanswered question is an
    error, never a default."""

    class OutcomeForm(FlaskForm):
        patient_rating = RadioField(
            "The patient's own rating",
            choices=[SelectChoice(str(n), label) for n, label in RATING_LABELS.items()],
            validators=[InputRequired("Choose a rating from 1 to 5.")],
        )
        notes = TextAreaField("Notes", validators=[Optional(), at_most(NOTES_MAX)])
        renew = RadioField(
            "Renew for another year?",
            choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
            validators=[InputRequired("Answer yes or no."), AnyOf(["yes", "no"])],
        )

    for indication in indications:
        label = INDICATION_LABELS.get(indication, indication)
        setattr(
            OutcomeForm,
            outcome_field_name(indication),
            RadioField(
                label,
                choices=[SelectChoice(o.value, OUTCOME_LABELS[o]) for o in Outcome],
                validators=[InputRequired("Choose a lot, some or none.")],
            ),
        )
    return OutcomeForm(formdata=data)
