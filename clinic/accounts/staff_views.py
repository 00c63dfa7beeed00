"""The admin's staff accounts: the list with a form to add one, and a page per account to
give a new password, disable or enable it, or revoke its API tokens. Every change is
audited (accounts.service)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required, login_user

from clinic.accounts import service
from clinic.accounts.access import ADMIN_ONLY, actor, require_role
from clinic.accounts.blueprint import bp
from clinic.accounts.forms import AccountActiveForm, NewPasswordForm, StaffForm
from clinic.accounts.models import Role, User
from clinic.clock import utcnow
from clinic.errors import RuleBroken
from clinic.extensions import db


@bp.route("/admin/staff", methods=["GET", "POST"])
@login_required
@require_role(*ADMIN_ONLY)
def staff() -> Any:
    form = StaffForm()
    status = 200
    if form.validate_on_submit():
        try:
            service.create_user(
                form.email.data or "",
                form.name.data or "",
                Role(form.role.data),
                form.password.data or "",
                actor=actor(),
                now=utcnow(),
            )
        except RuleBroken as refusal:
            db.session.rollback()
            for field, message in refusal.fields.items():
                getattr(form, field).errors = [message]
            status = 422
        else:
            db.session.commit()
            flash("Staff account created.", "success")
            return redirect(url_for("accounts.staff"))
    elif form.is_submitted():
        status = 422
    users = db.session.scalars(db.select(User).order_by(User.name)).all()
    return render_template("accounts/staff.html", form=form, users=users), status


@bp.post("/admin/staff/<int:user_id>/revoke-tokens")
@login_required
@require_role(*ADMIN_ONLY)
def revoke_tokens(user_id: int) -> Any:
    user = db.get_or_404(User, user_id)
    count = service.revoke_all_tokens(user, actor=actor(), now=utcnow())
    db.session.commit()
    flash(f"Revoked {count} API token(s) of {user.name}.", "success")
    return redirect(url_for("accounts.account", user_id=user.id))


@bp.get("/admin/staff/<int:user_id>")
@login_required
@require_role(*ADMIN_ONLY)
def account(user_id: int) -> Any:
    return _account_page(db.get_or_404(User, user_id), NewPasswordForm())


@bp.post("/admin/staff/<int:user_id>/password")
@login_required
@require_role(*ADMIN_ONLY)
def new_password(user_id: int) -> Any:
    user = db.get_or_404(User, user_id)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            service.set_password(user, form.password.data or "", actor=actor(), now=utcnow())
        except RuleBroken as refusal:
            db.session.rollback()
            form.password.errors = [refusal.fields.get("password", refusal.message)]
        else:
            db.session.commit()
            if user.id == current_user.id:  # her own: this session goes on with the new one
                login_user(user)
                flash("Your password is changed.", "success")
            else:
                flash(f"{user.name} has a new password; tell it to them in person.", "success")
            return redirect(url_for("accounts.account", user_id=user.id))
    return _account_page(user, form, 422)


@bp.post("/admin/staff/<int:user_id>/active")
@login_required
@require_role(*ADMIN_ONLY)
def set_active(user_id: int) -> Any:
    user = db.get_or_404(User, user_id)
    form = AccountActiveForm()
    if not form.validate_on_submit():
        flash("Choose to disable or to enable the account.", "error")
    elif (enable := form.wanted.data == "enable") == user.is_active_account:
        flash(f"{user.name}'s account is {'enabled' if enable else 'disabled'} already.", "info")
    else:
        try:
            service.set_account_active(user, enable, actor=actor(), now=utcnow())
        except RuleBroken as refusal:
            db.session.rollback()
            flash(refusal.message, "error")
        else:
            db.session.commit()
            state = "enabled: they can sign in again" if enable else "disabled: they are signed out"
            flash(f"{user.name}'s account is {state}.", "success")
    return redirect(url_for("accounts.account", user_id=user.id))


def _account_page(user: User, form: NewPasswordForm, status: int = 200) -> Any:
    return render_template(
        "accounts/account.html", user=user, form=form, active_form=AccountActiveForm()
    ), status
