"""Staff accounts, their API tokens, and the failed sign-ins that rate-limit them."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.db import UTCDateTime
from clinic.extensions import Model


class Role(StrEnum):
    """admin may do everything; front_desk all but settings, staff and clinical overrides;
    clinician all but settings and staff accounts (API.md)."""

    ADMIN = "admin"
    FRONT_DESK = "front_desk"
    CLINICIAN = "clinician"

    @property
    def label(self) -> str:
        """The role in words, as pages and the history show it ("front desk")."""
        return self.value.replace("_", " ")


class User(UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(
        Enum(
            Role,
            name="staff_role",
            native_enum=False,
            length=20,
            values_callable=lambda roles: [r.value for r in roles],
        )
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active_account: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")

    @property
    def is_active(self) -> bool:  # Flask-Login asks this
        return self.is_active_account

    def get_id(self) -> str:
        """What the session cookie keeps (Flask-Login): the id and a mark of the password,
        so that a new password ends every session the old one opened (session_user)."""
        return f"{self.id}:{self.password_mark}"

    @property
    def password_mark(self) -> str:
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]


class ApiToken(Model):
    """A bearer token; only its SHA-256 is stored, so a database leak reveals no token."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="tokens")


class SignInFailure(Model):
    """One failed sign-in. Counted in the database so the limit holds across processes."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (
        Index("ix_sign_in_failures_email_at", "email", "at"),
        Index("ix_sign_in_failures_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
