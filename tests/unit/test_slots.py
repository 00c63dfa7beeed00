"""Slot finding and the single-booking check: tables of cases, DST days, calendar edges."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from clinic.scheduling.hours import WeeklyHours, wall_instant
from clinic.scheduling.intervals import from_micros
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
from clinic.scheduling.slots import (
    BookingProblem,
    Conflict,
    ConflictKind,
    check_booking,
    find_slots,
)

LA = ZoneInfo("America/Los_Angeles")
POLICY = BookingPolicy(slot_grid_minutes=15, lead_time_minutes=120, horizon_months=12)
HOUR = ServiceTiming(procedure_minutes=60)
EVERY_DAY = range(7)


def weekly(
    start: str, end: str, days: range | tuple[int, ...] = EVERY_DAY
) -> tuple[WeeklyHours, ...]:
    return tuple(WeeklyHours(d, time.fromisoformat(start), time.fromisoformat(end)) for d in days)


def make_setup(
    *,
    opening: tuple[WeeklyHours, ...] | None = None,
    providers: tuple[ProviderSchedule, ...] | None = None,
    rooms: tuple[int, ...] = (1,),
    closures: frozenset[date] = frozenset(),
) -> ClinicSetup:
    return ClinicSetup(
        opening_hours=weekly("09:00", "17:00") if opening is None else opening,
        closures=closures,
        providers=(ProviderSchedule(1, weekly("09:00", "17:00")),)
        if providers is None
        else providers,
        room_ids=rooms,
    )


def local(text: str, tz: ZoneInfo = LA) -> datetime:
    """An ISO wall time in `tz` (first occurrence when ambiguous) as an aware UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=tz).astimezone(UTC)


def walls(slots: list[Slot], tz: ZoneInfo = LA) -> list[str]:
    return [f"{s.start_utc.astimezone(tz):%H:%M}" for s in slots]


def busy(
    appointment_id: int,
    start: str,
    *,
    provider: int = 1,
    room: int = 1,
    patient: int = 100,
    service: ServiceTiming = HOUR,
) -> BusyVisit:
    return BusyVisit.of(appointment_id, provider, room, patient, visit_times(service, local(start)))


NOW = local("2027-06-01T08:00")  # a Tuesday morning


def search(
    setup: ClinicSetup,
    on: str,
    *,
    service: ServiceTiming = HOUR,
    visits: tuple[BusyVisit, ...] = (),
    now: datetime = NOW,
    policy: BookingPolicy = POLICY,
    to: str | None = None,
    tz: ZoneInfo = LA,
    **options: int,
) -> list[Slot]:
    return find_slots(
        setup,
        service,
        visits,
        from_on=date.fromisoformat(on),
        to_on=date.fromisoformat(to or on),
        tz=tz,
        now=now,
        policy=policy,
        **options,
    )


def test_a_plain_day_is_on_the_grid_from_opening_and_fits_before_closing() -> None:
    slots = search(make_setup(), "2027-06-02", service=ServiceTiming(60, buffer_minutes=15))
    assert walls(slots)[0] == "09:00"
    assert walls(slots)[-1] == "15:45"  # 15:45 + 60 + 15 cleaning = 17:00
    assert len(slots) == 28
    assert all(s.end_utc - s.start_utc == timedelta(minutes=60) for s in slots)
    assert {(s.provider_id, s.room_id) for s in slots} == {(1, 1)}


@pytest.mark.parametrize(
    ("now", "first"),
    [
        ("2027-06-02T07:00", "09:00"),  # lead time ends before opening
        ("2027-06-02T09:30", "11:30"),  # exactly 120 minutes later, on the grid
        ("2027-06-02T09:31", "11:45"),  # 11:31 is not on the grid
        ("2027-06-02T15:00", None),  # 17:00 is too late for a 60-minute visit
    ],
)
def test_lead_time(now: str, first: str | None) -> None:
    slots = search(make_setup(), "2027-06-02", now=local(now))
    assert (walls(slots)[0] if slots else None) == first


