"""The clinic's providers: their records, weekly working hours and breaks, and time off.
Every change is audited in its transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import partial
from zoneinfo import ZoneInfo

from clinic.audit.service import Actor, record
from clinic.clock import NonexistentLocalTime, combine_local
from clinic.errors import NotFound, RuleBroken
from clinic.extensions import db
from clinic.practice.changes import (
    create,
    existing,
    field_names,
    record_changes,
    text_problems,
    update,
)
from clinic.practice.models import Provider, ProviderBreak, TimeOff, WorkingHours
from clinic.practice.rules import (
    WEEKDAY_NAMES,
    TimeRange,
    check_breaks,
    check_ranges,
    find_overlapping_span,
)

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
    return existing(Provider, provider_id, "provider")


def create_provider(raw: ProviderInput, *, actor: Actor, now: datetime) -> Provider:
    provider = Provider()
    fill = partial(_apply_provider, provider, raw)
    return create(provider, fill, entity="provider", actor=actor, now=now)


def update_provider(
    provider: Provider, raw: ProviderInput, *, actor: Actor, now: datetime
) -> Provider:
    fill = partial(_apply_provider, provider, raw)
    audited = field_names(ProviderInput)
    return update(provider, fill, audited, entity="provider", actor=actor, now=now)


def _apply_provider(provider: Provider, raw: ProviderInput) -> None:
    name = " ".join(raw.name.split())
    credential = " ".join(raw.credential.split())
    problems = text_problems(name=(name, 120), credential=(credential, 120))
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
    record_changes(
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
                    f"This overlaps time off from {clash[0].astimezone(zone):%a %-d %b %Y, %H:%M} "
                    f"to {clash[1].astimezone(zone):%a %-d %b %Y, %H:%M}."
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
            f"{at:%H:%M} does not exist on {day:%A %-d %B %Y}: the clocks go forward that night. "
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
