"""One search's view of the clinic (`Board`): busy indexes per provider, room and patient,
and each day's opening and working hours as instants. `find_slots` and `check_booking`
(slots.py) both ask it, so each predicate has one implementation."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from clinic.scheduling.hours import day_pattern, day_spans, place, placement
from clinic.scheduling.intervals import (
    EMPTY_INDEX,
    MINUTE,
    BusyIndex,
    Span,
    subtract,
    to_micros,
)
from clinic.scheduling.schedule import (
    BookingPolicy,
    BusyVisit,
    ClinicSetup,
    ProviderSchedule,
    span_of,
)


class Board:
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
            provider_span = span_of(visit.provider_busy)
            room_span = span_of(visit.room_busy)
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
