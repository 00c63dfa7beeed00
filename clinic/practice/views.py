"""The admin's pages for the clinic's setup (filled in by the setup pages work)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import login_required

from clinic.accounts.access import ADMIN_ONLY, require_role

bp = Blueprint("practice", __name__, url_prefix="/admin")


@bp.get("/settings")
@login_required
@require_role(*ADMIN_ONLY)
def settings() -> Any:
    return render_template("practice/settings.html")
