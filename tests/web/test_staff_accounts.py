"""The admin's staff accounts: a new password for someone who forgot hers, and disabling
the account of someone who left (signed out at once, no sign-in, no API), never her own
or the last admin's; every change in the audit log."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic.accounts.models import User
from clinic.accounts.service import set_account_active
from clinic.audit.models import AuditEntry
from clinic.audit.service import SYSTEM
from clinic.clock import utcnow
from clinic.errors import RuleBroken
from clinic.extensions import db
from tests.conftest import PASSWORD, sign_in

NEW_PASSWORD = "a-new-password-2027"


def _user_id(app: Flask, email: str) -> int:
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == email))
        assert user_id is not None
        return user_id


def _actions(app: Flask, user_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.entity == "user", AuditEntry.entity_id == user_id)
                .order_by(AuditEntry.id)
            )
        )


def test_a_new_password_works_and_the_old_one_no_longer_does(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> None:
    desk_id = _user_id(app, staff["front_desk"])
    still_open = app.test_client()  # signed in with the old password: ended by the new one
    sign_in(still_open, staff["front_desk"])
    for _ in range(5):  # she forgot it: locked out, until the admin gives a new one
        still_open.post("/sign-in", data={"email": staff["front_desk"], "password": "wrong!"})
    sign_in(client, staff["admin"])
    assert "Front_Desk" in client.get("/admin/staff").get_data(as_text=True)

    short = client.post(f"/admin/staff/{desk_id}/password", data={"password": "short"})
    assert short.status_code == 422
    assert "Use at least 10 characters." in short.get_data(as_text=True)
    done = client.post(f"/admin/staff/{desk_id}/password", data={"password": NEW_PASSWORD})
    assert done.status_code == 302

    desk = app.test_client()
    old = desk.post("/sign-in", data={"email": staff["front_desk"], "password": PASSWORD})
    assert old.status_code == 401
    sign_in(desk, staff["front_desk"], NEW_PASSWORD)
    assert still_open.get("/admin/staff").headers["Location"].startswith("/sign-in")
    assert _actions(app, desk_id)[-1] == "set_password"
    with app.app_context():  # the audit says it changed, never what it is
        entries = db.session.scalars(select(AuditEntry)).all()
        assert not any(NEW_PASSWORD in (entry.summary + str(entry.changes)) for entry in entries)


def test_a_disabled_account_is_signed_out_and_refused_until_enabled(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> None:
    desk_id = _user_id(app, staff["front_desk"])
    desk = app.test_client()
    sign_in(desk, staff["front_desk"])
    token = desk.post(
        "/api/v1/tokens", json={"email": staff["front_desk"], "password": PASSWORD}
    ).json["token"]
    sign_in(client, staff["admin"])

    disabled = client.post(f"/admin/staff/{desk_id}/active", data={"wanted": "disable"})
    assert disabled.status_code == 302
    page = client.get(disabled.headers["Location"]).get_data(as_text=True)
    assert "account is disabled: they are signed out" in page and "Enable the account" in page
    # Sent again (a double click): still disabled, and said so.
    again = client.post(
        f"/admin/staff/{desk_id}/active", data={"wanted": "disable"}, follow_redirects=True
    )
    assert "account is disabled already" in again.get_data(as_text=True)

    gone = desk.get("/admin/staff")  # her open session has ended
    assert gone.status_code == 302 and gone.headers["Location"].startswith("/sign-in")
    refused = desk.post("/sign-in", data={"email": staff["front_desk"], "password": PASSWORD})
    assert refused.status_code == 401
    api = desk.get("/api/v1/clinic", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401

    client.post(f"/admin/staff/{desk_id}/active", data={"wanted": "enable"})
    sign_in(desk, staff["front_desk"])
    assert _actions(app, desk_id)[-2:] == ["disable", "enable"]


def test_an_admin_cannot_disable_herself_or_the_last_admin(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> None:
    admin_id = _user_id(app, staff["admin"])
    sign_in(client, staff["admin"])

    page = client.get(f"/admin/staff/{admin_id}").get_data(as_text=True)
    assert "Disable the account</button>" not in page and "This is your own account" in page
    answer = client.post(
        f"/admin/staff/{admin_id}/active", data={"wanted": "disable"}, follow_redirects=True
    )

    assert "You cannot disable your own account." in answer.get_data(as_text=True)
    assert client.get("/admin/staff").status_code == 200  # still signed in
    with app.app_context():  # nor can anyone else (a script, say) lock the clinic out
        admin = db.session.get(User, admin_id)
        assert admin is not None and admin.is_active_account
        with pytest.raises(RuleBroken, match="last admin"):
            set_account_active(admin, False, actor=SYSTEM, now=utcnow())


def test_an_admin_who_changes_her_own_password_stays_signed_in(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> None:
    admin_id = _user_id(app, staff["admin"])
    sign_in(client, staff["admin"])
    changed = client.post(
        f"/admin/staff/{admin_id}/password", data={"password": NEW_PASSWORD}, follow_redirects=True
    )
    assert "Your password is changed." in changed.get_data(as_text=True)
    assert client.get("/admin/staff").status_code == 200


def test_only_an_admin_manages_accounts(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> None:
    desk_id = _user_id(app, staff["front_desk"])
    for role in ("front_desk", "clinician"):
        other = app.test_client()
        sign_in(other, staff[role])
        assert other.get(f"/admin/staff/{desk_id}").status_code == 403
        for action, data in (
            ("password", {"password": NEW_PASSWORD}),
            ("active", {"wanted": "disable"}),
            ("revoke-tokens", {}),
        ):
            assert other.post(f"/admin/staff/{desk_id}/{action}", data=data).status_code == 403
    sign_in(client, staff["admin"])
    revoked = client.post(f"/admin/staff/{desk_id}/revoke-tokens", follow_redirects=True)
    assert "Revoked 0 API token(s) of Front_Desk." in revoked.get_data(as_text=True)
    assert _actions(app, desk_id) == ["create", "revoke_tokens"]
