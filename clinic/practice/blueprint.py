"""The `practice` blueprint (the admin's clinic setup under /admin) and what its views share:
putting a service's refusal onto the form that caused it, and the sentences that ask the
front desk to handle visits still booked in time a change took away (a closure, time off,
an inactive provider, narrower hours)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from flask import Blueprint, flash
from flask_wtf import FlaskForm
from wtforms import Field, FieldList, FormField

from clinic.errors import RuleBroken
from clinic.extensions import db
from clinic.reminders.new_times import may_be_messaged, when_asked

bp = Blueprint("practice", __name__, url_prefix="/admin")


def leaf_fields(fields: Iterator[Field] | FlaskForm) -> Iterator[Field]:
    """Every input field of a form, inside field lists and nested forms too."""
    for item in fields:
        if isinstance(item, FieldList | FormField):
            yield from leaf_fields(iter(item))
        else:
            yield item


def put_on_form(
    form: FlaskForm, refusal: RuleBroken, targets: Mapping[str, Field] | None = None
) -> None:
    """Undo the request's changes and show each refusal beside its field.

    A key is looked up in `targets` (service keys such as `hours.0.1`), then among the
    form's field names; a key that names no field, or a refusal without fields, is shown
    above the form. Nested fields also get the summary, since WTForms does not count them
    in `form.errors` after validation.
    """
    db.session.rollback()
    by_name = {f.name: f for f in leaf_fields(form)}
    nested = False
    for key, message in refusal.fields.items():
        target = (targets or {}).get(key) or by_name.get(key)
        if target is None:
            form.form_errors.append(message)
            continue
        target.errors = [*target.errors, message]
        nested = nested or target.name not in form._fields
    if not refusal.fields or nested:
        form.form_errors.insert(0, refusal.message)


def booked_sentence(count: int, span: str) -> str:
    """The warning for visits booked in a closure or time off (`span`, "this closure"):
    "2 booked visits fall in this closure — move or cancel them."

    The closure or time off is saved anyway, and the visits stay booked: only the front
    desk, with each patient, can choose a new time or cancel."""
    if count == 1:
        return f"1 booked visit falls in {span} — move or cancel it."
    return f"{count} booked visits fall in {span} — move or cancel them."


def outside_sentence(count: int, hours: str) -> str:
    """The warning for visits that new hours (`hours`, "the opening hours") leave out:
    "2 booked visits fall outside the opening hours — move or cancel them."

    Narrower hours are saved anyway, as a closure is: the visits stay booked until the front
    desk, with each patient, moves or cancels them."""
    if count == 1:
        return f"1 booked visit falls outside {hours} — move or cancel it."
    return f"{count} booked visits fall outside {hours} — move or cancel them."


def inactive_sentence(count: int, name: str) -> str:
    """The warning for an inactive provider's visits still ahead:
    "Ana Ruiz is inactive but still has 2 booked visits — move or cancel them."

    An inactive provider is offered for no new visit, but the ones already booked with her
    stay booked until the front desk moves them to someone else or cancels them."""
    if count == 1:
        return f"{name} is inactive but still has 1 booked visit — move or cancel it."
    return f"{name} is inactive but still has {count} booked visits — move or cancel them."


def flash_saved(saved: str, warning: str | None) -> None:
    """Say that the change is saved; with a warning about booked visits, as one warning that
    points to the list of them on the page it leads to."""
    if warning is None:
        flash(saved, "success")
    else:
        flash(f"{saved} {warning} They are listed below.", "warning")


bp.add_app_template_global(booked_sentence, "booked_sentence")
# The booked-visits list says who was asked, and whom the desk must call instead.
bp.add_app_template_global(when_asked, "when_asked")
bp.add_app_template_test(may_be_messaged, "messageable")
bp.add_app_template_global(inactive_sentence, "inactive_sentence")
bp.add_app_template_global(outside_sentence, "outside_sentence")
