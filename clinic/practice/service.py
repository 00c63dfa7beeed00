"""Reading and changing the clinic's setup. Every change is audited in its transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, g
from sqlalchemy import select

from clinic.audit.service import Actor, diff, record
from clinic.clock import NonexistentLocalTime, combine_local
from clinic.errors import NotFound, RuleBroken
from clinic.extensions import db
from clinic.practice.models import (
    Clinic,
    Closure,
    OpeningHours,
    Provider,
    ProviderBreak,
    Room,
    Service,
    ServiceKind,
    TimeOff,
    WorkingHours,
)
from clinic.practice.rules import (
    WEEKDAY_NAMES,
    ClinicSettings,
    TimeRange,
    check_breaks,
    check_clinic_settings,
    check_ranges,
    check_service_parts,
    find_overlapping_span,
)


def find_clinic() -> Clinic | None:
    """The clinic of this deployment, once per request; None before the first setup."""
    if "clinic" not in g:
        g.clinic = db.session.scalar(select(Clinic).order_by(Clinic.id).limit(1))
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
        f"Closed on {on.isoformat()} ({name})",
        now=now,
    )
    return closure


def remove_closure(closure_id: int, *, actor: Actor, now: datetime) -> None:
    closure = db.session.get(Closure, closure_id)
    if closure is None:
        raise NotFound(f"There is no closure {closure_id}.")
    record(
        actor,
        "delete",
        "closure",
        closure.id,
        f"Open again on {closure.on.isoformat()} ({closure.name})",
        now=now,
    )
    db.session.delete(closure)
    db.session.flush()


# --- Providers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderInput:
    name: str
    credential: str
    is_active: bool = True


@dataclass(frozen=True)
class WorkingDay:
    """One weekday of a provider's week: working periods, and breaks inside them."""

    work: tuple[TimeRange, ...] = ()
    breaks: tuple[TimeRange, ...] = ()


@dataclass(frozen=True)
class LocalTimeOff:
    """Time off as typed: clinic-local dates and wall times, converted to instants on saving."""

    starts_on: date
    starts_at: time
    ends_on: date
    ends_at: time
    reason: str = ""


def get_provider(provider_id: int) -> Provider:
    provider = db.session.get(Provider, provider_id)
    if provider is None:
        raise NotFound(f"There is no provider {provider_id}.")
    return provider


def create_provider(raw: ProviderInput, *, actor: Actor, now: datetime) -> Provider:
    provider = Provider()
    _apply_provider(provider, raw)
    db.session.add(provider)
    db.session.flush()
    record(actor, "create", "provider", provider.id, f"Added provider {provider.name}", now=now)
    return provider


def update_provider(
    provider: Provider, raw: ProviderInput, *, actor: Actor, now: datetime
) -> Provider:
    before = _snapshot(provider, ProviderInput)
    _apply_provider(provider, raw)
    _record_changes(
        actor,
        "provider",
        provider.id,
        f"Changed provider {provider.name}",
        before,
        _snapshot(provider, ProviderInput),
        now=now,
    )
    return provider


def _apply_provider(provider: Provider, raw: ProviderInput) -> None:
    name = " ".join(raw.name.split())
    credential = " ".join(raw.credential.split())
    problems = _text_problems(name=(name, 120), credential=(credential, 120))
    if problems:
        raise RuleBroken("Some details need correcting.", problems)
    provider.name = name
    provider.credential = credential
    provider.is_active = raw.is_active


def working_week(provider: Provider) -> dict[int, WorkingDay]:
    work: dict[int, list[TimeRange]] = {day: [] for day in range(7)}
    breaks: dict[int, list[TimeRange]] = {day: [] for day in range(7)}
    for hours in provider.working_hours:
        work[hours.weekday].append(TimeRange(hours.starts_at, hours.ends_at))
    for pause in provider.breaks:
        breaks[pause.weekday].append(TimeRange(pause.starts_at, pause.ends_at))
    return {day: WorkingDay(tuple(work[day]), tuple(breaks[day])) for day in range(7)}


def set_working_week(
    provider: Provider, week: Mapping[int, WorkingDay], *, actor: Actor, now: datetime
) -> None:
    """Replace a provider's weekly hours. Working periods of a day may not overlap; each
    break lies inside one working period. Errors are keyed `work.<weekday>.<position>` and
    `breaks.<weekday>.<position>`."""
    problems: dict[str, str] = {}
    for day, plan in week.items():
        for index, message in check_ranges(plan.work).items():
            problems[f"work.{day}.{index}"] = message
        for index, message in check_breaks(plan.work, plan.breaks).items():
            problems[f"breaks.{day}.{index}"] = message
    if problems:
        raise RuleBroken("Some working hours need correcting.", problems)
    before = _working_text(working_week(provider))
    provider.working_hours.clear()
    provider.breaks.clear()
    for day in sorted(week):
        for period in week[day].work:
            provider.working_hours.append(
                WorkingHours(weekday=day, starts_at=period.starts_at, ends_at=period.ends_at)
            )
        for pause in week[day].breaks:
            provider.breaks.append(
                ProviderBreak(weekday=day, starts_at=pause.starts_at, ends_at=pause.ends_at)
            )
    _record_changes(
        actor,
        "provider",
        provider.id,
        f"Changed the hours of {provider.name}",
        before,
        _working_text(week),
        now=now,
    )


