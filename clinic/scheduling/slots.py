"""Finding free slots, and checking one proposed booking, by the same rules.

A visit (API.md, "Visits") starts when the patient arrives and numbing begins; it ends when
the procedure ends, `numbing + procedure` real minutes later. Then:

- the room is busy [start, end + buffer): numbing happens in it, and it is cleaned after;
- the provider is busy [start, end), or only [start + numbing, end) when the service allows
  processing time (she is free while the cream sets, DOMAIN.md), so one provider can numb a
  patient in one room while finishing another in a second room;
- the patient is busy [start, end);
- [start, end] lies in the provider's working hours minus her breaks and time off, and
  [start, end + buffer] in the clinic's opening hours (the room must be cleaned before the
  clinic closes), on a day that is not a closure;
- start is at least the lead time after `now` (time to prepare; also no booking in the
  past) and at most the horizon (months, by calendar) after it.

`find_slots` offers starts on the slot grid; `check_booking` judges one start and separates
rule problems (a 422: the request can never succeed as asked) from conflicts (a 409: someone
holds the time). Both run on `_Board`, which holds the one implementation of each predicate,
so booking any offered slot passes the check. Everything is pure: `now`, the clinic's zone
and the policy are arguments, and all arithmetic on instants is real elapsed time in UTC.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from clinic.scheduling.hours import (
    WeeklyHours,
    day_pattern,
    day_spans,
    grid_starts,
    local_day_of,
    place,
    placement,
)
from clinic.scheduling.intervals import (
    EMPTY_INDEX,
    MINUTE,
    BusyIndex,
    Span,
    from_micros,
    intersect,
    lies_inside,
    starts_inside,
    subtract,
    to_micros,
)


@dataclass(frozen=True)
class BookingPolicy:
    """The clinic's booking settings (Clinic.slot_grid_minutes and kin)."""

    slot_grid_minutes: int = 15
    lead_time_minutes: int = 120
    horizon_months: int = 12


class Interval(NamedTuple):
    """[starts_at, ends_at) between two aware instants. (Named tuples here and below: a
    search reads hundreds of busy visits, and a tuple is the cheapest record to build.)"""

    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class ProviderSchedule:
    """When one provider works: weekly hours and breaks (local wall time), and time off."""

    provider_id: int
    working_hours: tuple[WeeklyHours, ...]
    breaks: tuple[WeeklyHours, ...] = ()
    time_off: tuple[Interval, ...] = ()


@dataclass(frozen=True)
class ClinicSetup:
    """What can be booked: opening hours, closures, active providers and active rooms."""

    opening_hours: tuple[WeeklyHours, ...]
    closures: frozenset[date]
    providers: tuple[ProviderSchedule, ...]
    room_ids: tuple[int, ...]


@dataclass(frozen=True)
class ServiceTiming:
    """The minutes of a service that shape a visit (Service.numbing_minutes and kin)."""

    procedure_minutes: int
    numbing_minutes: int = 0
    buffer_minutes: int = 0
    provider_free_while_numbing: bool = False


@dataclass(frozen=True)
class VisitTimes:
    """A visit's instants: what the booking service stores, and what the rules check."""

    starts_at: datetime
    ends_at: datetime
    provider_busy: Interval
    room_busy: Interval

    @property
    def patient_busy(self) -> Interval:
        return Interval(self.starts_at, self.ends_at)


class BusyVisit(NamedTuple):
    """A visit that holds its time (booked, checked in or completed; API.md "Visits").

    The patient is busy from the visit's start (the room's busy start) to its end (the
    provider's busy end), so those two intervals say everything.
    """

    appointment_id: int
    provider_id: int
    room_id: int
    patient_id: int
    provider_busy: Interval
    room_busy: Interval

    @property
    def patient_busy(self) -> Interval:
        return Interval(self.room_busy.starts_at, self.provider_busy.ends_at)

    @classmethod
    def of(
        cls, appointment_id: int, provider_id: int, room_id: int, patient_id: int, times: VisitTimes
    ) -> BusyVisit:
        return cls(
            appointment_id, provider_id, room_id, patient_id, times.provider_busy, times.room_busy
        )


class Slot(NamedTuple):
    """A start one provider can take, with the first free room (lowest id)."""

    start_utc: datetime
    end_utc: datetime
    provider_id: int
    room_id: int


class BookingProblem(StrEnum):
    """A rule a proposed start breaks: a 422 whatever else is booked."""

    IN_THE_PAST = "in_the_past"
    INSIDE_LEAD_TIME = "inside_lead_time"
    BEYOND_HORIZON = "beyond_horizon"
    CLOSURE = "closure"
    OUTSIDE_OPENING_HOURS = "outside_opening_hours"
    OUTSIDE_WORKING_HOURS = "outside_working_hours"
    UNKNOWN_ROOM = "unknown_room"

    @property
    def field(self) -> str:
        """The request field the problem belongs to."""
        return "room_id" if self is BookingProblem.UNKNOWN_ROOM else "start"

    @property
    def sentence(self) -> str:
        return _PROBLEM_SENTENCES[self]


