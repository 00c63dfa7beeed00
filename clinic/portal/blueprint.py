"""The portal blueprint, its own patient session, and what every portal page shares.

A patient's session lives under the portal's own keys in the signed session cookie, never
in Flask-Login's user: staff pages (Flask-Login) see no user in it, and a staff session is
no patient's. It ends after `PORTAL_IDLE_MINUTES` without a request.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from clinic.clock import utcnow
from clinic.errors import form_refused
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.portal.dates import portal_date
from clinic.portal.rules import PortalPolicy, session_expired
from clinic.practice.service import open_span
from clinic.web import safe_next

bp = Blueprint("portal", __name__, url_prefix="/portal")
bp.add_app_template_filter(portal_date, "portal_date")
bp.add_app_template_global(open_span, "open_span")

PATIENT_KEY = "portal_patient_id"
SEEN_KEY = "portal_seen_at"
SIGNED_OUT = "You are signed out. Ask for a new link whenever you want to come back."
# Signing out needs no session: a stale "Sign out" just lands on the sign-in page.
OPEN_ENDPOINTS = frozenset(
    {"portal.sign_in", "portal.landing", "portal.calendar_feed", "portal.sign_out"}
)
# A destination rides in the emailed link: a longer one is not a page of ours.
LONGEST_DESTINATION = 300


def portal_policy() -> PortalPolicy:
    """The settings as a policy (defaults when a setting is not given)."""
    config = current_app.config
    defaults = PortalPolicy()
    return PortalPolicy(
        link_minutes=int(config.get("PORTAL_LINK_MINUTES", defaults.link_minutes)),
        max_links_per_email=int(
            config.get("PORTAL_LINK_MAX_PER_EMAIL", defaults.max_links_per_email)
        ),
        max_links_per_address=int(
            config.get("PORTAL_LINK_MAX_PER_ADDRESS", defaults.max_links_per_address)
        ),
        link_window_minutes=int(
            config.get("PORTAL_LINK_WINDOW_MINUTES", defaults.link_window_minutes)
        ),
        idle_minutes=int(config.get("PORTAL_IDLE_MINUTES", defaults.idle_minutes)),
    )


def start_patient_session(patient: Patient) -> None:
    """A fresh session for her: whatever the cookie held before is dropped."""
    session.clear()
    session[PATIENT_KEY] = patient.id
    session[SEEN_KEY] = utcnow().timestamp()


def end_patient_session() -> None:
    session.pop(PATIENT_KEY, None)
    session.pop(SEEN_KEY, None)


def signed_in_patient_id() -> int | None:
    """The patient this browser is signed in as (the session may since have gone idle:
    the next portal page then asks to sign in again)."""
    patient_id = session.get(PATIENT_KEY)
    return patient_id if isinstance(patient_id, int) else None


def current_patient() -> Patient:
    patient: Patient = g.portal_patient
    return patient


def portal_destination(target: str | None) -> str | None:
    """The portal page to open once signed in (a reminder's link to the screening, say):
    a path on this site that names a page of the portal she reads signed in; not a sign-in
    page, not the home page (where signing in goes anyway); else None. It is matched against
    the routes themselves, so "/portal/./sign-in/<token>" or "/portal/../patients" (which a
    browser tidies into another page) names nothing."""
    path = safe_next(target, "")
    if not path.startswith("/portal/") or len(path) > LONGEST_DESTINATION:
        return None
    try:
        endpoint, _ = current_app.url_map.bind(request.host).match(
            urlsplit(path).path, method="GET"
        )
    except HTTPException:  # no such page, or one only reached by another path
        return None
    if not endpoint.startswith("portal.") or endpoint in OPEN_ENDPOINTS:
        return None
    return None if endpoint == "portal.home" else path


def _to_sign_in() -> Any:
    """The sign-in page, keeping the page she was on. A form sent without a session is not
    saved (nor sent again after signing in): she is told so, and comes back to the page the
    form was on."""
    if request.method in ("GET", "HEAD"):
        wanted: str | None = request.full_path.rstrip("?")
    else:
        flash("What you sent was not saved: sign in, then send it again.", "info")
        came_from = urlsplit(request.referrer or "")
        same_site = came_from.netloc in ("", request.host)
        wanted = came_from.path + (f"?{came_from.query}" if came_from.query else "")
        wanted = wanted if same_site else None
    return redirect(url_for("portal.sign_in", next=portal_destination(wanted)))


@bp.errorhandler(CSRFError)
def form_without_session(error: CSRFError) -> Any:
    """A form sent from a browser that holds no portal session (its cookie cleared, a mail
    app's own browser) fails its CSRF check before anything else looks at it. It is
    answered as a signed-out visit would be: a "Sign out" lands on the sign-in page, a sign-in
    page comes back to be sent again (its emailed link still good), any other form is not
    saved and she is asked to sign in. With a session, the refusal stands, but for "Sign
    out" (a tab left open before she signed in again): it signs her out, which any page
    may ask of her."""
    if request.endpoint == "portal.sign_out":
        end_patient_session()
        flash(SIGNED_OUT, "success")
        return redirect(url_for("portal.sign_in"))
    if signed_in_patient_id() is not None:
        return form_refused()
    if request.endpoint in OPEN_ENDPOINTS:  # the sign-in pages: the same page, to send again
        flash("Please send that again: the page had been open a while.", "info")
        return redirect(request.full_path.rstrip("?"))
    return _to_sign_in()


@bp.before_request
def require_patient() -> Any:
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    patient_id = signed_in_patient_id()
    if patient_id is None:
        return _to_sign_in()
    now = utcnow()
    if session_expired(session.get(SEEN_KEY), now, portal_policy()):
        end_patient_session()
        flash("You were signed out after a while without activity. Ask for a new link.", "info")
        return _to_sign_in()
    patient = db.session.get(Patient, patient_id)
    if patient is None:
        end_patient_session()
        return _to_sign_in()
    session[SEEN_KEY] = now.timestamp()
    g.portal_patient = patient
    return None


@bp.context_processor
def portal_context() -> dict[str, Any]:
    return {"patient": g.get("portal_patient")}
