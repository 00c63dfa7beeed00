"""Settings, read from the environment once, when the app is created.

`CLINIC_ENV` picks the class (development, test, production; production by default so
that a forgotten variable never runs a live clinic with development settings). Every
other variable of ../shared/API.md overrides a default here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

DEV_SECRET = "development-only-not-a-secret"


class ConfigError(RuntimeError):
    """The environment does not describe a clinic that can safely start."""


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class BaseConfig:
    CLINIC_ENV = "production"
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI = f"sqlite:///{INSTANCE_DIR / 'clinic.sqlite3'}"
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict[str, object]] = {"pool_pre_ping": True}
    CLINIC_BASE_URL = "http://127.0.0.1:5000"
    CLINIC_TIMEZONE = "America/Los_Angeles"
    CLINIC_PHONE_REGION = "US"
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_FROM = "clinic@localhost"
    MAIL_BACKEND = "smtp"  # or "file": .eml files under instance/mail (development)
    SMS_BASE_URL: str | None = None  # a Twilio-style REST API; unset: SMS only logged
    SMS_ACCOUNT: str | None = None
    SMS_TOKEN: str | None = None
    SMS_FROM: str | None = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SECURE = True
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    API_TOKEN_HOURS = 12
    # How many proxies in front set X-Forwarded-For (0: none). Behind a TLS proxy set 1, so
    # the sign-in limits count each client's address, not the proxy's.
    TRUSTED_PROXIES = 0
    # Failed sign-ins allowed in SIGN_IN_WINDOW_MINUTES, per account and per address.
    SIGN_IN_MAX_FAILURES_PER_ACCOUNT = 5
    SIGN_IN_MAX_FAILURES_PER_ADDRESS = 20
    SIGN_IN_WINDOW_MINUTES = 15


class DevelopmentConfig(BaseConfig):
    CLINIC_ENV = "development"
    SECRET_KEY = DEV_SECRET
    MAIL_BACKEND = "file"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False


class TestConfig(BaseConfig):
    CLINIC_ENV = "test"
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False


class ProductionConfig(BaseConfig):
    pass


CONFIGS: dict[str, type[BaseConfig]] = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}

_ENV_STRINGS = (
    "SECRET_KEY",
    "CLINIC_BASE_URL",
    "CLINIC_TIMEZONE",
    "CLINIC_PHONE_REGION",
    "MAIL_SERVER",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_FROM",
    "MAIL_BACKEND",
    "SMS_BASE_URL",
    "SMS_ACCOUNT",
    "SMS_TOKEN",
    "SMS_FROM",
)


def load_config(overrides: dict[str, object] | None = None) -> dict[str, object]:
    """The settings for this process: class defaults, then the environment, then overrides.

    Raises ConfigError when production would start without a real SECRET_KEY.
    """
    env = os.environ.get("CLINIC_ENV", "production").strip().lower()
    if env not in CONFIGS:
        raise ConfigError(f"CLINIC_ENV={env!r} is not known; use development, test or production.")
    cls = CONFIGS[env]
    settings: dict[str, object] = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
    for key in _ENV_STRINGS:
        if os.environ.get(key):
            settings[key] = os.environ[key]
    if os.environ.get("DATABASE_URL"):
        settings["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(os.environ["DATABASE_URL"])
    if os.environ.get("TRUSTED_PROXIES"):
        settings["TRUSTED_PROXIES"] = int(os.environ["TRUSTED_PROXIES"])
    if os.environ.get("MAIL_PORT"):
        settings["MAIL_PORT"] = int(os.environ["MAIL_PORT"])
    settings["MAIL_USE_TLS"] = _flag("MAIL_USE_TLS", bool(settings["MAIL_USE_TLS"]))
    settings.update(overrides or {})
    settings["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(
        str(settings["SQLALCHEMY_DATABASE_URI"])
    )
    secret = settings.get("SECRET_KEY")
    if settings["CLINIC_ENV"] == "production" and (
        not secret or secret == DEV_SECRET or len(str(secret)) < 32
    ):
        raise ConfigError(
            "SECRET_KEY is missing or too short for production. Set it to a long random "
            "value, for example: export SECRET_KEY=$(python3 -c 'import secrets; "
            "print(secrets.token_hex(32))'), or set CLINIC_ENV=development on a laptop."
        )
    return settings


def _normalise_db_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given in the common short forms."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
