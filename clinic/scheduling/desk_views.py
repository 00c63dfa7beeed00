"""The `desk` blueprint (the front desk's calendar, finder, visit and screening pages) and
what its views share: reading the day asked for, and turning a service's refusal into what
the page shows (field messages for a 422, the visits in the way for a 409)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from flask import Blueprint
from flask_wtf import FlaskForm

from clinic.errors import Conflict, NotFound, RuleBroken
from clinic.extensions import db
from clinic.scheduling.models import Appointment
from clinic.scheduling.service import get_appointment
from clinic.web import is_sane_date

bp = Blueprint("desk", __name__)

STATUS_LABELS = {
    "booked": "Booked",
    "checked_in": "Checked in",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "no_show": "No-show",
}

CONFLICT_LABELS = {"provider": "the provider", "room": "the room", "patient": "the patient"}


@dataclass(frozen=True)
class ConflictNote:
    """One visit in the way of a booking, as the page names it."""

    kind: str
    sentence: str
    appointment: Appointment | None


def read_day(raw: str | None, default: date) -> tuple[date, str | None]:
    """A YYYY-MM-DD query argument, `default` when it is absent; an unreadable or far-off
    one means `default` too, with a sentence for the page saying so."""
    try:
        day = date.fromisoformat(raw) if raw else default
    except ValueError:
        return default, f"“{raw[:20] if raw else ''}” is not a date; showing {default:%-d %B %Y}."
    if not is_sane_date(day):
        return default, f"{day.isoformat()} is too far off; showing {default:%-d %B %Y}."
    return day, None


def put_refusal(
    form: FlaskForm, refusal: RuleBroken, targets: Mapping[str, str] | None = None
) -> None:
    """Undo the request's changes and show each message beside its field.

    A service key is looked up in `targets` (e.g. "start" -> "at_time"), then among the
    form's fields; a message for no field, or a refusal without fields, goes above the form.
    """
    db.session.rollback()
    shown_above: list[str] = []
    for key, message in refusal.fields.items():
        name = (targets or {}).get(key, key)
        field = form._fields.get(name)
        if field is None or getattr(field.widget, "input_type", None) == "hidden":
            shown_above.append(message)
        else:
            field.errors = [*field.errors, message]
    if not refusal.fields or shown_above:
        form.form_errors.extend(shown_above or [refusal.message])


def conflict_notes(conflict: Conflict) -> list[ConflictNote]:
    """The visits a 409 names (each once, with what it holds), loaded for their links."""
    db.session.rollback()
    kinds: dict[int, list[str]] = {}
    for item in conflict.conflicts:
        kinds.setdefault(int(item["appointment_id"]), []).append(str(item["kind"]))
    notes: list[ConflictNote] = []
    for appointment_id, held in kinds.items():
        try:
            appointment: Appointment | None = get_appointment(appointment_id)
        except NotFound:
            appointment = None
        busy = " and ".join(CONFLICT_LABELS.get(kind, kind) for kind in held)
        # Named by the link that follows (patient, service, time), not by its row id.
        who = "This visit" if appointment is not None else "Another visit"
        notes.append(ConflictNote(", ".join(held), f"{who} holds {busy}", appointment))
    return notes
