"""Bearer-token authentication for the API.

Every API endpoint needs `Authorization: Bearer <token>` except the few in OPEN_ENDPOINTS
(API.md: only the OpenAPI document and POST /tokens are open). The token's user becomes
`g.api_user`, which `clinic.accounts.access.acting_user()` reads, so role checks and the
audit log's actor work exactly as for a signed-in page. A session cookie alone never
authenticates an API call.
"""

from __future__ import annotations

from flask import Response, g, request

from clinic.accounts.service import user_for_token
from clinic.clock import utcnow
from clinic.errors import Unauthorized

OPEN_ENDPOINTS = frozenset({"api.openapi_document", "api.issue_token"})


def presented_token() -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    token = value.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def authenticate_request() -> None:
    """Before each API request: a 401 unless an open endpoint or a live token."""
    if request.endpoint in OPEN_ENDPOINTS:
        return
    token = presented_token()
    if token is None:
        raise Unauthorized(
            "Send an Authorization: Bearer <token> header; POST /api/v1/tokens gives a token."
        )
    g.api_user = user_for_token(token, now=utcnow())
    g.api_token = token


def challenge_on_unauthorized(response: Response) -> Response:
    """After each API request: a 401 says which scheme to use (RFC 9110, section 11.6.1)."""
    if response.status_code == 401:
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="clinic"')
    return response