def test_horizon_counts_calendar_months_in_local_time() -> None:
    now = local("2027-01-31T10:00")
    policy = BookingPolicy(horizon_months=1)
    # 31 January + 1 month is 28 February; at most 10:00 local that day.
    slots = search(make_setup(), "2027-02-27", to="2027-03-01", now=now, policy=policy)
    days = {s.start_utc.astimezone(LA).date() for s in slots}
    assert days == {date(2027, 2, 27), date(2027, 2, 28)}
    assert walls(slots)[-1] == "10:00"


def test_closures_breaks_and_time_off_are_never_offered() -> None:
    provider = ProviderSchedule(
        1,
        weekly("09:00", "17:00"),
        breaks=weekly("12:00", "13:00"),
        time_off=(Interval(local("2027-06-03T14:00"), local("2027-06-04T10:00")),),
    )
    setup = make_setup(providers=(provider,), closures=frozenset({date(2027, 6, 4)}))
    wednesday = walls(search(setup, "2027-06-02"))
    assert "11:00" in wednesday  # ends exactly when the break begins
    assert "11:15" not in wednesday
    assert "12:45" not in wednesday
    assert "13:00" in wednesday
    thursday = walls(search(setup, "2027-06-03"))
    assert thursday[-1] == "13:00"  # ends when the time off begins
    assert search(setup, "2027-06-04") == []  # a closure
    assert walls(search(setup, "2027-06-05"))[0] == "09:00"


def test_working_hours_inside_opening_hours_and_adjacent_rows_merge() -> None:
    provider = ProviderSchedule(1, weekly("09:00", "12:00") + weekly("12:00", "18:00"))
    setup = make_setup(providers=(provider,), opening=weekly("10:00", "16:00"))
    slots = walls(search(setup, "2027-06-02"))
    assert slots[0] == "10:00"
    assert "11:30" in slots  # runs across the seam at 12:00
    assert slots[-1] == "15:00"


def test_busy_provider_room_and_patient() -> None:
    setup = make_setup(
        providers=(
            ProviderSchedule(1, weekly("09:00", "17:00")),
            ProviderSchedule(2, weekly("09:00", "17:00")),
        ),
        rooms=(1, 2),
    )
    visits = (busy(10, "2027-06-02T10:00", provider=1, room=1, patient=7),)
    slots = search(setup, "2027-06-02", visits=visits)
    at_ten = [s for s in slots if walls([s]) == ["10:00"]]
    assert [(s.provider_id, s.room_id) for s in at_ten] == [(2, 2)]
    at_nine = [s for s in slots if walls([s]) == ["09:00"]]
    assert [(s.provider_id, s.room_id) for s in at_nine] == [(1, 1), (2, 1)]
    assert "09:15" not in walls([s for s in slots if s.provider_id == 1])
    with_patient = search(setup, "2027-06-02", visits=visits, patient_id=7)
    assert not {"09:15", "10:00", "10:45"} & set(walls(with_patient))
    assert {"09:00", "11:00"} <= set(walls(with_patient))
    assert walls(search(setup, "2027-06-02", visits=visits, provider_id=1)).count("10:00") == 0
    moved = search(setup, "2027-06-02", visits=visits, provider_id=1, ignore_appointment_id=10)
    assert "10:00" in walls(moved)


def test_processing_time_lets_one_provider_work_two_rooms() -> None:
    service = ServiceTiming(30, numbing_minutes=45, provider_free_while_numbing=True)
    setup = make_setup(rooms=(1, 2))
    visits = (busy(1, "2027-06-02T10:00", service=service),)  # provider busy 10:45-11:15
    slots = search(setup, "2027-06-02", service=service, visits=visits)
    by_time = {walls([s])[0]: s.room_id for s in slots}
    assert by_time["10:30"] == 2  # procedure 11:15-11:45 after hers; numbing overlaps 45 min
    assert "10:15" not in by_time  # its procedure 11:00-11:30 would overlap 10:45-11:15
    assert "09:45" not in by_time  # its procedure 10:30-11:00 would overlap 10:45-11:15
    assert by_time["09:30"] == 2  # procedure 10:15-10:45 ends as hers begins
    without = search(setup, "2027-06-02", service=ServiceTiming(30, 45), visits=visits)
    assert "10:30" not in walls(without)


