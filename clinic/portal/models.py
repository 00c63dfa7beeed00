"""The portal's tables: one-time sign-in links, their requests (for the rate limit), and
the private calendar feeds. Only hashes of tokens are stored, so a database leak reveals
no link and no feed address."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from clinic.db import UTCDateTime
from clinic.extensions import Model


class PortalLink(Model):
    """A one-time sign-in link: for everyone sharing an email (the landing asks which of
    them), or for one patient (printed by the front desk)."""

    __tablename__ = "portal_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email_key: Mapped[str] = mapped_column(String(254))
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PortalLinkRequest(Model):
    """One request for a sign-in link, known email or not. Counted in the database so the
    limit holds across processes."""

    __tablename__ = "portal_link_requests"
    __table_args__ = (
        Index("ix_portal_link_requests_email_at", "email_key", "at"),
        Index("ix_portal_link_requests_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email_key: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class CalendarFeed(Model):
    """A patient's private calendar feed address; revoked when she stops or replaces it."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
