"""Booking: the free times as slot buttons (the finder's and the move page's), one click
to book one for a patient, and the booking form that re-checks and explains any refusal.
"Find a slot" itself is in finder_views."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from clinic.accounts.access import ALL_STAFF, CLINICAL, actor, may, require_role
from clinic.clock import utcnow
from clinic.errors import Conflict, Forbidden, NotFound, RuleBroken
from clinic.extensions import db
from clinic.operations import VisitRequest, book_visit
from clinic.patients.models import Patient
from clinic.patients.service import get_patient
from clinic.practice.models import Provider, Service
from clinic.practice.service import get_clinic, list_providers, list_services
from clinic.scheduling.desk_views import ConflictNote, bp, conflict_notes, put_refusal
from clinic.scheduling.forms import BookForm, MoveForm, local_instant, parse_instant, plausible_id
from clinic.scheduling.schedule import Slot
from clinic.scheduling.screenings import screening_hold
from clinic.scheduling.service import Clearance
from clinic.web import id_arg

REFUSAL_TARGETS = {"start": "at_time", "room_id": "at_time"}


@dataclass(frozen=True)
class SlotChoice:
    value: str  # "<ISO start>|<provider id>", what the button sends
    at: str  # "10:00", clinic-local
    provider: str
    label: str  # the whole sentence, for screen readers


@dataclass(frozen=True)
class SlotDay:
    on: date
    choices: list[SlotChoice]


def slot_days(
    slots: list[Slot], providers: list[Provider], tz: ZoneInfo, *, one_per_start: bool
) -> list[SlotDay]:
    """Free slots grouped by clinic-local day. With any provider, one button per start time
    (the first provider free then, as booking without a provider would choose)."""
    names = {p.id: p.name for p in providers}
    days: dict[date, list[SlotChoice]] = {}
    seen: set[datetime] = set()
    for slot in slots:
        if one_per_start and slot.start_utc in seen:
            continue
        seen.add(slot.start_utc)
        local = slot.start_utc.astimezone(tz)
        provider = names.get(slot.provider_id, f"provider {slot.provider_id}")
        days.setdefault(local.date(), []).append(
            SlotChoice(
                value=f"{slot.start_utc.isoformat()}|{slot.provider_id}",
                at=f"{local:%H:%M}",
                provider=provider,
                label=f"{local:%a %-d %b, %H:%M} with {provider}",
            )
        )
    return [SlotDay(on, choices) for on, choices in days.items()]


@bp.route("/book/time", methods=["GET"])
@login_required
@require_role(*ALL_STAFF)
def book_at_time() -> Any:
    """The booking form with a typed date and time (also where refusals are explained)."""
    form = BookForm(formdata=request.args)
    _book_choices(form)
    patient = find_patient(form.patient_id.data)
    return render_template(
        "desk/book.html",
        form=form,
        patient=patient,
        notes=[],
        planned_session_id=id_arg("session_id"),
    )


@bp.post("/book")
@login_required
@require_role(*ALL_STAFF)
def book() -> Any:
    clinic, now = get_clinic(), utcnow()
    tz = ZoneInfo(clinic.timezone)
    form = BookForm()
    _book_choices(form)
    reason = (form.clearance_reason.data or "").strip()
    if reason and not may(CLINICAL):
        raise Forbidden("Only a clinician or an admin may sign off a visit.")
    patient = find_patient(form.patient_id.data)
    planned_session_id = plausible_id(request.form.get("planned_session_id"))
    notes: list[ConflictNote] = []
    status = 422
    offer_screening = False  # refused for the screening, which answering again may lift
    if form.validate_on_submit():
        starts_at, provider_id = read_when(form, tz)
        if starts_at is not None and form.patient_id.data is not None:
            request_ = VisitRequest(
                patient_id=form.patient_id.data,
                service_id=form.service_id.data,
                starts_at=starts_at,
                provider_id=provider_id,
                planned_session_id=planned_session_id,
                clearance=Clearance(reason, actor()) if reason else None,
            )
            try:
                appointment = book_visit(request_, clinic=clinic, actor=actor(), now=now)
            except RuleBroken as refusal:
                put_refusal(form, refusal, REFUSAL_TARGETS)
                service = db.session.get(Service, form.service_id.data)
                if patient is not None and service is not None:
                    hold = screening_hold(patient, service, starts_at.astimezone(tz).date(), clinic)
                    offer_screening = hold is not None and hold.screening_may_help
            except Conflict as conflict:
                notes = conflict_notes(conflict)
                form.form_errors.append(conflict.message)
                status = 409
            else:
                db.session.commit()
                flash(
                    f"Booked {appointment.service.name} for {appointment.patient.full_name}.",
                    "success",
                )
                return redirect(url_for("desk.visit_page", appointment_id=appointment.id))
    elif form.patient_id.errors:
        form.form_errors.extend(form.patient_id.errors)
    return render_template(
        "desk/book.html",
        form=form,
        patient=patient,
        notes=notes,
        planned_session_id=planned_session_id,
        offer_screening=offer_screening,
    ), status


def read_when(form: BookForm | MoveForm, tz: ZoneInfo) -> tuple[datetime | None, int | None]:
    """The start and provider a booking form asks for: a slot button's value, an ISO
    `start`, or a typed local date and time. Afterwards the typed fields show the time
    asked for, so that a refused booking can be corrected and sent again."""
    provider_id = form.provider_id.data or None
    raw = form.start.data
    if form.slot.data:
        raw, _, raw_provider = form.slot.data.partition("|")
        provider_id = plausible_id(raw_provider) or provider_id
    starts_at: datetime | None = None
    if raw:
        starts_at = parse_instant(raw)
        if starts_at is None:
            form.form_errors.append("The time sent is not an ISO instant with its offset.")
    elif form.on_date.data and form.at_time.data:
        starts_at = local_instant(form.on_date, form.at_time, tz)
    else:
        form.at_time.errors = [*form.at_time.errors, "Choose a date and a time."]
    if starts_at is not None:
        local = starts_at.astimezone(tz)
        form.on_date.data, form.at_time.data = local.date(), local.time()
    form.provider_id.data = provider_id or 0
    form.slot.data = form.start.data = ""
    return starts_at, provider_id


def _book_choices(form: BookForm) -> None:
    form.service_id.choices = [SelectChoice(s.id, s.name) for s in list_services()]
    form.provider_id.choices = [SelectChoice(0, "Any provider")] + [
        SelectChoice(p.id, p.name) for p in list_providers()
    ]


def find_patient(patient_id: int | None) -> Patient | None:
    known = plausible_id(patient_id)
    if known is None:
        return None
    try:
        return get_patient(known)
    except NotFound:
        return None
