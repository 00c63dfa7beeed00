"""A small clinic for service tests, independent of today's date."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import pytest
from flask import Flask

from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.practice.models import Clinic, Provider, Room, Service
from tests.clinics import DESK, LA, NO, build_clinic
from tests.clinics import add_patient as add_patient  # for the tests that add patients
from tests.smtp import Inbox, smtp_server

STAFF = DESK


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


@pytest.fixture
def world(app_ctx: Flask) -> Iterator[World]:
    now = datetime(2027, 3, 10, 17, 0, tzinfo=UTC)  # Wednesday 09:00 in Los Angeles
    built = build_clinic(now, {"maya": (date(1990, 5, 1), NO), "noor": (date(1985, 8, 9), NO)})
    db.session.commit()
    yield World(
        built.clinic,
        built.ana,
        built.sam,
        built.rose,
        built.sage,
        built.face,
        built.check_in,
        built.patients["maya"],
        built.patients["noor"],
        now,
    )


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on loopback, and its port."""
    with smtp_server() as (received, port):
        yield received, port
