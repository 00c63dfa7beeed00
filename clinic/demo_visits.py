"""The demo clinic's plans and visits: two months of history and the next two weeks,
booked through the real use cases (with `now` set to when each booking would have been
made), so the demo holds only what the rules allow, with the messages they caused."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from clinic.audit.service import Actor
from clinic.clock import local_day_bounds
from clinic.errors import ClinicError
from clinic.extensions import db
from clinic.operations import (
    VisitRequest,
    book_visit,
    cancel_visit,
    change_visit_status,
    find_open_times,
)
from clinic.patients.models import Patient
from clinic.patients.rules import age_on
from clinic.plans.creation import PlanRequest, create_plan
from clinic.practice.models import Clinic, Service, ServiceKind
from clinic.reminders.models import Message
from clinic.reminders.rules import Channel, MessageStatus
from clinic.scheduling.availability import AvailabilityQuery
from clinic.scheduling.models import Appointment
from clinic.scheduling.screening import Contraindication
from clinic.scheduling.screenings import latest_screening, record_screening
from clinic.scheduling.status import AppointmentStatus

DESK = Actor(label="Riley Chen (front desk)")
NO = {code.value: False for code in Contraindication}
PAST_DAYS = 60
RESULTS_FROM_DAYS, RESULTS_TO_DAYS = 42, 56  # DOMAIN.md: results show six to eight weeks on
DEMO_HISTORY_DAYS = PAST_DAYS + 30  # patients registered and first screened this long ago
FUTURE_DAYS = 14
VISITS_PER_DAY = 4


def build_demo_visits(clinic: Clinic, *, now: datetime, rng: random.Random) -> int:
    """Screen the demo patients and book their visits; returns how many were booked."""
    tz = ZoneInfo(clinic.timezone)
    today = now.astimezone(tz).date()
    patients = list(db.session.scalars(select(Patient).order_by(Patient.id)))
    long_ago = now - timedelta(days=DEMO_HISTORY_DAYS)
    adults = [p for p in patients if age_on(p.date_of_birth, today) >= 22]
    for index, patient in enumerate(patients):
        answers = dict(NO)
        if index % 17 == 5:
            answers["pregnant"] = True  # a few who must wait
        elif index % 13 == 7:
            answers["recent_sunburn"] = True  # a few who need a clinician's sign-off
        record_screening(patient, answers, clinic=clinic, actor=DESK, now=long_ago)
    eligible = [p for p in adults if _is_eligible(p)]
    if not eligible:
        return 0
    _demo_plans(clinic, eligible[:8], today=today, now=now, rng=rng)
    eligible = eligible[8:]  # the plan patients book from their plans
    if not eligible:
        return 0
    active = list(db.session.scalars(select(Service).where(Service.is_active.is_(True))))
    sessions = [s for s in active if s.kind is ServiceKind.MICRONEEDLING]
    check_in = next((s for s in active if s.kind is ServiceKind.RESULTS_CHECK_IN), None)
    last_session: dict[int, date] = {}  # a results check-in follows 6 to 8 weeks after
    checked: set[int] = set()
    booked = 0
    for offset in range(-PAST_DAYS, FUTURE_DAYS + 1):
        day = today + timedelta(days=offset)
        booked_at = min(now, local_day_bounds(day, tz)[0] - timedelta(days=10))
        due = [
            patient_id
            for patient_id, last in last_session.items()
            if RESULTS_FROM_DAYS <= (day - last).days <= RESULTS_TO_DAYS
            and patient_id not in checked
        ]
        if check_in is not None and due:
            coming = db.session.get(Patient, due[0])
            assert coming is not None
            visit = _book_on(clinic, day, coming, check_in, booked_at, rng)
            if visit is not None:
                checked.add(coming.id)
                booked += 1
                if visit.starts_at < now:
                    _play_out(clinic, visit, rng)
        for _ in range(VISITS_PER_DAY):
            for _try in range(3):  # the gap and the yearly cap rule many patients out
                visit = _book_on(
                    clinic, day, rng.choice(eligible), rng.choice(sessions), booked_at, rng
                )
                if visit is not None:
                    break
            if visit is None:
                continue
            booked += 1
            if visit.starts_at < now:
                _play_out(clinic, visit, rng)
            if visit.status in (AppointmentStatus.BOOKED, AppointmentStatus.COMPLETED):
                last_session[visit.patient_id] = day
    # The history's messages went out when they were due, where the patient allowed it.
    past = db.session.scalars(
        select(Message).where(Message.status == MessageStatus.SCHEDULED, Message.send_at < now)
    )
    for message in past:
        allowed = (
            message.patient.email_consent
            if message.channel is Channel.EMAIL
            else message.patient.sms_consent
        )
        message.status = MessageStatus.SENT if allowed else MessageStatus.SKIPPED
        message.sent_at = message.send_at if allowed else None
        message.skip_reason = None if allowed else f"no {message.channel.value} consent"
    return booked


def _demo_plans(
    clinic: Clinic, eligible: list[Patient], *, today: date, now: datetime, rng: random.Random
) -> None:
    """Eight plans starting around today, so the plan pages and the call list have work."""
    face = ["facial_wrinkles", "fine_lines", "acne_scars", "hyperpigmentation", "enlarged_pores"]
    for number, patient in enumerate(eligible):
        indications: tuple[str, ...]
        if number % 4 == 1:
            indications, sessions = ("stretch_marks",), 5
        else:
            indications, sessions = tuple(sorted(rng.sample(face, 2))), 2
        start = today + timedelta(days=rng.randint(-20, 25))
        create_plan(
            PlanRequest(patient.id, indications, start, sessions),
            clinic=clinic,
            actor=DESK,
            today=today,
            now=now,
        )


def _is_eligible(patient: Patient) -> bool:
    screening = latest_screening(patient.id)
    return screening is not None and screening.eligible


def _book_on(
    clinic: Clinic,
    day: date,
    patient: Patient,
    service: Service,
    booked_at: datetime,
    rng: random.Random,
) -> Appointment | None:
    slots = find_open_times(
        AvailabilityQuery(service=service, from_on=day, to_on=day, patient=patient),
        clinic=clinic,
        now=booked_at,
    )
    if not slots:
        return None
    slot = rng.choice(slots[: max(1, len(slots) // 2)] if rng.random() < 0.5 else slots)
    try:
        return book_visit(
            VisitRequest(patient.id, service.id, slot.start_utc, slot.provider_id),
            clinic=clinic,
            actor=DESK,
            now=booked_at,
        )
    except ClinicError:
        return None


def _play_out(clinic: Clinic, visit: Appointment, rng: random.Random) -> None:
    """A past visit: most were completed, a few cancelled or missed."""
    roll = rng.random()
    if roll < 0.08:
        cancel_visit(
            visit,
            "Patient unwell",
            clinic=clinic,
            actor=DESK,
            now=visit.starts_at - timedelta(hours=rng.choice([3, 30])),
        )
        return
    if roll < 0.13:
        change_visit_status(
            visit, AppointmentStatus.NO_SHOW, clinic=clinic, actor=DESK, now=visit.ends_at
        )
        return
    arrival = visit.starts_at - timedelta(minutes=5)
    patient = db.session.get(Patient, visit.patient_id)
    assert patient is not None
    record_screening(patient, NO, clinic=clinic, actor=DESK, now=arrival, appointment_id=visit.id)
    for target, at in (
        (AppointmentStatus.CHECKED_IN, arrival),
        (AppointmentStatus.COMPLETED, visit.ends_at),
    ):
        change_visit_status(visit, target, clinic=clinic, actor=DESK, now=at)
