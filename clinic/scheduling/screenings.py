"""Screenings as the clinic keeps them: recorded from the answers (by the desk, or the
patient in the portal), read back, and judged for a booking or a check-in through the pure
rules of clinic.scheduling.screening."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from clinic.audit.service import Actor, record
from clinic.clock import local_today
from clinic.errors import NotFound, RuleBroken
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.practice.models import Clinic, Service, ServiceKind
from clinic.scheduling.models import Appointment, Screening
from clinic.scheduling.screening import (
    Contraindication,
    IncompleteAnswers,
    MicroneedlingVerdict,
    ScreeningPolicy,
    age_rule,
    check_in_screening_from,
    check_in_screening_sentence,
    judge_answers,
    judge_microneedling,
    screening_allows_check_in,
    valid_until,
)
from clinic.scheduling.screening import Screening as ScreeningFacts
from clinic.scheduling.status import AppointmentStatus


def screening_policy(clinic: Clinic) -> ScreeningPolicy:
    return ScreeningPolicy(
        valid_months=clinic.screening_valid_months,
        check_in_days=clinic.check_in_screening_days,
        minimum_age=clinic.minimum_age,
        sign_off_below_age=clinic.sign_off_below_age,
    )


def latest_screening(patient_id: int) -> Screening | None:
    return db.session.scalar(
        select(Screening)
        .where(Screening.patient_id == patient_id)
        .order_by(Screening.taken_at.desc(), Screening.id.desc())
        .limit(1)
    )


def latest_screenings(patient_ids: Iterable[int]) -> dict[int, Screening]:
    """Each patient's latest screening, in one read (lists of patients: the call list)."""
    latest: dict[int, Screening] = {}
    for screening in db.session.scalars(
        select(Screening)
        .where(Screening.patient_id.in_(sorted(set(patient_ids))))
        .order_by(Screening.taken_at, Screening.id)
    ):
        latest[screening.patient_id] = screening
    return latest


def get_screening(screening_id: int) -> Screening:
    screening = db.session.get(Screening, screening_id)
    if screening is None:
        raise NotFound(f"There is no screening {screening_id}.")
    return screening


def screening_facts(screening: Screening | None) -> ScreeningFacts | None:
    if screening is None:
        return None
    return ScreeningFacts(
        taken_on=screening.taken_on,
        contraindications=frozenset(Contraindication(c) for c in screening.contraindications),
    )


def record_screening(
    patient: Patient,
    answers: Mapping[str, object],
    *,
    clinic: Clinic,
    actor: Actor,
    now: datetime,
    appointment_id: int | None = None,
) -> Screening:
    try:
        judgement = judge_answers(answers)
    except IncompleteAnswers as refusal:
        raise RuleBroken(
            "Answer every screening question with yes or no.",
            {f"answers.{key}": value for key, value in refusal.fields.items()},
        ) from refusal
    tz = ZoneInfo(clinic.timezone)
    taken_on = local_today(tz, now)
    screening = Screening(
        patient_id=patient.id,
        taken_at=now,
        taken_on=taken_on,
        answers={
            code: bool(answers[code]) for code in sorted(answers) if isinstance(answers[code], bool)
        },
        eligible=judgement.eligible,
        contraindications=[code.value for code in judgement.contraindications],
        valid_until=valid_until(taken_on, screening_policy(clinic)),
        recorded_by_label=actor.label,
        appointment_id=appointment_id,
    )
    db.session.add(screening)
    db.session.flush()
    record(
        actor,
        "screen",
        "patient",
        patient.id,
        f"Recorded a screening for patient #{patient.id}: "
        f"{'eligible' if judgement.eligible else 'not eligible'}",
        now=now,
    )
    return screening


def check_in_screening_problem(appointment: Appointment, clinic: Clinic) -> str | None:
    """Why the patient's latest screening does not allow checking this microneedling visit
    in, or None. It must be fresh (taken in the days before the visit: health changes) and
    its answers must still allow the treatment: a new cold sore, sunburn or pregnancy
    found on arrival stops it (a clinician's clearance for the visit lifts sign-off items
    only, never an absolute contraindication)."""
    return _check_in_problem(appointment, latest_screening(appointment.patient_id), clinic)


@dataclass(frozen=True)
class CheckInProblem:
    sentence: str
    # Only the screening's age, when not None: she answers the questions again, and a
    # screening counts for the visit from this day (the list offers the form from then).
    counts_from: date | None = None