_PROBLEM_SENTENCES = {
    BookingProblem.IN_THE_PAST: "This time has already passed.",
    BookingProblem.INSIDE_LEAD_TIME: "This time is too soon; the clinic needs more notice.",
    BookingProblem.BEYOND_HORIZON: "This time is too far ahead to book yet.",
    BookingProblem.CLOSURE: "The clinic is closed that day.",
    BookingProblem.OUTSIDE_OPENING_HOURS: (
        "The visit, with the room's cleaning after it, does not fit in the opening hours."
    ),
    BookingProblem.OUTSIDE_WORKING_HOURS: (
        "The provider is not working for the whole visit (hours, breaks or time off)."
    ),
    BookingProblem.UNKNOWN_ROOM: "This room cannot be booked.",
}


class ConflictKind(StrEnum):
    PROVIDER = "provider"
    ROOM = "room"
    PATIENT = "patient"


@dataclass(frozen=True)
class Conflict:
    """A visit holding time the proposed booking needs (a 409 when there is no problem)."""

    kind: ConflictKind
    appointment_id: int


@dataclass(frozen=True)
class BookingCheck:
    """The verdict on one proposed booking. `room_id` is the room it would use (None when
    every room is taken or the asked-for room is unknown)."""

    times: VisitTimes
    provider_id: int
    room_id: int | None
    problems: tuple[BookingProblem, ...]
    conflicts: tuple[Conflict, ...]

    @property
    def is_bookable(self) -> bool:
        return not self.problems and not self.conflicts


def visit_times(service: ServiceTiming, starts_at: datetime) -> VisitTimes:
    """The instants of a visit of `service` starting at `starts_at` (see the module rules)."""
    spans = _visit_spans(service, to_micros(starts_at))
    return VisitTimes(
        starts_at=from_micros(spans.visit[0]),
        ends_at=from_micros(spans.visit[1]),
        provider_busy=_interval(spans.provider),
        room_busy=_interval(spans.room),
    )


def find_slots(
    setup: ClinicSetup,
    service: ServiceTiming,
    busy: Iterable[BusyVisit],
    *,
    from_on: date,
    to_on: date,
    tz: ZoneInfo,
    now: datetime,
    policy: BookingPolicy,
    provider_id: int | None = None,
    patient_id: int | None = None,
    ignore_appointment_id: int | None = None,
) -> list[Slot]:
    """Every bookable start from `from_on` to `to_on` (clinic-local dates, inclusive).

    One slot per start and provider, earliest first and then by provider id, each with the
    lowest-numbered free room. Starts lie on the slot grid in local wall-clock time from each
    opening time (see hours.grid_starts for DST days). With `patient_id`, starts that would
    overlap her own visits are left out; `ignore_appointment_id` leaves one visit out of the
    busy ones (the visit being moved). Screening, age and plan rules are not judged here.
    """
    board = _Board(setup, busy, tz, now, policy, ignore_appointment_id, patient_id)
    providers = sorted(
        (p for p in setup.providers if provider_id is None or p.provider_id == provider_id),
        key=lambda p: p.provider_id,
    )
    offsets = _visit_spans(service, 0)  # the visit's spans as offsets from its start
    first_day = max(from_on, local_day_of(board.earliest, tz))
    last_day = min(to_on, local_day_of(board.latest, tz))
    slots: list[Slot] = []
    day = first_day
    while day <= last_day:
        if day not in setup.closures:
            slots += _day_slots(board, offsets, day, providers)
        day += timedelta(days=1)
    return slots


