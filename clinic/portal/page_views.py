"""The signed-in patient's pages: home, plan, a visit, screening, messages, calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from clinic.clock import local_today, utcnow
from clinic.errors import NotFound, RuleBroken
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.plans.rules import SessionStatus
from clinic.portal.access import active_feed, create_feed, patient_for_feed, revoke_feeds
from clinic.portal.blueprint import bp, current_patient
from clinic.portal.calendar import visits_calendar
from clinic.portal.models import CalendarFeed
from clinic.portal.rules import AFTERCARE, may_change, preparation_is_near, what_reaches_her
from clinic.portal.service import (
    current_plan,
    get_own_visit,
    list_own_visits,
    plan_view,
    portal_actor,
    sent_messages,
    upcoming_visits,
    update_consent,
)
from clinic.portal.timeline import TimelineRow, plan_timeline
from clinic.portal.todo import book_again, talk_first, things_to_do
from clinic.practice.models import Clinic, ServiceKind
from clinic.practice.service import get_clinic
from clinic.scheduling.models import Appointment, Screening
from clinic.scheduling.preparation import days_left, preparation_steps
from clinic.scheduling.screening import Contraindication, screening_allows_check_in
from clinic.scheduling.screenings import latest_screening, record_screening, screening_policy
from clinic.scheduling.setup_notices import find_setup_notices
from clinic.scheduling.status import AppointmentStatus

STATE_WORDS = {
    SessionStatus.DONE: "Done",
    SessionStatus.BOOKED: "Booked",
    SessionStatus.DUE: "To book",
    SessionStatus.MISSED: "Missed",
    SessionStatus.CANCELLED: "Cancelled",
}


@dataclass(frozen=True)
class VisitNotice:
    """A visit of hers that needs a new time, why (in her words), and whether she may still
    move it online (else the notice gives the clinic's number)."""

    visit: Appointment
    text: str
    may_move: bool


@bp.get("/")
def home() -> Any:
    """Her home page. A visit that needs a new time comes first, above "To do now": she
    must not come to a closed door, while a to-do may be for a session months away."""
    patient = current_patient()
    clinic = get_clinic()
    now = utcnow()
    tz = ZoneInfo(clinic.timezone)
    today = local_today(tz, now)
    upcoming = upcoming_visits(patient.id, now)
    plan = current_plan(patient.id)
    view = plan_view(plan, clinic=clinic, today=today) if plan else None
    next_visit = upcoming[0] if upcoming else None
    notices = find_setup_notices(upcoming[:4], clinic, now)
    return render_template(
        "portal/home.html",
        next_visit=next_visit,
        later=upcoming[1:4],
        notices=notices,
        needs_new_time=[
            VisitNotice(v, notices[v.id], may_change(v.starts_at, now, clinic.late_cancel_hours))
            for v in upcoming[:4]
            if v.id in notices
        ],
        # Online she books only her plan's sessions and its results check-in: anything
        # else (no plan, or a plan with nothing left to book) is booked by phone.
        books_online=view is not None and (view.next_to_book is not None or view.results_bookable),
        preparation_open=next_visit is not None
        and preparation_is_near(next_visit.starts_at, today, tz, clinic.preparation_days_before),
        view=view,
        # A visit that needs a new time asks for nothing before it (its notice comes first).
        todo=things_to_do(
            patient, [v for v in upcoming if v.id not in notices], view, clinic=clinic, now=now
        ),
        preparation=preparation_steps(days_left(next_visit.starts_at, today, tz))
        if next_visit
        else (),
        talk_first=talk_first(next_visit, clinic=clinic, now=now) if next_visit else None,
        has_feed=active_feed(patient.id) is not None,
    )


@bp.get("/plan")
def plan() -> Any:
    patient = current_patient()
    clinic = get_clinic()
    today = local_today(ZoneInfo(clinic.timezone), utcnow())
    found = current_plan(patient.id)
    if found is None:
        return render_template("portal/plan.html", view=None, timeline=None, words=STATE_WORDS)
    view = plan_view(found, clinic=clinic, today=today)
    rows = [
        TimelineRow(
            f"Session {s.number}",
            s.status.value,
            s.session.window_start,
            s.session.window_end,
            s.visit_on,
        )
        for s in view.sessions
    ]
    results_on = None
    if view.results_visit is not None:
        results_on = view.results_visit.starts_at.astimezone(ZoneInfo(clinic.timezone)).date()
    rows.append(
        TimelineRow("Check-in", "check_in", view.results_start, view.results_end, results_on)
    )
    timeline = plan_timeline(rows, today=today, title="Your plan's sessions on a timeline")
    return render_template(
        "portal/plan.html", view=view, timeline=timeline, words=STATE_WORDS, today=today
    )


@bp.get("/appointments")
def visits() -> Any:
    patient = current_patient()
    return render_template("portal/visits.html", visits=list_own_visits(patient.id), now=utcnow())


@bp.get("/appointments/<int:appointment_id>")
def visit(appointment_id: int) -> Any:
    patient = current_patient()
    clinic = get_clinic()
    found = get_own_visit(patient.id, appointment_id)
    now = utcnow()
    is_upcoming = found.status is AppointmentStatus.BOOKED and found.ends_at >= now
    tz = ZoneInfo(clinic.timezone)
    today = local_today(tz, now)
    return render_template(
        "portal/visit.html",
        visit=found,
        is_upcoming=is_upcoming,
        is_off=found.status in (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW),
        again=book_again(found, clinic=clinic, today=today),
        is_microneedling=found.service.kind is ServiceKind.MICRONEEDLING,
        may_change=is_upcoming and may_change(found.starts_at, now, clinic.late_cancel_hours),
        cancel_hours=clinic.late_cancel_hours,
        notice=find_setup_notices([found], clinic, now).get(found.id),
        talk_first=talk_first(found, clinic=clinic, now=now) if is_upcoming else None,
        preparation=preparation_steps(days_left(found.starts_at, today, tz)),
        screened_for_it=_screened_for(found, clinic, tz),
        screening_from=_check_in_screening_from(found, clinic),
        today=today,
        aftercare=AFTERCARE,
    )


def _check_in_screening_from(visit: Appointment, clinic: Clinic) -> date:
    """The first day whose answers count for this visit's check-in."""
    visit_on = visit.starts_at.astimezone(ZoneInfo(clinic.timezone)).date()
    return visit_on - timedelta(days=clinic.check_in_screening_days)


def _screened_for(visit: Appointment, clinic: Clinic, tz: ZoneInfo) -> bool:
    """Whether her latest answers count for this visit's check-in (taken in the days
    before it): then the page thanks her instead of asking again."""
    screening = latest_screening(visit.patient_id)
    return screening_allows_check_in(
        screening.taken_on if screening else None,
        visit.starts_at.astimezone(tz).date(),
        screening_policy(clinic),
    )


def _ics_response(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _calendar(visits: list[Any]) -> bytes:
    clinic = get_clinic()
    config = current_app.config
    base = str(config["CLINIC_BASE_URL"]).rstrip("/")
    domain = str(config["MAIL_FROM"]).rsplit("@", 1)[-1] or "clinic.local"
    return visits_calendar(visits, clinic=clinic, now=utcnow(), base_url=base, uid_domain=domain)


@bp.get("/appointments/<int:appointment_id>.ics")
def visit_ics(appointment_id: int) -> Any:
    found = get_own_visit(current_patient().id, appointment_id)
    return _ics_response(_calendar([found]), f"visit-{found.id}.ics")


@bp.get("/calendar.ics")
def calendar_feed() -> Any:
    """The private feed phone calendars subscribe to: the secret token is the credential
    (calendar apps send no cookies), stored hashed and revocable."""
    token = request.args.get("token", "")
    patient = patient_for_feed(token) if token else None
    if patient is None:
        raise NotFound("This calendar address is not valid any more.")
    visits = [
        v
        for v in list_own_visits(patient.id)
        if v.status.holds_time or v.status is AppointmentStatus.COMPLETED
    ]
    return _ics_response(_calendar(visits), "visits.ics")


@bp.route("/calendar", methods=["GET", "POST"])
def calendar_page() -> Any:
    """Get, replace or stop her calendar address. A new address is shown once, on the
    answer to the form, and never kept anywhere readable (its token is stored hashed). The
    form names the address it replaces: sent again (a reload), it finds that one replaced
    already and makes no other, so the address she just copied keeps working."""
    patient = current_patient()
    current = active_feed(patient.id)
    feed_url, sent_again = None, False
    if request.method == "POST":
        now = utcnow()
        if request.form.get("action") == "stop":
            revoke_feeds(patient.id, now=now)
            db.session.commit()
            flash("Your calendar address no longer works.", "success")
            return redirect(url_for("portal.calendar_page"))
        # A form from before this check (no `replaces`) is taken as meant.
        if request.form.get("replaces", _feed_mark(current)) != _feed_mark(current):
            sent_again = True
        else:
            token = create_feed(patient.id, now=now)
            db.session.commit()
            base = str(current_app.config["CLINIC_BASE_URL"]).rstrip("/")
            feed_url = base + url_for("portal.calendar_feed", token=token)
            current = active_feed(patient.id)
    return render_template(
        "portal/calendar.html",
        feed_url=feed_url,
        sent_again=sent_again,
        has_feed=current is not None,
        replaces=_feed_mark(current),
    )


def _feed_mark(feed: CalendarFeed | None) -> str:
    return str(feed.id) if feed is not None else "none"


@bp.route("/screening", methods=["GET", "POST"])
def screening() -> Any:
    patient = current_patient()
    clinic = get_clinic()
    now = utcnow()
    upcoming = [
        v for v in upcoming_visits(patient.id, now) if v.service.kind is ServiceKind.MICRONEEDLING
    ]
    # A link names her visit; one no longer ahead of her (cancelled, past) is not asked about.
    wanted = request.values.get("appointment_id", type=int)
    visit_for = next((v for v in upcoming if v.id == wanted), upcoming[0] if upcoming else None)
    codes = list(Contraindication)
    if request.method == "GET":
        answered = latest_screening(patient.id) if request.args.get("answered") else None
        if answered is not None:
            return _screening_done(answered, visit_for, clinic)
        return render_template(
            "portal/screening.html", codes=codes, answers={}, errors={}, visit=visit_for
        )
    answers: dict[str, object] = {}
    errors: dict[str, str] = {}
    for code in codes:
        value = request.form.get(code.value)
        if value in ("yes", "no"):
            answers[code.value] = value == "yes"
        else:
            errors[code.value] = "Please answer yes or no."
    if errors:
        return render_template(
            "portal/screening.html",
            codes=codes,
            answers=answers,
            errors=errors,
            visit=visit_for,
        ), 422
    record_screening(
        patient,
        answers,
        clinic=clinic,
        actor=portal_actor(patient.id),
        now=now,
        appointment_id=visit_for.id if visit_for else None,
    )
    db.session.commit()
    # To a page of its own: reloading the thank-you must not send the answers again.
    return redirect(
        url_for("portal.screening", answered=1, appointment_id=visit_for.id if visit_for else None)
    )


def _screening_done(screening: Screening, visit: Appointment | None, clinic: Clinic) -> str:
    return render_template(
        "portal/screening_done.html",
        screening=screening,
        visit=visit,
        # Answered too early for her visit's check-in: she is told she will be asked again.
        asked_again_from=_check_in_screening_from(visit, clinic)
        if visit is not None and not _screened_for(visit, clinic, ZoneInfo(clinic.timezone))
        else None,
    )


@bp.route("/messages", methods=["GET", "POST"])
def messages() -> Any:
    patient: Patient = current_patient()
    error = None
    status = 200
    if request.method == "POST":
        try:
            update_consent(
                patient,
                email_consent=request.form.get("email_consent") == "on",
                sms_consent=request.form.get("sms_consent") == "on",
                reminders=request.form.get("reminders") == "on",
                now=utcnow(),
            )
        except RuleBroken as refusal:
            db.session.rollback()
            error, status = refusal.message, 422
        else:
            db.session.commit()
            means = what_reaches_her(
                by_email=patient.emailable,
                by_text=patient.textable,
                reminders=patient.unsubscribed_at is None,
            )
            flash(f"Your choices are saved. {means}", "success")
            return redirect(url_for("portal.messages"))
    return render_template(
        "portal/messages.html", rows=sent_messages(patient.id), error=error
    ), status