def check_in_problems(visits: Iterable[Appointment], clinic: Clinic) -> dict[int, CheckInProblem]:
    """{visit id: why check-in would refuse it}, for a day's booked microneedling visits:
    their patients' latest screenings read at once (the day list shows it before the
    patient arrives). Her age comes first: a new screening cannot change it."""
    treatments = [
        v
        for v in visits
        if v.status is AppointmentStatus.BOOKED and v.service.kind is ServiceKind.MICRONEEDLING
    ]
    if not treatments:
        return {}
    latest = latest_screenings(v.patient_id for v in treatments)
    found = {}
    for visit in treatments:
        screening = latest.get(visit.patient_id)
        if (too_young := age_refusal(visit, clinic)) is not None:
            found[visit.id] = CheckInProblem("Not today: " + too_young.sentence)
        elif (stale := _stale_screening(visit, screening, clinic)) is not None:
            visit_on = visit.starts_at.astimezone(ZoneInfo(clinic.timezone)).date()
            counts_from = check_in_screening_from(visit_on, screening_policy(clinic))
            found[visit.id] = CheckInProblem(stale, counts_from=counts_from)
        elif (refused := _refused_by_answers(visit, screening, clinic)) is not None:
            found[visit.id] = CheckInProblem(refused)
    return found


def _check_in_problem(
    appointment: Appointment, screening: Screening | None, clinic: Clinic
) -> str | None:
    return _stale_screening(appointment, screening, clinic) or _refused_by_answers(
        appointment, screening, clinic
    )


def _stale_screening(
    appointment: Appointment, screening: Screening | None, clinic: Clinic
) -> str | None:
    """Why the screening is too old (or missing) to check this visit in, or None."""
    visit_on = appointment.starts_at.astimezone(ZoneInfo(clinic.timezone)).date()
    policy = screening_policy(clinic)
    taken_on = screening.taken_on if screening else None
    if screening_allows_check_in(taken_on, visit_on, policy):
        return None
    return check_in_screening_sentence(taken_on, policy.check_in_days)


def _refused_by_answers(
    appointment: Appointment, screening: Screening | None, clinic: Clinic
) -> str | None:
    """Why the answers (or her age on the day) refuse the treatment, or None."""
    verdict = judge_microneedling(
        screening=screening_facts(screening),
        born_on=appointment.patient.date_of_birth,
        visit_on=appointment.starts_at.astimezone(ZoneInfo(clinic.timezone)).date(),
        is_cleared=bool(appointment.clearance_reason),
        policy=screening_policy(clinic),
    )
    return None if verdict.allowed else "Not today: " + " ".join(verdict.reasons)


@dataclass(frozen=True)
class AgeRefusal:
    sentence: str
    sign_off_would_allow: bool  # 18 to 21: booked again with a clinician's sign-off


def age_refusal(visit: Appointment, clinic: Clinic) -> AgeRefusal | None:
    """Why her age on the day refuses this booked microneedling visit (her date of birth
    corrected since it was booked, say), or None: the desk cancels it before check-in
    refuses it."""
    if visit.status is not AppointmentStatus.BOOKED:
        return None
    if visit.service.kind is not ServiceKind.MICRONEEDLING:
        return None
    visit_on = visit.starts_at.astimezone(ZoneInfo(clinic.timezone)).date()
    too_young, needs_sign_off = age_rule(
        visit.patient.date_of_birth, visit_on, screening_policy(clinic)
    )
    if too_young:
        return AgeRefusal(too_young, sign_off_would_allow=False)
    if needs_sign_off and not visit.clearance_reason:
        return AgeRefusal(needs_sign_off, sign_off_would_allow=True)
    return None


def screening_hold(
    patient: Patient, service: Service, on: date, clinic: Clinic
) -> MicroneedlingVerdict | None:
    """Why screening or age keep the patient from microneedling on `on`, and so what may
    lift it (a new screening, a clinician's sign-off, or nothing: she is too young);
    None when nothing does."""
    if service.kind is not ServiceKind.MICRONEEDLING:
        return None
    verdict = microneedling_verdict(patient, on, clinic)
    return None if verdict.allowed else verdict


def microneedling_verdict(
    patient: Patient, on: date, clinic: Clinic, *, is_cleared: bool = False
) -> MicroneedlingVerdict:
    """The booking rules' verdict on her screening and age for microneedling on `on`."""
    return judge_microneedling(
        screening=screening_facts(latest_screening(patient.id)),
        born_on=patient.date_of_birth,
        visit_on=on,
        is_cleared=is_cleared,
        policy=screening_policy(clinic),
    )
