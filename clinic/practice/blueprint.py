"""The `practice` blueprint (the admin's clinic setup under /admin) and what its views share:
putting a service's refusal onto the form that caused it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from flask import Blueprint
from flask_wtf import FlaskForm
from wtforms import Field, FieldList, FormField

from clinic.errors import RuleBroken
from clinic.extensions import db

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