def test_two_overlapping_visits_by_the_numbing_time_both_pass_the_check() -> None:
    service = ServiceTiming(30, numbing_minutes=45, provider_free_while_numbing=True)
    setup = make_setup(rooms=(1, 2))
    first = busy(1, "2027-06-02T10:00", service=service)
    result = check_booking(
        setup,
        service,
        (first,),
        starts_at=local("2027-06-02T10:30"),
        provider_id=1,
        tz=LA,
        now=NOW,
        policy=POLICY,
        patient_id=200,
    )
    assert result.is_bookable and result.room_id == 2
    overlap = result.times.patient_busy.starts_at, first.patient_busy.ends_at
    assert overlap[1] - overlap[0] == timedelta(minutes=45)


def test_slots_are_sorted_by_start_then_provider_and_unique() -> None:
    setup = make_setup(
        providers=tuple(ProviderSchedule(p, weekly("09:00", "17:00")) for p in (3, 1, 2)),
        rooms=(5, 4),
    )
    slots = search(setup, "2027-06-02", to="2027-06-03")
    keys = [(s.start_utc, s.provider_id) for s in slots]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert {s.room_id for s in slots} == {4}


# DST: the clinic is open around midnight as well as during the day (a test of the rules).
NIGHT_AND_DAY = weekly("00:00", "04:00") + weekly("09:00", "17:00")
QUARTER = ServiceTiming(15)


def dst_setup() -> ClinicSetup:
    return make_setup(
        opening=NIGHT_AND_DAY, providers=(ProviderSchedule(1, NIGHT_AND_DAY),), rooms=(1,)
    )


def test_spring_forward_skips_the_gap_and_keeps_wall_clock_hours() -> None:
    now = local("2027-03-01T00:00")
    slots = search(dst_setup(), "2027-03-13", to="2027-03-15", service=QUARTER, now=now)
    by_day: dict[date, list[str]] = {}
    for slot in slots:
        by_day.setdefault(slot.start_utc.astimezone(LA).date(), []).append(walls([slot])[0])
    sunday = by_day[date(2027, 3, 14)]
    assert not [w for w in sunday if w.startswith("02:")]
    assert sunday[:9] == ["00:00", "00:15", "00:30", "00:45", "01:00", "01:15", "01:30", "01:45",
                          "03:00"]  # fmt: skip
    assert sunday.count("09:00") == 1
    for day in by_day.values():
        assert "09:00" in day and day[-1] == "16:45"
    # 09:00 local is 17:00 UTC in winter time and 16:00 UTC in summer time.
    nine = [s.start_utc for s in slots if walls([s]) == ["09:00"]]
    assert [t.hour for t in nine] == [17, 16, 16]
    # 01:45 + 15 real minutes is 03:00 on the wall: the night's real length is 3 hours.
    night = [s for s in slots if s.start_utc.astimezone(LA).date() == date(2027, 3, 14)]
    assert night[7].end_utc.astimezone(LA).time() == time(3, 0)
    assert len([s for s in night if s.start_utc.astimezone(LA).hour < 4]) == 12


def test_fall_back_offers_each_repeated_time_once_as_its_first_occurrence() -> None:
    now = local("2027-11-01T00:00")
    slots = search(dst_setup(), "2027-11-06", to="2027-11-08", service=QUARTER, now=now)
    sunday = [s for s in slots if s.start_utc.astimezone(LA).date() == date(2027, 11, 7)]
    night = [s for s in sunday if s.start_utc.astimezone(LA).hour < 4]
    assert len(walls(night)) == len(set(walls(night))) == 16
    assert all(s.start_utc.astimezone(LA).fold == 0 for s in night)
    one_thirty = [s for s in night if walls([s]) == ["01:30"]]
    assert one_thirty[0].start_utc == datetime(2027, 11, 7, 8, 30, tzinfo=UTC)  # PDT
    assert datetime(2027, 11, 7, 9, 30, tzinfo=UTC) not in {s.start_utc for s in slots}
    # The repeated hour is still open (five real hours from 00:00 to 04:00), so a long visit
    # starting at 01:45 (first occurrence) ends at 01:45 the second time round.
    long = search(dst_setup(), "2027-11-07", service=ServiceTiming(60), now=now)
    at = next(s for s in long if walls([s]) == ["01:45"])
    assert at.end_utc - at.start_utc == timedelta(hours=1)
    assert at.end_utc.astimezone(LA).strftime("%H:%M") == "01:45"
    nine = [s.start_utc for s in slots if walls([s]) == ["09:00"]]
    assert [t.hour for t in nine] == [16, 17, 17]


