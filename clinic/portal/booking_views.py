"""Self-service booking: a due planned session or the results check-in, from the free
times inside its window (time_pages.py). Every booking goes through clinic.operations, the
same engine and rules as the front desk and the API.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import request, url_for

from clinic.clock import local_today, utcnow
from clinic.errors import NotFound, RuleBroken
from clinic.operations import VisitRequest, book_visit
from clinic.plans.models import PlanStatus
from clinic.plans.rules import SessionStatus
from clinic.plans.service import services_for_patient, status_of
from clinic.portal.blueprint import bp, current_patient
from clinic.portal.picker import Picked, Target
from clinic.portal.service import (
    current_plan,
    get_own_session,
    plan_view,
    portal_actor,
    services_of_kind,
)
from clinic.portal.time_pages import settled_visit, show_times, take_time
from clinic.practice.models import Clinic, Service, ServiceKind
from clinic.practice.service import get_clinic
from clinic.scheduling.models import Appointment
from clinic.scheduling.status import AppointmentStatus


def _picked_service(services: list[Service]) -> Service:
    wanted = request.values.get("service_id", type=int)
    chosen = next((s for s in services if s.id == wanted), None)
    found = chosen or (services[0] if services else None)
    if found is None:
        raise NotFound("The clinic does not offer this visit online; please call us.")
    return found


def _session_target(session_id: int) -> Target:
    patient = current_patient()
    session = get_own_session(patient.id, session_id)
    clinic = get_clinic()
    today = local_today(ZoneInfo(clinic.timezone), utcnow())
    if session.plan.status is not PlanStatus.ACTIVE or status_of(session, today) not in (
        SessionStatus.DUE,
    ):
        raise RuleBroken(f"Session {session.number} cannot be booked here; please call the clinic.")
    services = services_for_patient(patient.id, services_of_kind(ServiceKind.MICRONEEDLING))
    return Target(
        f"Book session {session.number} of {len(session.plan.sessions)}",
        session.window_start,
        session.window_end,
        services,
        _picked_service(services),
        planned_session=session,
    )


def _results_target() -> Target:
    patient = current_patient()
    clinic = get_clinic()
    today = local_today(ZoneInfo(clinic.timezone), utcnow())
    plan = current_plan(patient.id)
    view = plan_view(plan, clinic=clinic, today=today) if plan else None
    if view is None or not view.results_bookable:
        raise RuleBroken("There is no results check-in to book now; please call the clinic.")
    services = services_for_patient(patient.id, services_of_kind(ServiceKind.RESULTS_CHECK_IN))
    return Target(
        "Book your results check-in",
        view.results_start,
        view.results_end,
        services,
        _picked_service(services),
    )


def _book(target: Target, action: str) -> Any:
    patient = current_patient()

    def book(picked: Picked, clinic: Clinic) -> Appointment:
        session = target.planned_session
        return book_visit(
            VisitRequest(
                patient_id=patient.id,
                service_id=target.service.id,
                starts_at=picked.starts_at,
                provider_id=picked.provider_id,
                planned_session_id=session.id if session else None,
            ),
            clinic=clinic,
            actor=portal_actor(patient.id),
            now=utcnow(),
        )

    return take_time(target, action, book, moved=False)


@bp.route("/book/session/<int:session_id>", methods=["GET", "POST"])
def book_session(session_id: int) -> Any:
    session = get_own_session(current_patient().id, session_id)
    booked = session.appointment
    if booked is not None and (
        booked.status.holds_time or booked.status is AppointmentStatus.COMPLETED
    ):
        return settled_visit(booked, f"Session {session.number}")
    target = _session_target(session_id)
    action = url_for("portal.book_session", session_id=session_id)
    if request.method == "GET":
        return show_times(target, action=action)
    return _book(target, action)


@bp.route("/book/results-check-in", methods=["GET", "POST"])
def book_results() -> Any:
    target = _results_target()
    action = url_for("portal.book_results")
    if request.method == "GET":
        return show_times(target, action=action)
    return _book(target, action)
