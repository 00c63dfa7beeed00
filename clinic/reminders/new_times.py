"""Asking patients to choose a new time for visits the clinic can no longer hold.

A closure, time off or narrower hours leave the visits in that time booked: only the
patient can choose a new time (clinic.scheduling.booked_visits lists them for the desk).
The front desk asks her, from that list or from the visit's page: a message goes by each
channel she agreed to, with the reason in her words (clinic.scheduling.setup_notices, the
sentence the portal shows beside its offer to move the visit). Asking twice for the same
booked time sends nothing more; the dispatcher drops the message if the visit has moved,
was cancelled, or fits the setup again by then (a closure lifted). When the setup allows a
visit again after she was asked, she is told it goes ahead (tell_visits_going_ahead).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from clinic.audit.service import Actor
from clinic.extensions import db
from clinic.practice.models import Clinic
from clinic.reminders.models import Message
from clinic.reminders.rules import MessageKind, MessageStatus
from clinic.reminders.service import new_time_asked, visit_goes_ahead
from clinic.scheduling.models import Appointment
from clinic.scheduling.service import note_new_time_asked, note_visit_goes_ahead
from clinic.scheduling.setup_notices import find_setup_notices
from clinic.scheduling.status import AppointmentStatus


@dataclass
class NewTimeRequests:
    """What asking did, visit by visit, for the desk's answer."""

    asked: list[Appointment] = field(default_factory=list)  # a message is on its way
    already_asked: list[Appointment] = field(default_factory=list)  # for this same time
    unreachable: list[Appointment] = field(default_factory=list)  # no consented email/phone
    still_fitting: list[Appointment] = field(default_factory=list)  # nothing to ask


def may_be_messaged(appointment: Appointment) -> bool:
    patient = appointment.patient
    return patient.emailable or patient.textable


def ask_for_new_times(
    visits: Sequence[Appointment], *, clinic: Clinic, actor: Actor, now: datetime
) -> NewTimeRequests:
    """Ask each patient whose visit the setup no longer allows to choose a new time; the
    other visits (booked in time that is open, begun, cancelled) are left alone. In the
    caller's transaction; the messages go after its commit."""
    notices = find_setup_notices(visits, clinic, now)
    done = NewTimeRequests()
    for visit in visits:
        if visit.id not in notices:
            done.still_fitting.append(visit)
        elif not may_be_messaged(visit):
            done.unreachable.append(visit)
        elif new_time_asked(visit, clinic=clinic, now=now):
            note_new_time_asked(visit, notices[visit.id], actor=actor, now=now)
            done.asked.append(visit)
        else:
            done.already_asked.append(visit)
    return done


def tell_visits_going_ahead(clinic: Clinic, now: datetime) -> list[Appointment]:
    """Tell each patient who was asked to choose a new time, and has not, that her visit
    goes ahead as booked once the setup allows it again (a closure lifted, time off
    removed), whatever page changed it. Once per request sent; run with every dispatch
    pass. Returns the visits whose patients are told."""
    asked = db.session.execute(
        select(Appointment, Message.dedupe_key)
        .join(Message, Message.appointment_id == Appointment.id)
        .where(
            Message.kind == MessageKind.NEW_TIME_NEEDED,
            Message.status == MessageStatus.SENT,
            Message.visit_starts_at == Appointment.starts_at,
            Appointment.status == AppointmentStatus.BOOKED,
            Appointment.starts_at > now,
        )
    ).all()
    if not asked:
        return []
    still_unfit = find_setup_notices([visit for visit, _ in asked], clinic, now)
    told: dict[int, Appointment] = {}
    for visit, key in asked:
        if visit.id in still_unfit or visit.id in told:
            continue
        request = key.split(":", 2)[2]  # "new_time_needed:email:<the request's own key>"
        if visit_goes_ahead(visit, request, now=now):
            note_visit_goes_ahead(visit, now=now)
            told[visit.id] = visit
    return list(told.values())


def when_asked(visits: Sequence[Appointment]) -> dict[int, datetime]:
    """{visit id: when she was asked to choose a new time} for the visits whose patient
    was asked for the time they still have (a request on its way or sent), in one read:
    the desk's pages say so instead of offering to ask again."""
    if not visits:
        return {}
    starts = {visit.id: visit.starts_at for visit in visits}
    asked: dict[int, datetime] = {}
    for visit_id, starts_at, at in db.session.execute(
        select(Message.appointment_id, Message.visit_starts_at, Message.created_at).where(
            Message.appointment_id.in_(list(starts)),
            Message.kind == MessageKind.NEW_TIME_NEEDED,
            Message.status.in_((MessageStatus.SCHEDULED, MessageStatus.SENT)),
        )
    ):
        if visit_id is not None and starts_at == starts[visit_id]:
            asked[visit_id] = max(at, asked.get(visit_id, at))
    return asked