def test_hours_boundary_inside_the_gap_is_the_end_of_the_gap() -> None:
    start = wall_instant(date(2027, 3, 14), time(2, 30), LA)
    assert from_micros(start) == datetime(2027, 3, 14, 10, 0, tzinfo=UTC)  # 03:00 PDT
    setup = make_setup(
        opening=weekly("02:30", "05:00"), providers=(ProviderSchedule(1, weekly("02:30", "05:00")),)
    )
    now = local("2027-03-01T00:00")
    slots = search(setup, "2027-03-14", service=QUARTER, now=now)
    assert walls(slots)[0] == "03:00"


@pytest.mark.parametrize(
    ("first", "last", "expected_days"),
    [
        ("2027-04-30", "2027-05-01", [date(2027, 4, 30), date(2027, 5, 1)]),  # month end
        ("2027-12-31", "2028-01-01", [date(2027, 12, 31), date(2028, 1, 1)]),  # year end
        ("2028-02-28", "2028-03-01", [date(2028, 2, 28), date(2028, 2, 29), date(2028, 3, 1)]),
    ],
)
def test_calendar_edges(first: str, last: str, expected_days: list[date]) -> None:
    now = local("2027-04-01T00:00")
    slots = search(make_setup(), first, to=last, now=now, policy=BookingPolicy(horizon_months=12))
    days = sorted({s.start_utc.astimezone(LA).date() for s in slots})
    assert days == expected_days
    for day in days:
        on_day = [s for s in slots if s.start_utc.astimezone(LA).date() == day]
        assert walls(on_day)[0] == "09:00" and walls(on_day)[-1] == "16:00"


def test_year_end_horizon_with_leap_day_now() -> None:
    now = local("2028-02-29T12:00")
    slots = search(make_setup(), "2029-02-27", to="2029-03-01", now=now)
    # 29 February 2028 + 12 months is 28 February 2029, up to 12:00 local.
    assert sorted({s.start_utc.astimezone(LA).date() for s in slots}) == [
        date(2029, 2, 27),
        date(2029, 2, 28),
    ]
    assert walls(slots)[-1] == "12:00"


def check(
    start: str,
    *,
    setup: ClinicSetup | None = None,
    visits: tuple[BusyVisit, ...] = (),
    service: ServiceTiming = HOUR,
    **options: int,
) -> tuple[set[BookingProblem], list[Conflict]]:
    result = check_booking(
        setup or make_setup(rooms=(1, 2)),
        service,
        visits,
        starts_at=local(start),
        tz=LA,
        now=NOW,
        policy=POLICY,
        **{"provider_id": 1, **options},
    )
    return set(result.problems), list(result.conflicts)


P = BookingProblem


@pytest.mark.parametrize(
    ("start", "problems"),
    [
        ("2027-06-02T10:00", set()),
        ("2027-06-02T10:07", set()),  # off the grid is allowed when booked by hand
        ("2027-05-31T10:00", {P.IN_THE_PAST}),
        ("2027-06-01T09:45", {P.INSIDE_LEAD_TIME}),
        ("2028-06-01T09:00", {P.BEYOND_HORIZON}),
        ("2028-06-01T08:00", {P.OUTSIDE_OPENING_HOURS, P.OUTSIDE_WORKING_HOURS}),
        ("2027-06-02T16:30", {P.OUTSIDE_OPENING_HOURS, P.OUTSIDE_WORKING_HOURS}),
        ("2027-06-02T08:45", {P.OUTSIDE_OPENING_HOURS, P.OUTSIDE_WORKING_HOURS}),
        ("2027-06-02T16:00", set()),
    ],
)
def test_check_rule_problems(start: str, problems: set[BookingProblem]) -> None:
    assert check(start) == (problems, [])


