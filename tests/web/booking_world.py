"""A small clinic for the booking API's tests, dated from the real clock.

The API reads the real clock (clinic.clock.utcnow), so the clinic's days are chosen from
today: `weekday(n)` is the n-th Monday-to-Friday at least two days ahead, far from the lead
time. Everything is created and committed in one app context; the tests get ids only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

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
DESK = Actor(label="Test Desk (front_desk)")
NO = {code.value: False for code in Contraindication}


@dataclass(frozen=True)
class World:
    ana: int
    sam: int
    rose: int
    sage: int
    face: int  # microneedling: 45 numbing (provider free), 30 procedure, 15 cleaning
    check_in: int  # results check-in: 15 minutes, 5 cleaning
    maya: int  # adult, eligible screening
    noor: int  # adult, eligible screening
    teen: int  # 17 next month, eligible screening
    young: int  # 20, eligible screening: needs a clinician's sign-off
    sunburnt: int  # a sign-off contraindication (recent_sunburn)
    pregnant: int  # an absolute contraindication
    unscreened: int  # no screening at all


def local_today() -> date:
    return datetime.now(UTC).astimezone(LA).date()


def weekday(n: int = 0) -> date:
    """The n-th Monday-to-Friday at least two days from today (clinic-local)."""
    day = local_today() + timedelta(days=2)
    found = -1
    while True:
        if day.weekday() < 5:
            found += 1
            if found == n:
                return day
        day += timedelta(days=1)


def at(day: date, hour: int, minute: int = 0) -> str:
    """A clinic-local instant on `day` as ISO 8601 with its offset."""
    return datetime.combine(day, time(hour, minute), tzinfo=LA).isoformat()


def add_patient(first: str, born: date, now: datetime) -> Patient:
    patient = Patient(
        first_name=first.title(),
        last_name="Test",
        date_of_birth=born,
        email=f"{first}@example.com",
        phone=None,
        email_consent=False,
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


def _years_ago(years: int, days: int = 0) -> date:
    today = local_today()
    try:
        born = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        born = today.replace(year=today.year - years, day=28)
    return born + timedelta(days=days)


def build_world(app: Flask) -> World:
    """Mon-Sat 09:00-19:00; Ana and Sam work 09:00-18:00 with a 13:00-13:30 break; two
    rooms; no closures."""
    now = datetime.now(UTC)
    with app.app_context():
        clinic = Clinic(
            name="Test Clinic", phone="+14155550100", address="1 Main St", timezone=LA.key
        )
        for day in range(6):
            clinic.opening_hours.append(
                OpeningHours(weekday=day, opens_at=time(9), closes_at=time(19))
            )
        ana, sam = Provider(name="Ana", credential="RN"), Provider(name="Sam", credential="MD")
        for provider in (ana, sam):
            for day in range(6):
                provider.working_hours.append(
                    WorkingHours(weekday=day, starts_at=time(9), ends_at=time(18))
                )
                provider.breaks.append(
                    ProviderBreak(weekday=day, starts_at=time(13), ends_at=time(13, 30))
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
        people = {
            "maya": (_years_ago(36), NO),
            "noor": (_years_ago(41), NO),
            "teen": (_years_ago(18, days=30), NO),
            "young": (_years_ago(20), NO),
            "sunburnt": (_years_ago(30), {**NO, "recent_sunburn": True}),
            "pregnant": (_years_ago(30), {**NO, "pregnant": True}),
            "unscreened": (_years_ago(30), None),
        }
        ids = {}
        for first, (born, answers) in people.items():
            patient = add_patient(first, born, now)
            if answers is not None:
                record_screening(patient, answers, clinic=clinic, actor=DESK, now=now)
            ids[first] = patient.id
        world = World(
            ana=ana.id,
            sam=sam.id,
            rose=rose.id,
            sage=sage.id,
            face=face.id,
            check_in=check_in.id,
            **ids,
        )
        db.session.commit()
        return world
