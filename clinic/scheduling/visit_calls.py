"""Booked visits that need a word with the patient before they happen, for the front
desk's call list: the clinic's setup no longer allows the visit (a closure, time off,
narrower hours: she needs a new time), or what is known of her now stops the treatment (a
"yes" in a screening answered after booking, in the portal or at the desk, or an age
corrected since). A screening merely too old to check in with is not here: the reminder
asks her to answer it again, and the desk can take it on arrival.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from clinic.extensions import db
from clinic.practice.models import Clinic, ServiceKind
from clinic.scheduling.availability import load_setup
from clinic.scheduling.models import Appointment
from clinic.scheduling.screening import judge_microneedling
from clinic.scheduling.screenings import latest_screenings, screening_facts, screening_policy
from clinic.scheduling.setup_fit import find_setup_misfits
from clinic.scheduling.status import AppointmentStatus


@dataclass(frozen=True)
class VisitCall:
    visit: Appointment
    reason: str


def visits_to_call_about(clinic: Clinic, now: datetime, days: int) -> list[VisitCall]:
    """The booked visits of the next `days` days that need a call, earliest first."""
    until = now + timedelta(days=days)
    visits = list(
        db.session.scalars(
            select(Appointment)
            .where(
                Appointment.status == AppointmentStatus.BOOKED,
                Appointment.starts_at >= now,
                Appointment.starts_at < until,
            )
            .options(
                selectinload(Appointment.patient),
                selectinload(Appointment.service),
                selectinload(Appointment.provider),
            )
            .order_by(Appointment.starts_at, Appointment.id)
        )
    )
    if not visits:
        return []
    tz = ZoneInfo(clinic.timezone)
    misfits = find_setup_misfits(visits, load_setup(clinic, now, until), tz, now)
    latest = latest_screenings(v.patient_id for v in visits)
    policy = screening_policy(clinic)
    calls = []
    for visit in visits:
        if visit.id in misfits:
            calls.append(VisitCall(visit, "Needs a new time: " + "; ".join(misfits[visit.id])))
            continue
        if visit.service.kind is not ServiceKind.MICRONEEDLING:
            continue
        verdict = judge_microneedling(
            screening=screening_facts(latest.get(visit.patient_id)),
            born_on=visit.patient.date_of_birth,
            visit_on=visit.starts_at.astimezone(tz).date(),
            is_cleared=bool(visit.clearance_reason),
            policy=policy,
        )
        if not verdict.allowed and not verdict.only_needs_new_screening:
            calls.append(
                VisitCall(visit, "Talk with the patient first: " + " ".join(verdict.reasons))
            )
    return calls