def test_check_closure_break_time_off_and_unknown_ids() -> None:
    provider = ProviderSchedule(
        1,
        weekly("09:00", "17:00"),
        breaks=weekly("12:00", "13:00"),
        time_off=(Interval(local("2027-06-03T00:00"), local("2027-06-04T00:00")),),
    )
    setup = make_setup(providers=(provider,), closures=frozenset({date(2027, 6, 5)}))
    assert check("2027-06-02T11:30", setup=setup)[0] == {P.OUTSIDE_WORKING_HOURS}
    assert check("2027-06-03T10:00", setup=setup)[0] == {P.OUTSIDE_WORKING_HOURS}
    assert check("2027-06-05T10:00", setup=setup)[0] == {P.CLOSURE}
    assert check("2027-06-02T10:00", setup=setup, provider_id=9)[0] == {P.OUTSIDE_WORKING_HOURS}
    assert check("2027-06-02T10:00", setup=setup, room_id=9)[0] == {P.UNKNOWN_ROOM}
    assert P.UNKNOWN_ROOM.field == "room_id" and P.CLOSURE.field == "start"
    assert all(problem.sentence.endswith(".") for problem in BookingProblem)


def test_check_conflicts_name_each_visit_and_kind() -> None:
    visits = (
        busy(1, "2027-06-02T10:00", provider=1, room=1, patient=5),
        busy(2, "2027-06-02T10:30", provider=2, room=2, patient=7),
        busy(3, "2027-06-02T11:00", provider=2, room=1, patient=9),
    )
    problems, conflicts = check("2027-06-02T10:30", visits=visits, patient_id=7)
    assert problems == set()
    assert conflicts == [
        Conflict(ConflictKind.PROVIDER, 1),
        Conflict(ConflictKind.ROOM, 1),  # every room is taken: each room's visits, by room
        Conflict(ConflictKind.ROOM, 3),
        Conflict(ConflictKind.ROOM, 2),
        Conflict(ConflictKind.PATIENT, 2),
    ]
    _, in_room_two = check("2027-06-02T11:30", visits=visits, room_id=2)
    assert in_room_two == []
    assert check("2027-06-02T10:00", visits=visits, ignore_appointment_id=1) == (set(), [])
    _, full = check("2027-06-02T11:00", visits=visits, ignore_appointment_id=1)
    assert full == [Conflict(ConflictKind.ROOM, 3), Conflict(ConflictKind.ROOM, 2)]


def test_visits_that_touch_do_not_conflict() -> None:
    visits = (busy(1, "2027-06-02T10:00"),)
    assert check("2027-06-02T11:00", visits=visits) == (set(), [])
    assert check("2027-06-02T09:00", visits=visits) == (set(), [])
    assert check("2027-06-02T09:01", visits=visits)[1] == [Conflict(ConflictKind.PROVIDER, 1)]


def test_visit_times_follow_the_visit_rules() -> None:
    service = ServiceTiming(30, numbing_minutes=45, buffer_minutes=15)
    times = visit_times(service, local("2027-06-02T10:00"))
    assert times.ends_at == local("2027-06-02T11:15")
    assert times.room_busy == Interval(local("2027-06-02T10:00"), local("2027-06-02T11:30"))
    assert times.provider_busy == Interval(local("2027-06-02T10:00"), local("2027-06-02T11:15"))
    free = visit_times(
        ServiceTiming(30, 45, 15, provider_free_while_numbing=True), local("2027-06-02T10:00")
    )
    assert free.provider_busy.starts_at == local("2027-06-02T10:45")
    assert free.patient_busy == Interval(local("2027-06-02T10:00"), local("2027-06-02T11:15"))
    assert BusyVisit.of(1, 1, 1, 1, free).patient_busy == free.patient_busy


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        visit_times(HOUR, datetime(2027, 6, 2, 10))


def test_weekly_hours_are_validated() -> None:
    with pytest.raises(ValueError):
        WeeklyHours(7, time(9), time(17))
    with pytest.raises(ValueError):
        WeeklyHours(0, time(17), time(9))
