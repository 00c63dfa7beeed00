"""Property tests of slot finding: every offered slot is free, inside hours and bookable.

Each slot is checked against an independent oracle that works with plain datetimes and
samples the visit every five minutes of wall-clock time (all generated times are multiples
of five minutes and the zones' offsets multiples of thirty), and against `check_booking`.
The other direction holds too: a start on the grid that is not offered fails the check.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic.scheduling.hours import WeeklyHours
from clinic.scheduling.schedule import (
    BookingPolicy,
    BusyVisit,
    ClinicSetup,
    Interval,
    ProviderSchedule,
    ServiceTiming,
    Slot,
    visit_times,
)
from clinic.scheduling.slots import BookingCheck, check_booking, find_slots

ZONES = ["America/Los_Angeles", "Europe/Berlin", "Australia/Lord_Howe", "UTC"]
INTERESTING_DAYS = [
    date(2027, 3, 14),  # Los Angeles springs forward
    date(2027, 11, 7),  # Los Angeles falls back
    date(2027, 3, 28),  # Berlin springs forward
    date(2027, 10, 31),  # Berlin falls back
    date(2027, 4, 4),  # Lord Howe falls back half an hour
    date(2027, 10, 3),  # Lord Howe springs forward half an hour
    date(2027, 4, 30),  # month end
    date(2027, 12, 31),  # year end
    date(2028, 2, 29),  # leap day
]
FIVE = timedelta(minutes=5)


@st.composite
def wall_rows(draw: st.DrawFn, max_rows: int = 2) -> tuple[WeeklyHours, ...]:
    """The same one or two stretches on every weekday, plus maybe one odd weekday row."""
    rows: list[WeeklyHours] = []
    for _ in range(draw(st.integers(1, max_rows))):
        start = draw(st.integers(0, 24 * 12 - 2))
        end = min(24 * 12 - 1, start + draw(st.integers(1, 12 * 12)))
        begins, ends = time(start // 12, start % 12 * 5), time(end // 12, end % 12 * 5)
        rows += [WeeklyHours(day, begins, ends) for day in range(7)]
    if draw(st.booleans()):
        start = draw(st.integers(0, 24 * 12 - 2))
        end = draw(st.integers(start + 1, 24 * 12 - 1))
        rows.append(
            WeeklyHours(
                draw(st.integers(0, 6)),
                time(start // 12, start % 12 * 5),
                time(end // 12, end % 12 * 5),
            )
        )
    return tuple(rows)


def service_timings() -> st.SearchStrategy[ServiceTiming]:
    return st.builds(
        ServiceTiming,
        procedure_minutes=st.integers(1, 18).map(lambda n: n * 5),
        numbing_minutes=st.integers(0, 12).map(lambda n: n * 5),
        buffer_minutes=st.integers(0, 6).map(lambda n: n * 5),
        provider_free_while_numbing=st.booleans(),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, object]:
    tz = ZoneInfo(draw(st.sampled_from(ZONES)))
    first = draw(st.sampled_from(INTERESTING_DAYS)) + timedelta(days=draw(st.integers(-1, 1)))
    # Up to three days, or over a week so that a weekday comes round again (a provider's
    # weekly hours are worked out once per weekday and reused).
    last = first + timedelta(days=draw(st.integers(0, 2) | st.integers(7, 9)))
    anchor = datetime.combine(first, time(0), tzinfo=tz).astimezone(UTC)
    span_minutes = ((last - first).days + 1) * 24 * 60

    def instant() -> datetime:
        return anchor + FIVE * draw(st.integers(-12, span_minutes // 5 + 12))

    opening = draw(wall_rows())
    providers = []
    for provider_id in draw(st.lists(st.integers(1, 4), min_size=1, max_size=3, unique=True)):
        time_off = []
        for _ in range(draw(st.integers(0, 2))):
            start = instant()
            time_off.append(Interval(start, start + FIVE * draw(st.integers(1, 150))))
        breaks = draw(wall_rows(max_rows=1)) if draw(st.booleans()) else ()
        working = opening if draw(st.booleans()) else draw(wall_rows())
        providers.append(ProviderSchedule(provider_id, working, breaks, tuple(time_off)))
    rooms = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=3, unique=True)))
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    closures = frozenset(draw(st.lists(st.sampled_from(days), max_size=1)))
    visits = []
    for appointment_id in range(draw(st.integers(0, 40))):
        start = instant() if draw(st.booleans()) else anchor + FIVE * draw(st.integers(0, 287))
        visits.append(
            BusyVisit.of(
                appointment_id,
                draw(st.integers(1, 4)),
                draw(st.sampled_from((*rooms, 6))),
                draw(st.integers(1, 4)),
                visit_times(draw(service_timings()), start),
            )
        )
    return {
        "setup": ClinicSetup(opening, closures, tuple(providers), rooms),
        "service": draw(service_timings()),
        "busy": tuple(visits),
        "from_on": first,
        "to_on": last,
        "tz": tz,
        "now": anchor + FIVE * draw(st.integers(-600, 0) | st.integers(0, span_minutes // 5)),
        "policy": BookingPolicy(
            slot_grid_minutes=draw(st.sampled_from([5, 10, 15, 30, 60])),
            lead_time_minutes=draw(st.sampled_from([0, 30, 120])),
            horizon_months=draw(st.sampled_from([0, 1, 12, 12])),
        ),
        "provider_id": draw(st.none() | st.sampled_from([p.provider_id for p in providers])),
        "patient_id": draw(st.none() | st.integers(1, 4)),
    }


def _overlap(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _is_ambiguous(moment: datetime, tz: ZoneInfo) -> bool:
    wall = moment.astimezone(tz).replace(tzinfo=None)
    return (
        wall.replace(tzinfo=tz, fold=0).utcoffset() != wall.replace(tzinfo=tz, fold=1).utcoffset()
    )


def _covered(
    start: datetime, end: datetime, rows: tuple[WeeklyHours, ...], tz: ZoneInfo, day: date
) -> bool:
    """Every five minutes of [start, end) falls, on `day`, inside one of the weekly rows
    (samples in an autumn repeat are skipped: which occurrence a row means is the code's
    documented choice, not something a wall-clock oracle can judge)."""
    moment = start
    while moment < end:
        local = moment.astimezone(tz)
        if not _is_ambiguous(moment, tz):
            if local.date() != day:
                return False
            if not any(
                row.weekday == day.weekday() and row.starts_at <= local.time() < row.ends_at
                for row in rows
            ):
                return False
        moment += FIVE
    return True


def _touches(start: datetime, end: datetime, rows: tuple[WeeklyHours, ...], tz: ZoneInfo) -> bool:
    """Some five minutes of [start, end) fall inside one of the weekly rows (a break)."""
    moment = start
    while moment < end:
        local = moment.astimezone(tz)
        if not _is_ambiguous(moment, tz) and any(
            row.weekday == local.weekday() and row.starts_at <= local.time() < row.ends_at
            for row in rows
        ):
            return True
        moment += FIVE
    return False


def _grid(scenario: dict[str, object]) -> list[datetime]:
    setup: ClinicSetup = scenario["setup"]  # type: ignore[assignment]
    tz: ZoneInfo = scenario["tz"]  # type: ignore[assignment]
    policy: BookingPolicy = scenario["policy"]  # type: ignore[assignment]
    day: date = scenario["from_on"]  # type: ignore[assignment]
    starts: set[datetime] = set()
    while day <= scenario["to_on"]:  # type: ignore[operator]
        for row in setup.opening_hours:
            if row.weekday != day.weekday():
                continue
            wall = datetime.combine(day, row.starts_at)
            while wall < datetime.combine(day, row.ends_at):
                moment = wall.replace(tzinfo=tz).astimezone(UTC)
                if moment.astimezone(tz).replace(tzinfo=None) == wall:
                    starts.add(moment)
                wall += timedelta(minutes=policy.slot_grid_minutes)
        day += timedelta(days=1)
    return sorted(starts)


def _assert_slot_is_sound(slot: Slot, scenario: dict[str, object]) -> None:
    setup: ClinicSetup = scenario["setup"]  # type: ignore[assignment]
    service: ServiceTiming = scenario["service"]  # type: ignore[assignment]
    tz: ZoneInfo = scenario["tz"]  # type: ignore[assignment]
    now: datetime = scenario["now"]  # type: ignore[assignment]
    policy: BookingPolicy = scenario["policy"]  # type: ignore[assignment]
    visits: tuple[BusyVisit, ...] = scenario["busy"]  # type: ignore[assignment]
    start = slot.start_utc
    local = start.astimezone(tz)
    day = local.date()
    numbing = timedelta(minutes=service.numbing_minutes)
    end = start + numbing + timedelta(minutes=service.procedure_minutes)
    room_end = end + timedelta(minutes=service.buffer_minutes)
    provider_start = start + numbing if service.provider_free_while_numbing else start
    assert slot.end_utc == end
    assert scenario["from_on"] <= day <= scenario["to_on"]  # type: ignore[operator]
    assert local.fold == 0, "an ambiguous time is offered as its first occurrence only"
    assert any(
        row.weekday == day.weekday()
        and row.starts_at <= local.time() < row.ends_at
        and (
            (datetime.combine(day, local.time()) - datetime.combine(day, row.starts_at))
            // timedelta(minutes=1)
        )
        % policy.slot_grid_minutes
        == 0
        for row in setup.opening_hours
    ), "on the wall-clock grid from an opening time"
    assert start >= now + timedelta(minutes=policy.lead_time_minutes)
    assert start <= (now.astimezone(tz) + relativedelta(months=policy.horizon_months)).astimezone(
        UTC
    )
    assert day not in setup.closures
    assert _covered(start, room_end, setup.opening_hours, tz, day)
    provider = next(p for p in setup.providers if p.provider_id == slot.provider_id)
    assert scenario["provider_id"] in (None, slot.provider_id)
    assert _covered(start, end, provider.working_hours, tz, day)
    assert not _touches(start, end, provider.breaks, tz)
    assert not any(_overlap((start, end), (t.starts_at, t.ends_at)) for t in provider.time_off)
    assert slot.room_id in setup.room_ids
    for visit in visits:
        if visit.provider_id == slot.provider_id:
            busy = (visit.provider_busy.starts_at, visit.provider_busy.ends_at)
            assert not _overlap((provider_start, end), busy)
        if visit.room_id == slot.room_id:
            assert not _overlap(
                (start, room_end), (visit.room_busy.starts_at, visit.room_busy.ends_at)
            )
        if visit.patient_id == scenario["patient_id"]:
            assert not _overlap(
                (start, end), (visit.room_busy.starts_at, visit.provider_busy.ends_at)
            )
    for lower in (r for r in setup.room_ids if r < slot.room_id):
        assert any(
            visit.room_id == lower
            and _overlap((start, room_end), (visit.room_busy.starts_at, visit.room_busy.ends_at))
            for visit in visits
        ), "the first free room is used"


def _check(scenario: dict[str, object], start: datetime, provider_id: int) -> BookingCheck:
    return check_booking(
        scenario["setup"],  # type: ignore[arg-type]
        scenario["service"],  # type: ignore[arg-type]
        scenario["busy"],  # type: ignore[arg-type]
        starts_at=start,
        provider_id=provider_id,
        tz=scenario["tz"],  # type: ignore[arg-type]
        now=scenario["now"],  # type: ignore[arg-type]
        policy=scenario["policy"],  # type: ignore[arg-type]
        patient_id=scenario["patient_id"],  # type: ignore[arg-type]
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_offered_slots_are_sound_bookable_and_complete(scenario: dict[str, object]) -> None:
    slots = find_slots(**scenario)  # type: ignore[arg-type]
    keys = [(slot.start_utc, slot.provider_id) for slot in slots]
    assert keys == sorted(keys), "earliest first, then by provider"
    assert len(set(keys)) == len(keys), "one slot per start and provider"
    for slot in slots:
        _assert_slot_is_sound(slot, scenario)
        verdict = _check(scenario, slot.start_utc, slot.provider_id)
        assert verdict.is_bookable, (verdict.problems, verdict.conflicts)
        assert verdict.room_id == slot.room_id
        assert verdict.times.ends_at == slot.end_utc

    offered = set(keys)
    setup: ClinicSetup = scenario["setup"]  # type: ignore[assignment]
    for start in _grid(scenario):
        for provider in setup.providers:
            if scenario["provider_id"] not in (None, provider.provider_id):
                continue
            if (start, provider.provider_id) not in offered:
                verdict = _check(scenario, start, provider.provider_id)
                assert not verdict.is_bookable, (start, provider.provider_id)
