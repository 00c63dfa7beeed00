"""The API's blueprint, prefix /api/v1, with the checks every API request passes.

The view modules (views.py for tokens, setup and patients; booking_views.py for screenings,
availability and appointments) register their routes on this one blueprint; importing
clinic.api.views imports them all, so the blueprint is complete wherever it is used.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from clinic.api.bearer import authenticate_request, challenge_on_unauthorized

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.before_request(authenticate_request)
bp.after_request(challenge_on_unauthorized)


@bp.after_request
def _not_cached(response: Response) -> Response:
    """Tokens and patient details must not linger in shared or browser caches."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def created(body: dict[str, Any], location: str) -> tuple[Response, int]:
    """A 201 with the new resource's address in Location."""
    response = jsonify(body)
    response.headers["Location"] = location
    return response, 201
