"""Security at the edges: CSRF, roles, the failed sign-in limit, secrets, headers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from config import ConfigError, load_config
from tests.conftest import PASSWORD, sign_in

ROOT = Path(__file__).resolve().parents[2]


def test_a_form_posted_without_its_csrf_token_is_refused(
    csrf_app: Flask, staff: dict[str, str]
) -> None:
    client = csrf_app.test_client()
    response = client.post("/sign-in", data={"email": staff["admin"], "password": PASSWORD})
    assert response.status_code == 400
    assert "did not come from this site" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not signed in


def test_a_form_with_its_csrf_token_is_accepted(csrf_app: Flask, staff: dict[str, str]) -> None:
    client = csrf_app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/sign-in", data={"email": staff["admin"], "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


@pytest.mark.parametrize("path", ["/admin/settings", "/admin/staff", "/admin/audit"])
@pytest.mark.parametrize("role", ["front_desk", "clinician"])
def test_only_admins_open_admin_pages(
    client: FlaskClient, staff: dict[str, str], setup_clinic: None, path: str, role: str
) -> None:
    sign_in(client, staff[role])
    response = client.get(path)
    assert response.status_code == 403
    assert "Your role may not do this." in response.get_data(as_text=True)


def test_admin_opens_admin_pages(
    client: FlaskClient, staff: dict[str, str], setup_clinic: None
) -> None:
    sign_in(client, staff["admin"])
    for path in ("/admin/settings", "/admin/staff", "/admin/audit"):
        assert client.get(path).status_code == 200, path


def test_sign_in_is_blocked_after_five_failures_even_with_the_right_password(
    client: FlaskClient, staff: dict[str, str]
) -> None:
    for _ in range(5):
        response = client.post("/sign-in", data={"email": staff["admin"], "password": "wrong"})
        assert response.status_code == 401
    response = client.post("/sign-in", data={"email": staff["admin"], "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.get_data(as_text=True)
    # Another account from another address is not affected.
    other = client.post(
        "/sign-in",
        data={"email": staff["clinician"], "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.9.9.9"},
    )
    assert other.status_code == 302


def test_one_address_guessing_many_accounts_is_blocked(
    client: FlaskClient, staff: dict[str, str]
) -> None:
    for number in range(20):
        client.post(
            "/sign-in",
            data={"email": f"guess{number}@test.clinic", "password": "x"},
            environ_base={"REMOTE_ADDR": "10.1.1.1"},
        )
    response = client.post(
        "/sign-in",
        data={"email": staff["admin"], "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.1.1.1"},
    )
    assert response.status_code == 429


def test_the_limit_is_counted_in_the_database(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> None:
    """A second app (another process or host) sees the same failures."""
    for _ in range(5):
        client.post("/sign-in", data={"email": staff["admin"], "password": "wrong"})
    other_process = Flask.test_client(app)  # a fresh client: no shared cookies or memory
    response = other_process.post("/sign-in", data={"email": staff["admin"], "password": PASSWORD})
    assert response.status_code == 429


def test_production_refuses_to_start_without_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLINIC_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config()
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config()
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    assert load_config()["SECRET_KEY"] == "x" * 64


def test_the_command_line_says_how_to_set_the_secret() -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "CLINIC_ENV"}}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "users", "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is missing" in result.stderr
    assert "secrets.token_hex" in result.stderr


def test_session_cookie_is_httponly_and_samesite(
    client: FlaskClient, staff: dict[str, str]
) -> None:
    response = client.post("/sign-in", data={"email": staff["admin"], "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_production_cookies_are_secure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLINIC_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "y" * 64)
    settings = load_config()
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_HTTPONLY"] is True


def test_next_parameter_cannot_send_users_elsewhere(
    client: FlaskClient, staff: dict[str, str]
) -> None:
    response = client.post(
        "/sign-in?next=//evil.example/", data={"email": staff["admin"], "password": PASSWORD}
    )
    assert response.headers["Location"] == "/calendar"


def test_behind_a_trusted_proxy_the_limit_counts_each_client(
    database_url: str, staff: dict[str, str], app: Flask
) -> None:
    from clinic import create_app

    proxied = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False, "TRUSTED_PROXIES": 1}
    )
    client = proxied.test_client()
    for number in range(20):  # one client guesses many accounts through the proxy
        client.post(
            "/sign-in",
            data={"email": f"guess{number}@test.clinic", "password": "x"},
            headers={"X-Forwarded-For": "203.0.113.7"},
        )
    blocked = client.post(
        "/sign-in",
        data={"email": staff["admin"], "password": PASSWORD},
        headers={"X-Forwarded-For": "203.0.113.7"},
    )
    assert blocked.status_code == 429
    other = client.post(
        "/sign-in",
        data={"email": staff["admin"], "password": PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.4"},
    )
    assert other.status_code == 302  # another client behind the same proxy