def _day_slots(
    board: _Board, offsets: _VisitSpans, day: date, providers: list[ProviderSchedule]
) -> list[Slot]:
    """One day of `find_slots`, worked out as ranges of starts rather than start by start.

    For each rule the day's allowed starts are a list of ranges (intervals.py), so a
    provider's whole day costs a few bisections however fine the grid. The rules are the
    same predicates `check_booking` applies, turned inside out; the property tests hold the
    two to the same answers.
    """
    opening = board.opening(day)
    if not opening:
        return []
    visit_length, provider_lead = offsets.visit[1], offsets.provider[0]
    room_length = offsets.room[1]
    grid = grid_starts(board.opening_hours, day, board.tz, board.grid_minutes)
    if not grid:
        return []
    day_starts = (grid[0], grid[-1] + 1)
    # What holds for every provider: notice and horizon, the room (with its cleaning)
    # inside opening hours, and the patient free for the whole visit.
    common = intersect(starts_inside(opening, room_length), [(board.earliest, board.latest + 1)])
    common = subtract(common, board.patient_index.blocked_starts(0, visit_length, day_starts))
    if not common:
        return []
    takers: dict[int, list[int]] = {}  # grid index -> providers free to start then
    for provider in providers:
        free = board.free(provider, day)
        if not free:
            continue
        blocked = board.provider_index(provider.provider_id).blocked_starts(
            provider_lead, visit_length, day_starts
        )
        starts = subtract(starts_inside(free, visit_length), blocked)
        for low, high in intersect(starts, common):
            for index in range(bisect_left(grid, low), bisect_left(grid, high)):
                takers.setdefault(index, []).append(provider.provider_id)
    slots: list[Slot] = []
    for index in sorted(takers):
        start = grid[index]
        room_id = board.first_free_room((start, start + room_length))
        if room_id is not None:
            start_utc, end_utc = from_micros(start), from_micros(start + visit_length)
            slots += (Slot(start_utc, end_utc, pid, room_id) for pid in takers[index])
    return slots


def check_booking(
    setup: ClinicSetup,
    service: ServiceTiming,
    busy: Iterable[BusyVisit],
    *,
    starts_at: datetime,
    provider_id: int,
    tz: ZoneInfo,
    now: datetime,
    policy: BookingPolicy,
    room_id: int | None = None,
    patient_id: int | None = None,
    ignore_appointment_id: int | None = None,
) -> BookingCheck:
    """Judge one proposed visit by the rules `find_slots` applies, listing everything wrong.

    Problems are rules the start breaks (the service answers 422, even when the time is also
    taken); conflicts are visits holding the provider, the room or the patient (a 409). The
    start need not lie on the slot grid: staff may book an odd time by hand. Without
    `room_id` the first free room is chosen, as the finder does; when every room is taken,
    each room's blocking visits are listed.
    """
    board = _Board(setup, busy, tz, now, policy, ignore_appointment_id, patient_id)
    start = to_micros(starts_at)
    spans = _visit_spans(service, start)
    problems: list[BookingProblem] = []
    if start < to_micros(now):
        problems.append(BookingProblem.IN_THE_PAST)
    elif start < board.earliest:
        problems.append(BookingProblem.INSIDE_LEAD_TIME)
    if start > board.latest:
        problems.append(BookingProblem.BEYOND_HORIZON)
    day = local_day_of(start, tz)
    if day in setup.closures:
        problems.append(BookingProblem.CLOSURE)
    elif not lies_inside(spans.room, board.opening(day)):
        problems.append(BookingProblem.OUTSIDE_OPENING_HOURS)
    provider = board.provider(provider_id)
    if provider is None or not lies_inside(spans.visit, board.free(provider, day)):
        problems.append(BookingProblem.OUTSIDE_WORKING_HOURS)

    conflicts = [
        Conflict(ConflictKind.PROVIDER, visit_id)
        for visit_id in board.provider_index(provider_id).overlapping(spans.provider)
    ]
    if room_id is not None and room_id not in setup.room_ids:
        problems.append(BookingProblem.UNKNOWN_ROOM)
        chosen_room = None
    elif room_id is not None:
        chosen_room = room_id
        conflicts += [
            Conflict(ConflictKind.ROOM, visit_id)
            for visit_id in board.room_index(room_id).overlapping(spans.room)
        ]
    else:
        chosen_room = board.first_free_room(spans.room)
        if chosen_room is None:
            conflicts += [
                Conflict(ConflictKind.ROOM, visit_id)
                for room in sorted(setup.room_ids)
                for visit_id in board.room_index(room).overlapping(spans.room)
            ]
    conflicts += [
        Conflict(ConflictKind.PATIENT, visit_id)
        for visit_id in board.patient_index.overlapping(spans.visit)
    ]
    return BookingCheck(
        times=visit_times(service, starts_at),
        provider_id=provider_id,
        room_id=chosen_room,
        problems=tuple(problems),
        conflicts=tuple(conflicts),
    )


class _VisitSpans(NamedTuple):
    visit: Span
    provider: Span
    room: Span


def _visit_spans(service: ServiceTiming, start: int) -> _VisitSpans:
    """The one place a visit's spans are computed from its start (module docstring)."""
    numbing = service.numbing_minutes * MINUTE
    end = start + numbing + service.procedure_minutes * MINUTE
    provider_start = start + numbing if service.provider_free_while_numbing else start
    return _VisitSpans(
        visit=(start, end),
        provider=(provider_start, end),
        room=(start, end + service.buffer_minutes * MINUTE),
    )


def _interval(span: Span) -> Interval:
    return Interval(from_micros(span[0]), from_micros(span[1]))


