"""The admin's page onto the audit log."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import suppress
from datetime import datetime
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import Select, select

from clinic.accounts.access import ADMIN_ONLY, require_role
from clinic.accounts.models import User
from clinic.audit.models import AuditEntry
from clinic.audit.service import list_entries
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.plans.models import Plan
from clinic.practice.models import Closure, Provider, Room, Service, TimeOff
from clinic.scheduling.models import Appointment
from clinic.web import id_arg, local_datetime, long_day

bp = Blueprint("audit", __name__)

PAGE_SIZE = 100

# The record types the log holds, as the filter offers them, and the page each one opens on
# (by endpoint name: the audit log sits below the capabilities whose pages these are).
RECORD_TYPES = {
    "appointment": "Visits",
    "patient": "Patients",
    "plan": "Plans",
    "message": "Messages",
    "provider": "Providers",
    "time_off": "Time off",
    "closure": "Closures",
    "room": "Rooms",
    "service": "Services",
    "clinic": "Clinic settings",
    "user": "Staff accounts",
}
RECORD_PAGES = {
    "appointment": ("desk.visit_page", "appointment_id"),
    "patient": ("patients.show", "patient_id"),
    "plan": ("plans.show_plan", "plan_id"),
    "provider": ("practice.edit_provider", "provider_id"),
}


def _patient_name(first: str, last: str) -> str:
    return f"{first} {last}"


# How each record type is named on the page, read now (a renamed patient shows her new
# name; a removed record keeps its bare id): the rows to read for some ids, and the words
# made of a row's columns after its id.
_NAMED_BY: dict[str, tuple[Callable[[], Select[*tuple[Any, ...]]], Callable[..., str]]] = {
    "patient": (
        lambda: select(Patient.id, Patient.first_name, Patient.last_name),
        _patient_name,
    ),
    "appointment": (
        lambda: select(
            Appointment.id, Patient.first_name, Patient.last_name, Appointment.starts_at
        ).join(Patient, Patient.id == Appointment.patient_id),
        # "now": an old entry ("Booked") is not about the time the visit has today.
        lambda first, last, at: f"{_patient_name(first, last)}, now {local_datetime(at)}",
    ),
    "plan": (
        lambda: select(Plan.id, Patient.first_name, Patient.last_name).join(
            Patient, Patient.id == Plan.patient_id
        ),
        lambda first, last: f"{_patient_name(first, last)}'s plan",
    ),
    "provider": (lambda: select(Provider.id, Provider.name), str),
    "room": (lambda: select(Room.id, Room.name), str),
    "service": (lambda: select(Service.id, Service.name), str),
    "user": (lambda: select(User.id, User.name), str),
    "closure": (
        lambda: select(Closure.id, Closure.name, Closure.on),
        lambda name, on: f"{name}, {long_day(on)}",
    ),
    "time_off": (
        lambda: select(TimeOff.id, Provider.name, TimeOff.starts_at).join(
            Provider, Provider.id == TimeOff.provider_id
        ),
        lambda name, starts_at: f"{name}, from {local_datetime(starts_at)}",
    ),
}


def _referenced(key: str, value: Any) -> tuple[str, list[int]] | None:
    """The record type and ids a change refers to by id ("provider_id": 3, or [3, 4])."""
    entity = key.removesuffix("_id")
    if entity == key or entity not in _NAMED_BY:
        return None
    values = value if isinstance(value, list) else [value]
    return entity, [v for v in values if isinstance(v, int) and not isinstance(v, bool)]


def record_names(entries: Iterable[AuditEntry]) -> dict[tuple[str, int], str]:
    """The name of each record the entries are about or refer to in their changes, one
    query per record type."""
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        if entry.entity in _NAMED_BY and entry.entity_id is not None:
            wanted.setdefault(entry.entity, set()).add(entry.entity_id)
        for key, value in entry.changes.items():
            if (reference := _referenced(key, value)) is not None:
                wanted.setdefault(reference[0], set()).update(reference[1])
    names: dict[tuple[str, int], str] = {}
    for entity, ids in wanted.items():
        rows, words = _NAMED_BY[entity]
        query = rows()
        key_column = query.selected_columns[0]
        for record_id, *columns in db.session.execute(query.where(key_column.in_(ids))):
            names[entity, record_id] = words(*columns)
    return names


def readable_change(key: str, value: Any, names: dict[tuple[str, int], str]) -> str:
    """A recorded change as people read it, a record's id as its name ("room: Rose → Sage")."""
    reference = _referenced(key, value)
    if reference is None:
        return audit_value(value)
    entity = reference[0]

    def named(item: Any) -> Any:
        return names.get((entity, item), f"#{item}") if isinstance(item, int) else item

    return audit_value([named(v) for v in value] if isinstance(value, list) else named(value))


@bp.app_template_filter("audit_record_url")
def audit_record_url(entry: AuditEntry) -> str | None:
    """The page of the record an entry is about, when it has one."""
    page = RECORD_PAGES.get(entry.entity)
    if page is None or entry.entity_id is None:
        return None
    endpoint, argument = page
    values: dict[str, Any] = {argument: entry.entity_id}
    return url_for(endpoint, **values)


def audit_value(value: Any) -> str:
    """A recorded value as people read it: a change as "old → new", an instant in the
    clinic's local time, yes/no, and a dash for nothing."""
    if isinstance(value, list) and len(value) == 2:
        return f"{audit_value(value[0])} → {audit_value(value[1])}"
    if isinstance(value, list):
        return ", ".join(audit_value(item) for item in value)
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and "T" in value:
        with suppress(ValueError):
            at = datetime.fromisoformat(value)
            if at.tzinfo is not None:
                return local_datetime(at)
    return str(value)


def audit_key(key: str) -> str:
    """A recorded field's name in words: "provider_id" reads "provider"."""
    return key.removesuffix("_id").replace("_", " ")


@bp.get("/admin/audit")
@login_required
@require_role(*ADMIN_ONLY)
def log() -> Any:
    entity = request.args.get("entity", "").strip() or None
    before = id_arg("before")
    entries = list_entries(entity=entity, limit=PAGE_SIZE, before_id=before)
    older = entries[-1].id if len(entries) == PAGE_SIZE else None
    return render_template(
        "audit/log.html",
        entries=entries,
        names=record_names(entries),
        audit_key=audit_key,
        readable_change=readable_change,
        entity=entity or "",
        older=older,
        record_types=RECORD_TYPES,
    )
