"""The clinic itself: finding it, its settings, opening hours and closures. Every change is
audited in its transaction. (Providers: practice.providers; rooms and services:
practice.catalogue.)"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, g
from sqlalchemy import select

from clinic.audit.service import Actor, diff, record
from clinic.errors import NotFound, RuleBroken
from clinic.extensions import db
from clinic.practice.models import Clinic, Closure, OpeningHours, Provider, Room, Service
from clinic.practice.rules import (
    WEEKDAY_NAMES,
    ClinicSettings,
    TimeRange,
    check_clinic_settings,
    check_ranges,
)

# Every request reads it (pages for their header, the API for the zone): built once.
_THE_CLINIC = select(Clinic).order_by(Clinic.id).limit(1)


def find_clinic() -> Clinic | None:
    """The clinic of this deployment, once per request; None before the first setup."""
    if "clinic" not in g:
        g.clinic = db.session.scalar(_THE_CLINIC)
    return g.clinic  # type: ignore[no-any-return]


def get_clinic() -> Clinic:
    clinic = find_clinic()
    if clinic is None:
        raise NotFound("The clinic has not been set up yet; run `flask --app wsgi seed-demo`.")
    return clinic


def clinic_zone() -> ZoneInfo:
    """The clinic's zone (the configured default before setup), kept for the request:
    pages and API bodies convert every instant they show through it."""
    clinic = find_clinic()
    name = str(current_app.config["CLINIC_TIMEZONE"]) if clinic is None else clinic.timezone
    zone: ZoneInfo | None = g.get("clinic_zone")
    if zone is None or zone.key != name:
        zone = g.clinic_zone = ZoneInfo(name)
    return zone


def list_providers(*, include_inactive: bool = False) -> list[Provider]:
    query = select(Provider).order_by(Provider.name)
    if not include_inactive:
        query = query.where(Provider.is_active.is_(True))
    return list(db.session.scalars(query))


def list_rooms(*, include_inactive: bool = False) -> list[Room]:
    query = select(Room).order_by(Room.name)
    if not include_inactive:
        query = query.where(Room.is_active.is_(True))
    return list(db.session.scalars(query))


def list_services(*, include_inactive: bool = False) -> list[Service]:
    query = select(Service).order_by(Service.kind, Service.name)
    if not include_inactive:
        query = query.where(Service.is_active.is_(True))
    return list(db.session.scalars(query))


# --- The clinic's settings ---------------------------------------------------------------


def clinic_settings(clinic: Clinic) -> ClinicSettings:
    """The clinic's current settings, as the settings form shows them."""
    names = ClinicSettings.__dataclass_fields__
    return ClinicSettings(**{name: getattr(clinic, name) for name in names})


def update_clinic_settings(
    clinic: Clinic, raw: ClinicSettings, *, actor: Actor, now: datetime, phone_region: str
) -> Clinic:
    """Check and store the clinic's details and clinical defaults; audit what changed."""
    settings, problems = check_clinic_settings(raw, phone_region=phone_region)
    if settings is None:
        raise RuleBroken("Some settings need correcting.", problems)
    before = asdict(clinic_settings(clinic))
    after = asdict(settings)
    for name, value in after.items():
        setattr(clinic, name, value)
    changes = diff(before, after)
    if changes:
        record(
            actor,
            "update",
            "clinic",
            clinic.id,
            "Changed the clinic's settings",
            now=now,
            changes=changes,
        )
    return clinic


# --- Opening hours and closures ---------------------------------------------------------


def weekly_opening_hours(clinic: Clinic) -> dict[int, list[TimeRange]]:
    week: dict[int, list[TimeRange]] = {day: [] for day in range(7)}
    for hours in clinic.opening_hours:
        week[hours.weekday].append(TimeRange(hours.opens_at, hours.closes_at))
    return week