class _Board:
    """One search's view of the clinic: busy indexes per resource and per-day hours.

    Built once per call, so a search converts each busy visit once and each day's hours
    once, then answers every candidate with bisections.
    """

    def __init__(
        self,
        setup: ClinicSetup,
        busy: Iterable[BusyVisit],
        tz: ZoneInfo,
        now: datetime,
        policy: BookingPolicy,
        ignore_appointment_id: int | None,
        patient_id: int | None,
    ) -> None:
        self._setup = setup
        self.tz = tz
        self.opening_hours = setup.opening_hours
        self.grid_minutes = policy.slot_grid_minutes
        self._providers = {p.provider_id: p for p in setup.providers}
        self._rooms = sorted(setup.room_ids)
        self._time_off = {
            p.provider_id: [(to_micros(t.starts_at), to_micros(t.ends_at)) for t in p.time_off]
            for p in setup.providers
        }
        by_provider: dict[int, list[tuple[Span, int]]] = {}
        by_room: dict[int, list[tuple[Span, int]]] = {}
        patient_entries: list[tuple[Span, int]] = []
        for visit in busy:
            if visit.appointment_id == ignore_appointment_id:
                continue
            provider_span = _span(visit.provider_busy)
            room_span = _span(visit.room_busy)
            by_provider.setdefault(visit.provider_id, []).append(
                (provider_span, visit.appointment_id)
            )
            by_room.setdefault(visit.room_id, []).append((room_span, visit.appointment_id))
            if visit.patient_id == patient_id:
                patient_entries.append(((room_span[0], provider_span[1]), visit.appointment_id))
        self._provider_index = {key: BusyIndex(value) for key, value in by_provider.items()}
        self._room_index = {key: BusyIndex(value) for key, value in by_room.items()}
        self._room_checks = [(room, self.room_index(room).is_busy) for room in self._rooms]
        self._patient_index = BusyIndex(patient_entries) if patient_entries else EMPTY_INDEX
        self._opening: dict[date, list[Span]] = {}
        self._free: dict[tuple[int, date], list[Span]] = {}
        self._weekly_free: dict[tuple[int, int], list[Span]] = {}

        # Lead time: the clinic needs notice to prepare the room and the patient.
        self.earliest = to_micros(now) + policy.lead_time_minutes * MINUTE
        # Horizon, in calendar months of local time: hours and staff are planned that far.
        horizon = now.astimezone(tz) + relativedelta(months=policy.horizon_months)
        self.latest = to_micros(horizon.astimezone(UTC))

    def provider(self, provider_id: int) -> ProviderSchedule | None:
        return self._providers.get(provider_id)

    def opening(self, day: date) -> list[Span]:
        """The clinic's opening hours on `day` as instants (closures are checked apart)."""
        if day not in self._opening:
            self._opening[day] = day_spans(self.opening_hours, day, self.tz)
        return self._opening[day]

    def free(self, provider: ProviderSchedule, day: date) -> list[Span]:
        """A provider's working hours on `day` minus her breaks and time off.

        Hours minus breaks is the same shape every week, so on a day without a DST change
        it is worked out once per weekday and placed in time.
        """
        key = (provider.provider_id, day)
        if key not in self._free:
            shift = placement(day, self.tz)
            if shift is None:
                working = day_spans(provider.working_hours, day, self.tz)
                if working:
                    working = subtract(working, day_spans(provider.breaks, day, self.tz))
            else:
                weekday = day.weekday()
                shape = self._weekly_free.get((provider.provider_id, weekday))
                if shape is None:
                    shape = subtract(
                        day_pattern(provider.working_hours, weekday),
                        day_pattern(provider.breaks, weekday),
                    )
                    self._weekly_free[(provider.provider_id, weekday)] = shape
                working = place(shape, shift)
            time_off = self._time_off[provider.provider_id]
            self._free[key] = subtract(working, time_off) if working and time_off else working
        return self._free[key]

    def provider_index(self, provider_id: int) -> BusyIndex:
        return self._provider_index.get(provider_id, EMPTY_INDEX)

    def room_index(self, room_id: int) -> BusyIndex:
        return self._room_index.get(room_id, EMPTY_INDEX)

    @property
    def patient_index(self) -> BusyIndex:
        """The visits of the patient the board was built for (none without one)."""
        return self._patient_index

    def first_free_room(self, room_span: Span) -> int | None:
        """The lowest-numbered room free for `room_span`, so rooms fill in a stable order."""
        for room_id, room_is_busy in self._room_checks:
            if not room_is_busy(room_span):
                return room_id
        return None


def _span(interval: Interval) -> Span:
    return to_micros(interval.starts_at), to_micros(interval.ends_at)