def _working_text(week: Mapping[int, WorkingDay]) -> dict[str, str]:
    text = {}
    for day in range(7):
        plan = week.get(day, WorkingDay())
        hours = ", ".join(str(r) for r in sorted(plan.work, key=lambda r: r.starts_at))
        pauses = ", ".join(str(r) for r in sorted(plan.breaks, key=lambda r: r.starts_at))
        text[WEEKDAY_NAMES[day]] = (hours or "off") + (f" (breaks {pauses})" if pauses else "")
    return text


def list_upcoming_time_off(provider: Provider, now: datetime) -> list[TimeOff]:
    """Time off that has not ended yet, soonest first."""
    return [absence for absence in provider.time_off if absence.ends_at > now]


def add_time_off(
    provider: Provider, raw: LocalTimeOff, *, zone: ZoneInfo, actor: Actor, now: datetime
) -> TimeOff:
    """Record an absence entered in clinic-local time; stored as UTC instants.

    A wall time skipped by a DST change does not exist, so it is refused rather than
    guessed; a repeated one (autumn) means its first occurrence (clinic.clock)."""
    problems: dict[str, str] = {}
    starts_at = _local_instant(raw.starts_on, raw.starts_at, zone, "starts_at", problems)
    ends_at = _local_instant(raw.ends_on, raw.ends_at, zone, "ends_at", problems)
    reason = " ".join(raw.reason.split())
    if len(reason) > 200:
        problems["reason"] = "Use at most 200 characters."
    if starts_at is not None and ends_at is not None:
        if ends_at <= starts_at:
            problems["ends_at"] = "The time off must end later than it starts."
        elif ends_at <= now:
            problems["ends_at"] = "This time off has already ended."
        else:
            spans = [(a.starts_at, a.ends_at) for a in provider.time_off]
            clash = find_overlapping_span(starts_at, ends_at, spans)
            if clash is not None:
                problems["starts_on"] = (
                    f"This overlaps time off from {clash[0].astimezone(zone):%Y-%m-%d %H:%M} "
                    f"to {clash[1].astimezone(zone):%Y-%m-%d %H:%M}."
                )
    if problems or starts_at is None or ends_at is None:
        raise RuleBroken("The time off could not be added.", problems)
    absence = TimeOff(starts_at=starts_at, ends_at=ends_at, reason=reason)
    provider.time_off.append(absence)
    db.session.flush()
    record(
        actor,
        "create",
        "time_off",
        absence.id,
        f"Time off for {provider.name}",
        now=now,
        changes={
            "provider_id": provider.id,
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
        },
    )
    return absence


def _local_instant(
    day: date, at: time, zone: ZoneInfo, field: str, problems: dict[str, str]
) -> datetime | None:
    try:
        return combine_local(day, at, zone)
    except NonexistentLocalTime:
        problems[field] = (
            f"{at:%H:%M} does not exist on {day.isoformat()}: the clocks go forward that night. "
            "Choose a time an hour later."
        )
        return None


def remove_time_off(provider: Provider, time_off_id: int, *, actor: Actor, now: datetime) -> None:
    absence = next((a for a in provider.time_off if a.id == time_off_id), None)
    if absence is None:
        raise NotFound(f"There is no time off {time_off_id} for this provider.")
    record(
        actor,
        "delete",
        "time_off",
        absence.id,
        f"Removed time off for {provider.name}",
        now=now,
        changes={
            "provider_id": provider.id,
            "starts_at": absence.starts_at.isoformat(),
            "ends_at": absence.ends_at.isoformat(),
        },
    )
    provider.time_off.remove(absence)
    db.session.flush()


# --- Rooms ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RoomInput:
    name: str
    device: str
    is_active: bool = True


def get_room(room_id: int) -> Room:
    room = db.session.get(Room, room_id)
    if room is None:
        raise NotFound(f"There is no room {room_id}.")
    return room


def create_room(raw: RoomInput, *, actor: Actor, now: datetime) -> Room:
    room = Room()
    _apply_room(room, raw)
    db.session.add(room)
    db.session.flush()
    record(actor, "create", "room", room.id, f"Added room {room.name}", now=now)
    return room


def update_room(room: Room, raw: RoomInput, *, actor: Actor, now: datetime) -> Room:
    before = _snapshot(room, RoomInput)
    _apply_room(room, raw)
    _record_changes(
        actor,
        "room",
        room.id,
        f"Changed room {room.name}",
        before,
        _snapshot(room, RoomInput),
        now=now,
    )
    return room


