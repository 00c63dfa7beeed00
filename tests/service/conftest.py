"""A small clinic for service tests, independent of today's date."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from clinic.audit.service import Actor
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.practice.models import (
    Clinic,
    OpeningHours,
    Provider,
    ProviderBreak,
    Room,
    Service,
    ServiceKind,
    WorkingHours,
)
from clinic.scheduling.screening import Contraindication
from clinic.scheduling.service import record_screening

LA = ZoneInfo("America/Los_Angeles")
STAFF = Actor(label="Test Desk (front_desk)")
NO = {code.value: False for code in Contraindication}


@dataclass
class World:
    clinic: Clinic
    ana: Provider
    sam: Provider
    rose: Room
    sage: Room
    face: Service
    check_in: Service
    maya: Patient
    noor: Patient
    now: datetime


def local(day: str, at: str) -> datetime:
    """A clinic-local wall time as an aware datetime."""
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(at), tzinfo=LA)


def add_patient(first: str, born: date, now: datetime) -> Patient:
    patient = Patient(
        first_name=first,
        last_name="Test",
        date_of_birth=born,
        email=f"{first}@example.com",
        phone=None,
        email_consent=True,
        sms_consent=False,
        notes="",
        created_at=now,
        updated_at=now,
        search_name=f"{first} test".lower(),
        search_last="test",
        email_key=f"{first}@example.com".lower(),
        phone_digits=None,
    )
    db.session.add(patient)
    db.session.flush()
    return patient


@pytest.fixture
def world(app_ctx: Flask) -> Iterator[World]:
    now = datetime(2027, 3, 10, 17, 0, tzinfo=UTC)  # Wednesday 09:00 in Los Angeles
    clinic = Clinic(
        name="Test Clinic",
        phone="+14155550100",
        address="1 Main St",
        timezone="America/Los_Angeles",
    )
    for weekday in range(6):
        clinic.opening_hours.append(
            OpeningHours(weekday=weekday, opens_at=time(9), closes_at=time(19))
        )
    ana = Provider(name="Ana", credential="RN")
    sam = Provider(name="Sam", credential="MD")
    for provider in (ana, sam):
        for weekday in range(6):
            provider.working_hours.append(
                WorkingHours(weekday=weekday, starts_at=time(9), ends_at=time(18))
            )
            provider.breaks.append(
                ProviderBreak(weekday=weekday, starts_at=time(13), ends_at=time(13, 30))
            )
    rose, sage = Room(name="Rose", device="SkinPen"), Room(name="Sage", device="Dermapen")
    face = Service(
        name="Face",
        kind=ServiceKind.MICRONEEDLING,
        procedure_minutes=30,
        numbing_minutes=45,
        buffer_minutes=15,
        provider_free_while_numbing=True,
        price_cents=35000,
        indications=["fine_lines"],
    )
    check_in = Service(
        name="Check-in",
        kind=ServiceKind.RESULTS_CHECK_IN,
        procedure_minutes=15,
        numbing_minutes=0,
        buffer_minutes=5,
        price_cents=0,
        indications=[],
    )
    db.session.add_all([clinic, ana, sam, rose, sage, face, check_in])
    db.session.flush()
    maya = add_patient("maya", date(1990, 5, 1), now)
    noor = add_patient("noor", date(1985, 8, 9), now)
    for patient in (maya, noor):
        record_screening(patient, NO, clinic=clinic, actor=STAFF, now=now)
    db.session.commit()
    yield World(clinic, ana, sam, rose, sage, face, check_in, maya, noor, now)
