"""One small clinic for tests, built the same way by every layer's set-up.

Ana and Sam work 09:00-18:00 on each open day, Rose and Sage are the rooms, Face is a
microneedling service (45 numbing with the provider free, 30 procedure, 15 cleaning) and
Check-in a results check-in (15 minutes, 5 cleaning). The set-ups differ only in what
`build_clinic` takes as parameters: the name, the open days, the providers' names, the
lunch break, Face's indications and the patients.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from clinic.audit.service import Actor
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.plans.models import PlannedSession
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
from clinic.scheduling.availability import service_timing
from clinic.scheduling.models import Appointment
from clinic.scheduling.schedule import visit_times
from clinic.scheduling.screening import Contraindication
from clinic.scheduling.screenings import record_screening
from clinic.scheduling.status import AppointmentStatus

LA = ZoneInfo("America/Los_Angeles")
DESK = Actor(label="Test Desk (front_desk)")
NO = {code.value: False for code in Contraindication}

Answers = Mapping[str, object]
"""A screening's answers, or None in a patient's entry for a patient never screened."""


@dataclass
class Practice:
    clinic: Clinic
    ana: Provider
    sam: Provider
    rose: Room
    sage: Room
    face: Service
    check_in: Service
    patients: dict[str, Patient]


def add_patient(
    first: str,
    born: date,
    now: datetime,
    *,
    first_name: str | None = None,
    email_consent: bool = True,
) -> Patient:
    """A patient named `first` Test (or `first_name` Test), emailed at first@example.com."""
    patient = Patient(
        first_name=first if first_name is None else first_name,
        last_name="Test",
        date_of_birth=born,
        email=f"{first}@example.com",
        phone=None,
        email_consent=email_consent,
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


def build_clinic(
    now: datetime,
    patients: Mapping[str, tuple[date, Answers | None]],
    *,
    name: str = "Test Clinic",
    open_days: int = 6,
    provider_names: tuple[str, str] = ("Ana", "Sam"),
    lunch: tuple[time, time] | None = (time(13), time(13, 30)),
    face_indications: Sequence[str] = ("fine_lines",),
    make_patient: Callable[[str, date, datetime], Patient] = add_patient,
) -> Practice:
    """The clinic open 09:00-19:00 on weekdays 0 to open_days - 1, flushed, not committed.

    `patients` maps a first name to a birth date and screening answers (None: unscreened);
    they are created in that order, then the screened ones are screened in that order.
    """
    clinic = Clinic(name=name, phone="+14155550100", address="1 Main St", timezone=LA.key)
    for weekday in range(open_days):
        clinic.opening_hours.append(
            OpeningHours(weekday=weekday, opens_at=time(9), closes_at=time(19))
        )
    ana = Provider(name=provider_names[0], credential="RN")
    sam = Provider(name=provider_names[1], credential="MD")
    for provider in (ana, sam):
        for weekday in range(open_days):
            provider.working_hours.append(
                WorkingHours(weekday=weekday, starts_at=time(9), ends_at=time(18))
            )
            if lunch is not None:
                provider.breaks.append(
                    ProviderBreak(weekday=weekday, starts_at=lunch[0], ends_at=lunch[1])
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
        indications=list(face_indications),
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
    people = {first: make_patient(first, born, now) for first, (born, _) in patients.items()}
    for first, (_, answers) in patients.items():
        if answers is not None:
            record_screening(people[first], answers, clinic=clinic, actor=DESK, now=now)
    return Practice(clinic, ana, sam, rose, sage, face, check_in, people)


def add_body_service() -> Service:
    """A second microneedling service, "Body" (stretch marks): it sorts before "Face" by
    name, so tests can show which one a page chooses and why. Committed."""
    body = Service(
        name="Body",
        kind=ServiceKind.MICRONEEDLING,
        procedure_minutes=45,
        numbing_minutes=45,
        buffer_minutes=20,
        provider_free_while_numbing=True,
        price_cents=50000,
        indications=["stretch_marks"],
    )
    db.session.add(body)
    db.session.commit()
    return body


def write_visit(
    patient_id: int, service: Service, provider_id: int, room_id: int, starts_at: datetime
) -> Appointment:
    """A booked visit written directly, outside the booking rules (a crowded calendar, a
    visit the setup has since changed under), timed as a booking would be; flushed."""
    times = visit_times(service_timing(service), starts_at)
    visit = Appointment(
        patient_id=patient_id,
        service_id=service.id,
        provider_id=provider_id,
        room_id=room_id,
        status=AppointmentStatus.BOOKED,
        starts_at=times.starts_at,
        ends_at=times.ends_at,
        provider_busy_from=times.provider_busy.starts_at,
        room_busy_until=times.room_busy.ends_at,
        created_at=datetime.now(UTC),
    )
    db.session.add(visit)
    db.session.flush()
    return visit


def complete_session(
    session: PlannedSession, service: Service, provider_id: int, room_id: int
) -> Appointment:
    """Session done: a completed visit on its target day at 10:00, written directly and
    held by the session; flushed."""
    visit = write_visit(
        session.plan.patient_id,
        service,
        provider_id,
        room_id,
        datetime.combine(session.target_date, time(10), tzinfo=LA),
    )
    visit.status = AppointmentStatus.COMPLETED
    session.appointment = visit
    db.session.flush()
    return visit


def retime_visit(visit_id: int, starts_at: datetime) -> None:
    """Move a visit row to `starts_at` directly, outside the booking rules (a time the rules
    would refuse now, such as inside the cancellation cut-off), timed as a booking would be."""
    visit = db.session.get(Appointment, visit_id)
    assert visit is not None
    times = visit_times(service_timing(visit.service), starts_at)
    visit.starts_at, visit.ends_at = times.starts_at, times.ends_at
    visit.provider_busy_from = times.provider_busy.starts_at
    visit.room_busy_until = times.room_busy.ends_at
    db.session.flush()
