"""Fixtures shared by every layer of tests.

The database is chosen by TEST_DATABASE_URL: unset means SQLite (a file in a temporary
folder, so threads and the live server share it); a PostgreSQL URL means a fresh database
with a random name on that server, created for this run and dropped after it. Either way the
schema comes from the Alembic migrations, exactly as in production, and every table is
emptied after each test.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from clinic import create_app
from clinic.extensions import db

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"


def _postgres_admin_url(url: str) -> sa.URL:
    return sa.make_url(url).set(database="postgres")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not url or url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'clinic-test.sqlite3'}"
        return
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"clinic_test_{secrets.token_hex(4)}"
    admin = sa.create_engine(_postgres_admin_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield str(sa.make_url(url).set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as connection:
            connection.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"
                ),
                {"name": name},
            )
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    os.environ["CLINIC_ENV"] = "test"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "CLINIC_TIMEZONE": "America/Los_Angeles",
            "WTF_CSRF_ENABLED": False,
            "SERVER_NAME": None,
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def csrf_app(app: Flask, database_url: str) -> Flask:
    """The same database as `app`, with CSRF protection on, as in production."""
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "CLINIC_TIMEZONE": "America/Los_Angeles",
        }
    )


@pytest.fixture
def is_postgres(app: Flask) -> bool:
    return str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql")


def _empty_all_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
        )
    else:
        for table in tables:
            db.session.execute(sa.text(f'DELETE FROM "{table}"'))
    db.session.commit()


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    """An app context for a service test, and empty tables after it."""
    with app.app_context():
        yield app
        db.session.rollback()
        db.session.remove()


@pytest.fixture(autouse=True)
def _empty_tables_after_test(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "app" in request.fixturenames:
        app: Flask = request.getfixturevalue("app")
        with app.app_context():
            _empty_all_tables()
            db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client with no app context held open around it.

    Each request then gets its own context and `g`, as in production. Set up data with
    `with app.app_context():` blocks (see `staff` and `setup_clinic`).
    """
    return app.test_client()


@pytest.fixture
def now() -> datetime:
    return datetime(2027, 3, 10, 17, 0, tzinfo=UTC)  # Wed 10 Mar 2027, 09:00 in Los Angeles


@pytest.fixture
def staff(app: Flask) -> dict[str, str]:
    """One staff account per role; returns {role: email}. The password is PASSWORD."""
    from clinic.accounts.models import Role
    from clinic.accounts.service import create_user
    from clinic.audit.service import SYSTEM

    emails = {}
    with app.app_context():
        for role in Role:
            email = f"{role.value.replace('_', '-')}@test.clinic"
            create_user(
                email, role.value.title(), role, PASSWORD, actor=SYSTEM, now=datetime.now(UTC)
            )
            emails[role.value] = email
        db.session.commit()
    return emails


@pytest.fixture
def setup_clinic(app: Flask) -> None:
    """The demo clinic's setup (hours, providers, rooms, services), without patients."""
    from clinic.demo import build_demo_clinic

    with app.app_context():
        build_demo_clinic(
            timezone="America/Los_Angeles",
            now=datetime.now(UTC),
            today=datetime.now(UTC).date(),
            phone_region="US",
            patient_count=0,
        )
        db.session.commit()


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> None:
    response = client.post("/sign-in", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
