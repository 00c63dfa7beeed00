"""A database made for one benchmark run and removed after it, as tests/conftest.py does:
SQLite in a temporary file; on PostgreSQL a database with a random name, dropped at the end.
The schema comes from the Alembic migrations, exactly as in production."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from clinic import create_app
from clinic.extensions import db

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def postgres_reachable(url: str) -> bool:
    try:
        engine = sa.create_engine(_psycopg(url), connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except sa.exc.OperationalError:
        return False


def _psycopg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@contextmanager
def temporary_database(kind: str, postgres_url: str) -> Iterator[str]:
    """Yield the URL of a new, empty database of `kind` ("sqlite" or "postgres")."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="clinic-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        return
    url = _psycopg(postgres_url)
    name = f"clinic_bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(
        sa.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
                ),
                {"n": name},
            )
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def make_app(url: str) -> Flask:
    """The real app on `url`, with test settings (no CSRF, no secure cookies), migrated."""
    os.environ["CLINIC_ENV"] = "test"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "CLINIC_TIMEZONE": "America/Los_Angeles",
            "WTF_CSRF_ENABLED": False,
            "SERVER_NAME": None,
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    return app


def analyse(app: Flask) -> None:
    """Refresh the planner's statistics after the bulk load, as autovacuum (PostgreSQL) or
    `PRAGMA optimize` (SQLite) would on a live clinic."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        else:
            with db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")


def dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
