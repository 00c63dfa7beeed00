"""The admin's page onto the audit log."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_login import login_required

from clinic.accounts.access import ADMIN_ONLY, require_role
from clinic.audit.models import AuditEntry
from clinic.audit.service import list_entries
from clinic.web import id_arg, local_datetime

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


@bp.app_template_filter("audit_record_url")
def audit_record_url(entry: AuditEntry) -> str | None:
    """The page of the record an entry is about, when it has one."""
    page = RECORD_PAGES.get(entry.entity)
    if page is None or entry.entity_id is None:
        return None
    endpoint, argument = page
    values: dict[str, Any] = {argument: entry.entity_id}
    return url_for(endpoint, **values)


@bp.app_template_filter("audit_value")
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


@bp.app_template_filter("audit_key")
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
        entity=entity or "",
        older=older,
        record_types=RECORD_TYPES,
    )
