"""Staff sign-in and sign-out, with the failed sign-in limit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import login_required, login_user, logout_user

from clinic.accounts import service
from clinic.accounts.blueprint import bp
from clinic.accounts.forms import SignInForm
from clinic.accounts.rules import SignInLimit
from clinic.clock import utcnow
from clinic.errors import TooManyAttempts, Unauthorized
from clinic.extensions import db
from clinic.web import safe_next


def sign_in_limit() -> SignInLimit:
    config = current_app.config
    return SignInLimit(
        max_per_account=int(config["SIGN_IN_MAX_FAILURES_PER_ACCOUNT"]),
        max_per_address=int(config["SIGN_IN_MAX_FAILURES_PER_ADDRESS"]),
        window=timedelta(minutes=int(config["SIGN_IN_WINDOW_MINUTES"])),
    )


def client_address() -> str:
    return (request.remote_addr or "unknown")[:64]


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Any:
    form = SignInForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = service.authenticate(
                form.email.data or "",
                form.password.data or "",
                client_address(),
                limit=sign_in_limit(),
                now=utcnow(),
            )
        except TooManyAttempts as refusal:
            form.form_errors.append(refusal.message)
            status = 429
        except Unauthorized as refusal:
            db.session.commit()  # keep the failure, so the limit counts it
            form.password.errors = [refusal.message]
            status = 401
        else:
            db.session.commit()
            session.clear()  # nothing of an earlier (patient or staff) session carries over
            login_user(user)
            return redirect(safe_next(request.args.get("next"), url_for("desk.day_view")))
    elif form.is_submitted():
        status = 400
    return render_template("accounts/sign_in.html", form=form), status


@bp.post("/sign-out")
@login_required
def sign_out() -> Any:
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("accounts.sign_in"))
