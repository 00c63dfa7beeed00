"""Signing in by link, and signing out.

The sign-in page answers a known and an unknown email alike (same page, same status, the
same work up to the mail, which goes after the answer on its own thread). The link lands
on a page with one button: a mail scanner that opens links does not use it up.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for

from clinic.accounts.sign_in_views import client_address
from clinic.clock import utcnow
from clinic.errors import TooManyAttempts
from clinic.extensions import db
from clinic.portal.access import LinkState, find_link, request_link, use_link
from clinic.portal.blueprint import (
    SIGNED_OUT,
    bp,
    end_patient_session,
    portal_destination,
    portal_policy,
    signed_in_patient_id,
    start_patient_session,
)
from clinic.portal.mail import link_email, send_now
from clinic.practice.service import get_clinic


def _email_problem(raw: str) -> str | None:
    """Shape only: whether the email is known is never said."""
    email = raw.strip()
    if not email:
        return "Enter your email address."
    if len(email) > 254 or "@" not in email or " " in email:
        return "Enter an email address like name@example.com."
    return None


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Any:
    destination = portal_destination(request.values.get("next"))
    if request.method == "GET":
        return _sign_in_page("", None, destination)
    email = request.form.get("email", "")
    problem = _email_problem(email)
    if problem is not None:
        return _sign_in_page(email, problem, destination), 422
    policy = portal_policy()
    now = utcnow()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        issued = request_link(
            email,
            client_address(),
            secret=str(app.config["SECRET_KEY"]),
            policy=policy,
            now=now,
        )
    except TooManyAttempts as refusal:
        db.session.rollback()
        response = current_app.make_response(
            (_sign_in_page(email, refusal.message, destination), 429)
        )
        response.headers["Retry-After"] = str(refusal.retry_after_seconds)
        return response
    outgoing = None
    if issued is not None:
        base = str(app.config["CLINIC_BASE_URL"]).rstrip("/")
        url = base + url_for("portal.landing", token=issued.signed_token, next=destination)
        outgoing = link_email(
            app,
            issued,
            email.strip(),
            clinic=get_clinic(),
            url=url,
            minutes=policy.link_minutes,
        )
    db.session.commit()
    if outgoing is not None:
        send_now(app, outgoing)
    return render_template(
        "portal/link_sent.html", minutes=policy.link_minutes, destination=destination
    )


def _sign_in_page(email: str, error: str | None, destination: str | None) -> str:
    return render_template("portal/sign_in.html", email=email, error=error, destination=destination)


@bp.route("/sign-in/<token>", methods=["GET", "POST"])
def landing(token: str) -> Any:
    """One button signs her in, then opens the page she was after (the link carries it)."""
    secret = str(current_app.config["SECRET_KEY"])
    now = utcnow()
    destination = portal_destination(request.args.get("next"))
    state = find_link(secret, token, now=now)
    if not state.usable and state.genuine and signed_in_patient_id() is not None:
        # A link of ours, used already, tapped again from the email: she is signed in (as
        # herself, whoever's link it was: nothing of anyone else's is shown); go on.
        return redirect(destination or url_for("portal.home"))
    if not state.usable:
        return render_template("portal/link_expired.html", destination=destination), 410
    if request.method == "GET":
        return _landing_page(state, token, None, destination)
    chosen = request.form.get("patient_id", type=int)
    patient = use_link(state, chosen, now=now)
    if patient is None:
        db.session.rollback()
        if len(state.patients) > 1 and chosen not in {p.id for p in state.patients}:
            return _landing_page(state, token, "Choose who is signing in.", destination), 422
        return render_template("portal/link_expired.html", destination=destination), 410
    db.session.commit()
    start_patient_session(patient)
    return redirect(destination or url_for("portal.home"))


def _landing_page(state: LinkState, token: str, error: str | None, destination: str | None) -> str:
    return render_template(
        "portal/landing.html", state=state, token=token, error=error, destination=destination
    )


@bp.post("/sign-out")
def sign_out() -> Any:
    end_patient_session()
    flash(SIGNED_OUT, "success")
    return redirect(url_for("portal.sign_in"))
