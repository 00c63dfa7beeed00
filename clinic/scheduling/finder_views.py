""" "Find a slot": the free times for a service and, for a patient, only those she could
book; why a search came back empty (screening, age, or the plan's gap, cap and window,
with the earliest day the plan allows) and what to do about it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from flask import flash, render_template, request, url_for
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from clinic.accounts.access import ALL_STAFF, CLINICAL, may, require_role
from clinic.clock import local_today, utcnow
from clinic.errors import NotFound
from clinic.operations import earliest_session_day, find_open_times, spacing_reasons
from clinic.patients.models import Patient
from clinic.patients.service import search_patients
from clinic.plans.models import PlannedSession, PlanStatus
from clinic.plans.rules import DateWindow, SessionStatus, long_day
from clinic.plans.service import (
    find_open_plan,
    get_session,
    results_check_in_window,
    services_for_patient,
    status_of,
)
from clinic.practice.models import Clinic, Provider, Service, ServiceKind
from clinic.practice.service import (
    get_clinic,
    list_closures_between,
    list_providers,
    list_services,
)
from clinic.scheduling.availability import AvailabilityQuery, earliest_bookable_day
from clinic.scheduling.booking_views import SlotDay, find_patient, slot_days
from clinic.scheduling.desk_views import bp
from clinic.scheduling.forms import FinderForm
from clinic.scheduling.patient_views import patient_visits
from clinic.scheduling.screening import MicroneedlingVerdict
from clinic.scheduling.screenings import screening_hold
from clinic.scheduling.service import has_been_treated
from clinic.web import id_arg, phone_region

DEFAULT_DAYS = 14
DEFAULT_SPAN = timedelta(days=DEFAULT_DAYS - 1)  # from the first day to the last
LONGEST_SEARCH_DAYS = 62


def read_finder(
    form: FinderForm,
    services: list[Service],
    providers: list[Provider],
    *,
    default_service: Service | None,
    default_days: tuple[date, date],
) -> tuple[Service | None, date, date]:
    """The finder's service and date range, with defaults (`default_service`, the days of
    `default_days`; a start typed alone gets 14 days); a bad range is a field error."""
    form.service_id.choices = [SelectChoice(s.id, s.name) for s in services]
    form.provider_id.choices = [SelectChoice(0, "Any provider")] + [
        SelectChoice(p.id, p.name) for p in providers
    ]
    if not request.args.get("service_id") and default_service is not None:
        form.service_id.data = default_service.id
    if not request.args.get("provider_id"):
        form.provider_id.data = 0
    ok = form.validate() if "service_id" in request.args else True  # a search was sent
    if "service_id" not in request.args:  # a link with days only: a bad one still says so
        for typed in (form.from_on, form.to_on):
            if typed.name in request.args:
                typed.validate(form)
    from_on = form.from_on.data or default_days[0]
    if form.to_on.data:
        to_on = form.to_on.data
    else:
        to_on = default_days[1] if form.from_on.data is None else from_on + DEFAULT_SPAN
    form.from_on.data, form.to_on.data = from_on, to_on
    if form.from_on.errors or form.to_on.errors:
        pass  # a typed date that is no date says so; a range from it would say more
    elif to_on < from_on:
        form.to_on.errors = [*form.to_on.errors, "The end comes before the start."]
    elif (to_on - from_on).days >= LONGEST_SEARCH_DAYS:
        form.to_on.errors = [*form.to_on.errors, f"Search at most {LONGEST_SEARCH_DAYS} days."]
    service = next((s for s in services if s.id == form.service_id.data), None)
    if not ok or form.to_on.errors or form.from_on.errors:
        return None, from_on, to_on
    return service, from_on, to_on


def default_service(services: list[Service], patient: Patient | None) -> Service | None:
    """What the finder searches for until the desk chooses: for a patient, the likeliest
    microneedling service (plans.service.services_for_patient); otherwise the first
    microneedling service entered in the catalogue (the oldest, where a clinic starts with
    its everyday service; by name, "body" would come before "face"), then any service."""
    microneedling = sorted(
        (s for s in services if s.kind is ServiceKind.MICRONEEDLING), key=lambda s: s.id
    )
    if patient is not None and microneedling:
        return services_for_patient(patient.id, microneedling)[0]
    if microneedling:
        return microneedling[0]
    return services[0] if services else None


def session_to_book(
    session_id: int | None, patient: Patient | None, today: date
) -> PlannedSession | None:
    """The planned session a search books ("Book again" from a cancelled visit), if it is
    the patient's, her plan is active and the session is due."""
    if session_id is None or patient is None:
        return None
    try:
        session = get_session(session_id)
    except NotFound:
        return None
    plan = session.plan
    if plan.patient_id != patient.id or plan.status is not PlanStatus.ACTIVE:
        return None
    return session if status_of(session, today) is SessionStatus.DUE else None


