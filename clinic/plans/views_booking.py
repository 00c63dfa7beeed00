"""Booking from the plan page: the free times inside one session's window (or the results
check-in's), one click to book, through the same use case as every other face
(clinic.operations), so the window, the gap, the cap and the calendar are all checked again.
A missed session can first be given a new window from today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from clinic.accounts.access import ALL_STAFF, CLINICAL, actor, may, require_role
from clinic.errors import Conflict, RuleBroken
from clinic.extensions import db
from clinic.operations import VisitRequest, book_visit, find_open_times
from clinic.plans.forms import ReopenForm, SessionSearchForm, SlotForm
from clinic.plans.models import Plan, PlannedSession, PlanStatus
from clinic.plans.rules import SessionStatus
from clinic.plans.service import (
    get_plan,
    not_bookable_sentence,
    reopen_session,
    services_for_patient,
    status_of,
)
from clinic.plans.views_base import Moment, bp, check_in_of, moment, session_by_number
from clinic.practice.models import Service, ServiceKind
from clinic.practice.service import list_providers, list_services
from clinic.scheduling.availability import AvailabilityQuery
from clinic.scheduling.booking_views import SlotDay, slot_days
from clinic.scheduling.desk_views import ConflictNote, conflict_notes, put_refusal
from clinic.scheduling.finder_views import spacing_advice
from clinic.scheduling.forms import parse_instant
from clinic.scheduling.screenings import screening_hold

LONGEST_SEARCH_DAYS = 62
OVERDUE_SEARCH_DAYS = 14


@dataclass(frozen=True)
class Offer:
    """What the booking page offers: for which session (None for the check-in), in which
    days, and why nothing can be booked, if so."""

    session: PlannedSession | None
    window_start: date
    window_end: date
    from_on: date
    to_on: date
    blocked: str | None


def session_offer(plan: Plan, session: PlannedSession, today: date) -> Offer:
    status = status_of(session, today)
    from_on = max(session.window_start, today)
    to_on = min(session.window_end, from_on + timedelta(days=LONGEST_SEARCH_DAYS - 1))
    blocked = None
    if plan.status is not PlanStatus.ACTIVE:
        blocked = not_bookable_sentence(plan.status)
    elif status is SessionStatus.MISSED:
        blocked = f"Session {session.number}'s window closed on {session.window_end:%-d %b}."
    elif status is not SessionStatus.DUE:
        blocked = f"Session {session.number} is already {status.value}."
    return Offer(session, session.window_start, session.window_end, from_on, to_on, blocked)


def check_in_offer(plan: Plan, now: Moment) -> Offer:
    """The check-in's window; once it has passed, the next two weeks."""
    check_in = check_in_of(plan, now.clinic, now.today, now.tz)
    window = check_in.window
    from_on = max(window.start, now.today)
    to_on = window.end if window.end >= from_on else from_on + timedelta(OVERDUE_SEARCH_DAYS - 1)
    blocked = None
    if plan.status is not PlanStatus.ACTIVE:
        blocked = f"The plan is {plan.status.value}; the check-in books with an active plan."
    elif check_in.visit is not None:
        blocked = "The results check-in is already booked."
    return Offer(None, window.start, window.end, from_on, to_on, blocked)


def services_for_plan_patient(kind: ServiceKind, plan: Plan) -> list[Service]:
    """Active services of this kind for the plan's patient, in the finder's order
    (plans.service.services_for_patient: those treating her open plan's indications, her
    latest visit's service first), so that the preselected one is the one to book."""
    return services_for_patient(plan.patient_id, [s for s in list_services() if s.kind is kind])


def render_offer(
    plan: Plan,
    offer: Offer,
    kind: ServiceKind,
    now: Moment,
    *,
    form: FlaskForm | None = None,
    notes: list[ConflictNote] | None = None,
    status: int = 200,
) -> Any:
    services, providers = services_for_plan_patient(kind, plan), list_providers()
    search = SessionSearchForm(request.args)
    search.service_id.choices = [SelectChoice(s.id, s.name) for s in services]
    search.provider_id.choices = [SelectChoice(0, "Any provider")] + [
        SelectChoice(p.id, p.name) for p in providers
    ]
    service = next((s for s in services if s.id == search.service_id.data), None)
    service = service or (services[0] if services else None)
    search.service_id.data = service.id if service else None
    provider_id = search.provider_id.data if search.validate() else None
    search.provider_id.data = provider_id or 0
    days: list[SlotDay] = []
    if service is not None and offer.blocked is None:
        slots = find_open_times(
            AvailabilityQuery(
                service, offer.from_on, offer.to_on, provider_id or None, plan.patient
            ),
            clinic=now.clinic,
            now=now.now,
            planned_session=offer.session,
        )
        days = slot_days(slots, providers, now.tz, one_per_start=not provider_id)
    hold = (
        screening_hold(plan.patient, service, offer.from_on, now.clinic)
        if service is not None and offer.blocked is None
        else None
    )
    advice = None
    searched = offer.blocked is None and offer.session is not None and not days
    if searched and service is not None and hold is None:
        # The gap and the yearly count explain an empty window as often as the diary.
        advice = spacing_advice(
            plan.patient,
            service,
            offer.from_on,
            offer.to_on,
            clinic=now.clinic,
            now=now.now,
            session=offer.session,
            provider_id=provider_id or None,
        )
    if offer.session is not None:
        book_url = url_for("plans.book_session", plan_id=plan.id, number=offer.session.number)
    else:
        book_url = url_for("plans.book_check_in", plan_id=plan.id)
    return render_template(
        "plans/book.html",
        book_url=book_url,
        plan=plan,
        offer=offer,
        kind=kind.value,
        search=search,
        service=service,
        days=days,
        hold=hold,
        advice=advice,
        can_sign_off=may(CLINICAL),
        form=form or SlotForm(formdata=None),
        reopen_form=ReopenForm(formdata=None),
        notes=notes or [],
        is_missed=offer.session is not None
        and status_of(offer.session, now.today) is SessionStatus.MISSED,
    ), status


