"""Finding free slots, and checking one proposed booking, by the same rules.

A visit's room, provider and patient hold the times schedule.py describes. Besides:

- [start, end] lies in the provider's working hours minus her breaks and time off, and
  [start, end + buffer] in the clinic's opening hours (the room must be cleaned before the
  clinic closes), on a day that is not a closure;
- start is at least the lead time after `now` (time to prepare; also no booking in the
  past) and at most the horizon (months, by calendar) after it.

`find_slots` offers starts on the slot grid; `check_booking` judges one start and separates
rule problems (a 422: the request can never succeed as asked) from conflicts (a 409: someone
holds the time). Both run on a `Board` (board.py), which holds the one implementation of
each predicate, so booking any offered slot passes the check. Everything is pure: `now`, the
clinic's zone and the policy are arguments, and all arithmetic on instants is real elapsed
time in UTC.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from clinic.scheduling.board import Board
from clinic.scheduling.hours import grid_starts, local_day_of
from clinic.scheduling.intervals import (
    from_micros,
    intersect,
    lies_inside,
    starts_inside,
    subtract,
    to_micros,
)
from clinic.scheduling.schedule import (
    BookingPolicy,
    BusyVisit,
    ClinicSetup,
    ProviderSchedule,
    ServiceTiming,
    Slot,
    VisitSpans,
    VisitTimes,
    visit_spans,
    visit_times,
)


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
    board = Board(setup, busy, tz, now, policy, ignore_appointment_id, patient_id)
    providers = sorted(
        (p for p in setup.providers if provider_id is None or p.provider_id == provider_id),
        key=lambda p: p.provider_id,
    )
    offsets = visit_spans(service, 0)  # the visit's spans as offsets from its start
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
    board: Board, offsets: VisitSpans, day: date, providers: list[ProviderSchedule]
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
    board = Board(setup, busy, tz, now, policy, ignore_appointment_id, patient_id)
    start = to_micros(starts_at)
    spans = visit_spans(service, start)
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
