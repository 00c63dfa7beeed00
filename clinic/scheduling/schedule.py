"""The plain records slot finding reads and answers, and the shape of a visit in time.

A visit (API.md, "Visits") starts when the patient arrives and numbing begins; it ends when
the procedure ends, `numbing + procedure` real minutes later. Then:

- the room is busy [start, end + buffer): numbing happens in it, and it is cleaned after;
- the provider is busy [start, end), or only [start + numbing, end) when the service allows
  processing time (she is free while the cream sets, DOMAIN.md), so one provider can numb a
  patient in one room while finishing another in a second room;
- the patient is busy [start, end).

`visit_spans` is the one place these are computed; everything here is pure data, and all
arithmetic on instants is real elapsed time in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from clinic.scheduling.hours import WeeklyHours
from clinic.scheduling.intervals import MINUTE, Span, from_micros, to_micros


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


class VisitSpans(NamedTuple):
    visit: Span
    provider: Span
    room: Span


def visit_spans(service: ServiceTiming, start: int) -> VisitSpans:
    """The one place a visit's spans are computed from its start (the module docstring)."""
    numbing = service.numbing_minutes * MINUTE
    end = start + numbing + service.procedure_minutes * MINUTE
    provider_start = start + numbing if service.provider_free_while_numbing else start
    return VisitSpans(
        visit=(start, end),
        provider=(provider_start, end),
        room=(start, end + service.buffer_minutes * MINUTE),
    )


def _interval(span: Span) -> Interval:
    return Interval(from_micros(span[0]), from_micros(span[1]))


def visit_times(service: ServiceTiming, starts_at: datetime) -> VisitTimes:
    """The instants of a visit of `service` starting at `starts_at` (the module docstring)."""
    spans = visit_spans(service, to_micros(starts_at))
    return VisitTimes(
        starts_at=from_micros(spans.visit[0]),
        ends_at=from_micros(spans.visit[1]),
        provider_busy=interval_of(spans.provider),
        room_busy=interval_of(spans.room),
    )


def interval_of(span: Span) -> Interval:
    return Interval(from_micros(span[0]), from_micros(span[1]))


def span_of(interval: Interval) -> Span:
    return to_micros(interval.starts_at), to_micros(interval.ends_at)