def _apply_room(room: Room, raw: RoomInput) -> None:
    name = " ".join(raw.name.split())
    device = " ".join(raw.device.split())
    problems = _text_problems(name=(name, 80), device=(device, 120))
    if "name" not in problems and _name_taken(Room, name, room.id):
        problems["name"] = "Another room has this name."
    if problems:
        raise RuleBroken("Some details need correcting.", problems)
    room.name = name
    room.device = device
    room.is_active = raw.is_active


# --- Services ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceInput:
    """A bookable service as typed; the price in dollars as text."""

    name: str
    kind: ServiceKind
    procedure_minutes: int
    numbing_minutes: int
    buffer_minutes: int
    provider_free_while_numbing: bool
    price: str
    indications: tuple[str, ...]
    description: str = ""
    is_active: bool = True


SERVICE_FIELDS = (
    "name",
    "kind",
    "procedure_minutes",
    "numbing_minutes",
    "buffer_minutes",
    "provider_free_while_numbing",
    "price_cents",
    "indications",
    "description",
    "is_active",
)


def get_service(service_id: int) -> Service:
    service = db.session.get(Service, service_id)
    if service is None:
        raise NotFound(f"There is no service {service_id}.")
    return service


def create_service(raw: ServiceInput, *, actor: Actor, now: datetime) -> Service:
    service = Service()
    _apply_service(service, raw)
    db.session.add(service)
    db.session.flush()
    record(actor, "create", "service", service.id, f"Added service {service.name}", now=now)
    return service


def update_service(service: Service, raw: ServiceInput, *, actor: Actor, now: datetime) -> Service:
    before = {name: getattr(service, name) for name in SERVICE_FIELDS}
    _apply_service(service, raw)
    after = {name: getattr(service, name) for name in SERVICE_FIELDS}
    _record_changes(
        actor, "service", service.id, f"Changed service {service.name}", before, after, now=now
    )
    return service


def _apply_service(service: Service, raw: ServiceInput) -> None:
    name = " ".join(raw.name.split())
    problems = _text_problems(name=(name, 120))
    if "name" not in problems and _name_taken(Service, name, service.id):
        problems["name"] = "Another service has this name."
    description = raw.description.strip()
    if len(description) > 2000:
        problems["description"] = "Use at most 2,000 characters."
    minutes = {
        "procedure_minutes": raw.procedure_minutes,
        "numbing_minutes": raw.numbing_minutes,
        "buffer_minutes": raw.buffer_minutes,
    }
    cents, part_problems = check_service_parts(
        minutes,
        provider_free_while_numbing=raw.provider_free_while_numbing,
        price=raw.price,
        indications=raw.indications,
    )
    problems.update(part_problems)
    if problems or cents is None:
        raise RuleBroken("Some details need correcting.", problems)
    service.name = name
    service.kind = raw.kind
    service.procedure_minutes = raw.procedure_minutes
    service.numbing_minutes = raw.numbing_minutes
    service.buffer_minutes = raw.buffer_minutes
    service.provider_free_while_numbing = raw.provider_free_while_numbing
    service.price_cents = cents
    service.indications = sorted(set(raw.indications))
    service.description = description
    service.is_active = raw.is_active


# --- Shared -------------------------------------------------------------------------------


def _text_problems(**texts: tuple[str, int]) -> dict[str, str]:
    """A sentence for each required text (value, most characters) that is empty or too long."""
    problems = {}
    for name, (value, limit) in texts.items():
        if not value:
            problems[name] = "This is required."
        elif len(value) > limit:
            problems[name] = f"Use at most {limit} characters."
    return problems


def _name_taken(model: type[Room] | type[Service], name: str, own_id: int | None) -> bool:
    """Whether another row already uses this name, ignoring case.

    Compared in Python (casefold), not with SQL lower(): SQLite's lower() knows only ASCII,
    so "İstanbul" would slip past it and hit the unique constraint. A clinic has a handful
    of rooms and services, so reading their names is cheap.
    """
    rows = db.session.execute(select(model.id, model.name))
    wanted = name.casefold()
    return any(row.id != own_id and row.name.casefold() == wanted for row in rows)


def _snapshot(row: Any, shape: type[ProviderInput] | type[RoomInput]) -> dict[str, Any]:
    """The row's values of the fields its input shape sets, for an audit diff."""
    return {item.name: getattr(row, item.name) for item in fields(shape)}


def _record_changes(
    actor: Actor,
    entity: str,
    entity_id: int,
    summary: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    now: datetime,
) -> None:
    """Audit an update with {field: [old, new]}, or nothing when nothing changed."""
    changes = diff(dict(before), dict(after))
    if changes:
        record(actor, "update", entity, entity_id, summary, now=now, changes=changes)
