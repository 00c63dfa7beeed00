"""A small clinic for the booking API's tests, dated from the real clock.

The API reads the real clock (clinic.clock.utcnow), so the clinic's days are chosen from
today: `weekday(n)` is the n-th Monday-to-Friday at least two days ahead, far from the lead
time. Everything is created and committed in one app context; the tests get ids only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import Flask

from clinic.extensions import db
from clinic.patients.models import Patient
from tests.clinics import DESK as DESK  # the actor other tests book as
from tests.clinics import LA, NO, build_clinic
from tests.clinics import add_patient as add_any_patient


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
    """A patient first.title() Test, at first@example.com, without email consent."""
    return add_any_patient(first, born, now, first_name=first.title(), email_consent=False)


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
        built = build_clinic(
            now,
            {
                "maya": (_years_ago(36), NO),
                "noor": (_years_ago(41), NO),
                "teen": (_years_ago(18, days=30), NO),
                "young": (_years_ago(20), NO),
                "sunburnt": (_years_ago(30), {**NO, "recent_sunburn": True}),
                "pregnant": (_years_ago(30), {**NO, "pregnant": True}),
                "unscreened": (_years_ago(30), None),
            },
            make_patient=add_patient,
        )
        world = World(
            ana=built.ana.id,
            sam=built.sam.id,
            rose=built.rose.id,
            sage=built.sage.id,
            face=built.face.id,
            check_in=built.check_in.id,
            **{first: patient.id for first, patient in built.patients.items()},
        )
        db.session.commit()
        return world