def book_offer(plan: Plan, offer: Offer, kind: ServiceKind, now: Moment) -> Any:
    """Book the slot clicked; a refusal shows the page again with the reason."""
    form = SlotForm()
    notes: list[ConflictNote] = []
    status = 422
    if offer.blocked:
        form.form_errors.append(offer.blocked)
    elif form.validate_on_submit():
        raw, _, raw_provider = (form.slot.data or "").partition("|")
        starts_at = parse_instant(raw)
        if form.service_id.data not in {s.id for s in services_for_plan_patient(kind, plan)}:
            form.form_errors.append("Choose one of the services offered.")
        elif starts_at is None or not raw_provider.isdigit():
            form.form_errors.append("The time sent is not one of the times offered.")
        else:
            visit_request = VisitRequest(
                patient_id=plan.patient_id,
                service_id=form.service_id.data or 0,
                starts_at=starts_at,
                provider_id=int(raw_provider),
                planned_session_id=offer.session.id if offer.session else None,
            )
            try:
                visit = book_visit(visit_request, clinic=now.clinic, actor=actor(), now=now.now)
            except RuleBroken as refusal:
                put_refusal(form, refusal)
            except Conflict as conflict:
                notes = conflict_notes(conflict)
                form.form_errors.append(conflict.message)
                status = 409
            else:
                db.session.commit()
                what = (
                    f"session {offer.session.number}" if offer.session else "the results check-in"
                )
                flash(
                    f"Booked {what} for {plan.patient.full_name}: "
                    f"{visit.starts_at.astimezone(now.tz):%a %-d %b %Y, %H:%M} "
                    f"with {visit.provider.name}.",
                    "success",
                )
                return redirect(url_for("plans.show_plan", plan_id=plan.id))
    return render_offer(plan, offer, kind, now, form=form, notes=notes, status=status)


@bp.route("/plans/<int:plan_id>/sessions/<int:number>/book", methods=["GET", "POST"])
@login_required
@require_role(*ALL_STAFF)
def book_session(plan_id: int, number: int) -> Any:
    plan, now = get_plan(plan_id), moment()
    offer = session_offer(plan, session_by_number(plan, number), now.today)
    if request.method == "POST":
        return book_offer(plan, offer, ServiceKind.MICRONEEDLING, now)
    return render_offer(plan, offer, ServiceKind.MICRONEEDLING, now)


@bp.post("/plans/<int:plan_id>/sessions/<int:number>/reopen")
@login_required
@require_role(*ALL_STAFF)
def reopen(plan_id: int, number: int) -> Any:
    plan, now = get_plan(plan_id), moment()
    session = session_by_number(plan, number)
    form = ReopenForm()
    if form.validate_on_submit():
        try:
            reopen_session(session, clinic=now.clinic, actor=actor(), today=now.today, now=now.now)
        except RuleBroken as refusal:
            put_refusal(form, refusal)
        else:
            db.session.commit()
            flash(f"Session {number} can be booked until {session.window_end:%-d %b}.", "success")
            return redirect(url_for("plans.book_session", plan_id=plan.id, number=number))
    offer = session_offer(plan, session, now.today)
    return render_offer(plan, offer, ServiceKind.MICRONEEDLING, now, form=form, status=422)


@bp.route("/plans/<int:plan_id>/check-in/book", methods=["GET", "POST"])
@login_required
@require_role(*ALL_STAFF)
def book_check_in(plan_id: int) -> Any:
    plan, now = get_plan(plan_id), moment()
    offer = check_in_offer(plan, now)
    if request.method == "POST":
        return book_offer(plan, offer, ServiceKind.RESULTS_CHECK_IN, now)
    return render_offer(plan, offer, ServiceKind.RESULTS_CHECK_IN, now)
