"""The admin's page onto the audit log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_login import login_required

from clinic.accounts.access import ADMIN_ONLY, require_role
from clinic.audit.service import list_entries
from clinic.web import id_arg

bp = Blueprint("audit", __name__)

PAGE_SIZE = 100


@bp.get("/admin/audit")
@login_required
@require_role(*ADMIN_ONLY)
def log() -> Any:
    entity = request.args.get("entity", "").strip() or None
    before = id_arg("before")
    entries = list_entries(entity=entity, limit=PAGE_SIZE, before_id=before)
    older = entries[-1].id if len(entries) == PAGE_SIZE else None
    return render_template("audit/log.html", entries=entries, entity=entity or "", older=older)