def set_opening_hours(
    clinic: Clinic, week: Mapping[int, Sequence[TimeRange]], *, actor: Actor, now: datetime
) -> None:
    """Replace the weekly opening hours. A weekday with no periods is closed; the periods of
    one day may not overlap. Errors are keyed `hours.<weekday>.<position>`."""
    problems = {
        f"hours.{day}.{index}": message
        for day, ranges in week.items()
        for index, message in check_ranges(ranges).items()
    }
    if problems:
        raise RuleBroken("Some opening hours need correcting.", problems)
    before = _week_text(weekly_opening_hours(clinic))
    clinic.opening_hours.clear()
    for day in sorted(week):
        for period in sorted(week[day], key=lambda r: r.starts_at):
            clinic.opening_hours.append(
                OpeningHours(weekday=day, opens_at=period.starts_at, closes_at=period.ends_at)
            )
    changes = diff(before, _week_text(week))
    if changes:
        record(
            actor,
            "update",
            "clinic",
            clinic.id,
            "Changed the opening hours",
            now=now,
            changes=changes,
        )


def _week_text(week: Mapping[int, Sequence[TimeRange]]) -> dict[str, str]:
    """{"Monday": "09:00–12:00, 13:00–19:00", ...}, for audit entries."""
    return {
        WEEKDAY_NAMES[day]: ", ".join(
            str(r) for r in sorted(week.get(day, []), key=lambda r: r.starts_at)
        )
        or "closed"
        for day in range(7)
    }


def list_upcoming_closures(today: date) -> list[Closure]:
    return list(db.session.scalars(select(Closure).where(Closure.on >= today).order_by(Closure.on)))


def list_closures_between(first: date, last: date) -> list[Closure]:
    """The days the clinic is closed from `first` to `last`, both included."""
    return list(
        db.session.scalars(
            select(Closure).where(Closure.on >= first, Closure.on <= last).order_by(Closure.on)
        )
    )


def open_span(first: date, last: date) -> tuple[date, date]:
    """The first and the last day from `first` to `last` on which the clinic opens (its
    weekdays, less closures): "any day from ... to ..." names days she can choose. The
    days themselves when none opens."""
    clinic = get_clinic()
    weekdays = {row.weekday for row in clinic.opening_hours}
    closed = {closure.on for closure in list_closures_between(first, last)}
    days = [
        day
        for day in (first + timedelta(days=n) for n in range((last - first).days + 1))
        if day.weekday() in weekdays and day not in closed
    ]
    return (days[0], days[-1]) if days else (first, last)


def add_closure(on: date, name: str, *, actor: Actor, now: datetime, today: date) -> Closure:
    """Close the clinic for a whole local day (a holiday). One closure per day; none in the
    past, where it could no longer change any booking."""
    name = " ".join(name.split())
    problems: dict[str, str] = {}
    if on < today:
        problems["on"] = "That day has passed; choose today or a later day."
    elif db.session.scalar(select(Closure.id).where(Closure.on == on)) is not None:
        problems["on"] = "The clinic is already closed that day."
    if not name:
        problems["name"] = "Enter a name, such as Thanksgiving."
    elif len(name) > 120:
        problems["name"] = "Use at most 120 characters."
    if problems:
        raise RuleBroken("The closure could not be added.", problems)
    closure = Closure(on=on, name=name)
    db.session.add(closure)
    db.session.flush()
    record(
        actor,
        "create",
        "closure",
        closure.id,
        f"Closed on {on:%A %-d %B %Y} ({name})",
        now=now,
    )
    return closure


def get_closure(closure_id: int) -> Closure:
    closure = db.session.get(Closure, closure_id)
    if closure is None:
        raise NotFound(f"There is no closure {closure_id}.")
    return closure


def remove_closure(closure_id: int, *, actor: Actor, now: datetime) -> None:
    closure = get_closure(closure_id)
    record(
        actor,
        "delete",
        "closure",
        closure.id,
        f"Open again on {closure.on:%A %-d %B %Y} ({closure.name})",
        now=now,
    )
    db.session.delete(closure)
    db.session.flush()