@dataclass(frozen=True)
class SpacingAdvice:
    """Why the plan's rules (the gap, the cap, a session's window) refuse the first day of
    a search, and the earliest day they allow, found by the rule that filters the slots."""

    reasons: list[str]
    earliest_on: date | None
    refuses_all: bool  # no day of the search is allowed: only a later search can help
    search_url: str | None  # the same search from the earliest day, when it can be booked
    opens_on: date | None  # the earliest day is past the booking horizon until this day
    may_start_plan: bool  # she has no open plan; a plan's year counts its own sessions


def spacing_advice(
    patient: Patient,
    service: Service,
    first_on: date,
    to_on: date,
    *,
    clinic: Clinic,
    now: datetime,
    session: PlannedSession | None,
    provider_id: int | None,
    signing_off: bool = False,
) -> SpacingAdvice | None:
    earliest = earliest_session_day(patient, first_on, clinic=clinic, planned_session=session)
    if earliest == first_on:
        return None  # the plan allows the first day: the diary is why nothing is free
    reasons = spacing_reasons(patient, first_on, clinic=clinic)
    if earliest is not None and earliest - timedelta(days=1) > first_on:
        # What holds her off until then may be another visit (a session booked later):
        # the last day refused names it.
        held_by = spacing_reasons(patient, earliest - timedelta(days=1), clinic=clinic)
        reasons += [reason for reason in held_by if reason not in reasons]
    if session is not None and not session.window_start <= first_on <= session.window_end:
        reasons.insert(
            0,
            f"Session {session.number} of the plan books between "
            f"{long_day(session.window_start)} and {long_day(session.window_end)}.",
        )
    refuses_all = earliest is None or earliest > to_on
    # As the slot rules count the horizon: calendar months of local time from now.
    horizon = clinic.booking_horizon_months
    latest_on = (now.astimezone(ZoneInfo(clinic.timezone)) + relativedelta(months=horizon)).date()
    opens_on = None
    if earliest is not None and earliest > latest_on:
        opens_on = earliest - relativedelta(months=horizon)
    search_url = None
    if earliest is not None and refuses_all and opens_on is None:
        last_on = earliest + DEFAULT_SPAN
        if session is not None:
            last_on = min(last_on, session.window_end)
        search_url = url_for(
            "desk.find_slot",
            patient_id=patient.id,
            service_id=service.id,
            provider_id=provider_id,
            session_id=session.id if session else None,
            from_on=earliest.isoformat(),
            to_on=last_on.isoformat(),
            sign_off="1" if signing_off else None,
        )
    return SpacingAdvice(
        reasons,
        earliest,
        refuses_all,
        search_url,
        opens_on,
        may_start_plan=find_open_plan(patient.id) is None,
    )


@dataclass(frozen=True)
class PlanNote:
    """Her plan's session to book, shown when the desk books microneedling outside it: a
    visit counts as a session only when booked as one (or inside a due session's days)."""

    plan_id: int
    number: int
    missed: bool  # its days passed unbooked (no session is due)
    window_start: date
    window_end: date


def plan_note(patient: Patient, today: date) -> PlanNote | None:
    """The first due session of her active plan, else the first missed one."""
    plan = find_open_plan(patient.id)
    if plan is None or plan.status is not PlanStatus.ACTIVE:
        return None
    statuses = [(session, status_of(session, today)) for session in plan.sessions]
    for wanted in (SessionStatus.DUE, SessionStatus.MISSED):
        for session, status in statuses:
            if status is wanted:
                return PlanNote(
                    plan.id,
                    session.number,
                    status is SessionStatus.MISSED,
                    session.window_start,
                    session.window_end,
                )
    return None


def check_in_window(
    patient: Patient | None, service: Service | None, clinic: Clinic
) -> DateWindow | None:
    """The days her active plan's results check-in may be booked from, when the search is
    for one: the finder says so and offers that window."""
    if patient is None or service is None or service.kind is not ServiceKind.RESULTS_CHECK_IN:
        return None
    plan = find_open_plan(patient.id)
    if plan is None or plan.status is not PlanStatus.ACTIVE:
        return None
    return results_check_in_window(plan, clinic)


