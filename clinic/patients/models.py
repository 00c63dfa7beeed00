"""Patients. Family members may share an email, so the email is not a key."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from clinic.db import UTCDateTime
from clinic.extensions import Model

SEARCH_NAME_LENGTH = 170  # the folded keys search reads (patients.service.name_keys)
SEARCH_LAST_LENGTH = 80


class Patient(Model):
    __tablename__ = "patients"
    __table_args__ = (
        Index("ix_patients_search_name", "search_name"),
        Index("ix_patients_search_last", "search_last"),
        Index("ix_patients_email_key", "email_key"),
        Index("ix_patients_phone_digits", "phone_digits"),
        Index("ix_patients_date_of_birth", "date_of_birth"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    date_of_birth: Mapped[date]
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164
    email_consent: Mapped[bool] = mapped_column(default=False)
    sms_consent: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set by the one-click unsubscribe: stops reminders, preparation, aftercare and nudges.
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # Search keys, kept by the service: lower-case "first last", lower-case last name,
    # lower-case email, and the phone's digits (so "(415) 555" finds +1415555...).
    search_name: Mapped[str] = mapped_column(String(SEARCH_NAME_LENGTH))
    search_last: Mapped[str] = mapped_column(String(SEARCH_LAST_LENGTH))
    email_key: Mapped[str | None] = mapped_column(String(254))
    phone_digits: Mapped[str | None] = mapped_column(String(20))

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    # Whether a message may reach her on a channel: an address, and her consent to it.
    @property
    def emailable(self) -> bool:
        return bool(self.email and self.email_consent)

    @property
    def textable(self) -> bool:
        return bool(self.phone and self.sms_consent)
