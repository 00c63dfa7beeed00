"""The JSON API of ../shared/API.md, prefix /api/v1 (filled in by the API work)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