def check_in_without_course(patient: Patient | None, service: Service | None) -> bool:
    """A results check-in searched for a patient with no microneedling session done and no
    plan: the finder books it, but says what a check-in is for."""
    if patient is None or service is None or service.kind is not ServiceKind.RESULTS_CHECK_IN:
        return False
    return find_open_plan(patient.id) is None and not has_been_treated(patient.id)


@bp.get("/book")
@login_required
@require_role(*ALL_STAFF)
def find_slot() -> Any:
    clinic, now = get_clinic(), utcnow()
    tz = ZoneInfo(clinic.timezone)
    first_day = earliest_bookable_day(clinic, now)
    services, providers = list_services(), list_providers()
    form = FinderForm(request.args)
    patient = find_patient(form.patient_id.data)
    if patient is None and request.args.get("patient_id", "").strip():
        flash("That link names no patient here: find the patient by name below.", "error")
    session = session_to_book(id_arg("session_id"), patient, local_today(tz, now))
    days_wanted = (first_day, first_day + DEFAULT_SPAN)
    if session is not None:  # its window, from the first day that can still be booked
        opens_on = max(first_day, session.window_start)
        # Past the window's end (its last day, once the lead time reaches tomorrow), the
        # search is that one day: the advice then says the window has no day left.
        days_wanted = (opens_on, max(opens_on, min(session.window_end, opens_on + DEFAULT_SPAN)))
    service, from_on, to_on = read_finder(
        form,
        services,
        providers,
        default_service=default_service(services, patient),
        default_days=days_wanted,
    )
    if service is None or service.kind is not ServiceKind.MICRONEEDLING:
        session = None
    query = (form.q.data or "").strip()
    matches = search_patients(query, region=phone_region()) if query and patient is None else []
    days: list[SlotDay] = []
    hold: MicroneedlingVerdict | None = None  # screening or age
    advice: SpacingAdvice | None = None  # the gap, the cap, the window: only other days can
    signing_off = False  # a clinician searching for times she will book with her sign-off
    if service is not None:
        provider_id = form.provider_id.data or None
        if patient is not None:
            hold = screening_hold(patient, service, max(from_on, first_day), clinic)
            signing_off = (
                hold is not None
                and not hold.blocking
                and may(CLINICAL)
                and request.args.get("sign_off") == "1"
            )
        slots = find_open_times(
            AvailabilityQuery(
                service, from_on, to_on, provider_id, patient, is_cleared=signing_off
            ),
            clinic=clinic,
            now=now,
            planned_session=session,
        )
        days = slot_days(slots, providers, tz, one_per_start=provider_id is None)
        if patient is not None:
            first_on = max(from_on, first_day)
            if not slots and service.kind is ServiceKind.MICRONEEDLING:
                # The gap and the yearly cap explain an empty search as often as the diary.
                advice = spacing_advice(
                    patient,
                    service,
                    first_on,
                    to_on,
                    clinic=clinic,
                    now=now,
                    session=session,
                    provider_id=provider_id,
                    signing_off=signing_off,
                )
    booking_outside_plan = (
        patient is not None
        and session is None
        and service is not None
        and service.kind is ServiceKind.MICRONEEDLING
    )
    return render_template(
        "desk/find.html",
        form=form,
        service=service,
        patient=patient,
        session=session,
        plan_note=plan_note(patient, local_today(tz, now))
        if booking_outside_plan and patient is not None
        else None,
        info=patient_visits(patient) if patient is not None else None,
        check_in_window=check_in_window(patient, service, clinic),
        check_in_without_course=check_in_without_course(patient, service),
        query=query,
        matches=matches,
        days=days,
        reasons=list(hold.reasons) if hold else [],
        hold=hold,
        advice=advice,
        patient_blocked=(hold is not None and not signing_off)
        or (advice is not None and advice.refuses_all),
        can_sign_off=may(CLINICAL),
        signing_off=signing_off,
        closures=list_closures_between(from_on, to_on) if service is not None else [],
        bookable_from=first_day if to_on < first_day else None,
        sign_off_url=url_for(
            "desk.find_slot",
            patient_id=patient.id if patient else None,
            service_id=service.id if service else None,
            provider_id=form.provider_id.data or None,
            from_on=from_on.isoformat(),
            to_on=to_on.isoformat(),
            session_id=session.id if session else None,
            sign_off="1",
        ),
    )
