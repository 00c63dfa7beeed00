"""The calendar's "needs attention" marks (setup_fit.find_setup_misfits): a booked visit yet
to begin that the setup no longer allows, with every reason, judged as the booking check
judges a new visit; visits that fit, have begun, or hold no time are left alone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic.scheduling.hours import WeeklyHours
from clinic.scheduling.schedule import (
    BookingPolicy,
    ClinicSetup,
    Interval,
    ProviderSchedule,
    visit_times,
)
from clinic.scheduling.setup_fit import (
    CLOSED,
    OUTSIDE_OPENING_HOURS,
    OUTSIDE_WORKING_HOURS,
    PROVIDER_INACTIVE,
    ROOM_OUT_OF_USE,
    TIME_OFF,
    find_setup_misfits,
    needs_attention,
)
from clinic.scheduling.slots import BookingProblem, check_booking
from clinic.scheduling.status import AppointmentStatus
from tests.unit.test_slots_properties import scenarios, service_timings

LA = ZoneInfo("America/Los_Angeles")
DAY = date(2027, 6, 2)  # a Wednesday
NOW = datetime(2027, 6, 1, 12, tzinfo=LA).astimezone(UTC)
ANA, SAM, GONE = 1, 2, 3
ROSE, SAGE, OLD_ROOM = 10, 11, 12


def local(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LA).astimezone(UTC)


def visit(
    id: int,
    at: datetime,
    *,
    minutes: int = 60,
    cleaning: int = 15,
    provider: int = ANA,
    room: int = ROSE,
    status: AppointmentStatus = AppointmentStatus.BOOKED,
) -> Any:
    return SimpleNamespace(
        id=id,
        status=status,
        starts_at=at,
        ends_at=at + timedelta(minutes=minutes),
        room_busy_until=at + timedelta(minutes=minutes + cleaning),
        provider_id=provider,
        room_id=room,
    )


def every_day(start: time, end: time) -> tuple[WeeklyHours, ...]:
    return tuple(WeeklyHours(weekday, start, end) for weekday in range(7))


SETUP = ClinicSetup(
    opening_hours=every_day(time(9), time(17)),
    closures=frozenset({DAY + timedelta(days=1)}),
    providers=(
        ProviderSchedule(
            ANA,
            every_day(time(9), time(16)),
            every_day(time(12), time(12, 30)),
            (Interval(local(14), local(15)),),
        ),
        ProviderSchedule(SAM, every_day(time(9), time(17))),
    ),
    room_ids=(ROSE, SAGE),
)


@pytest.mark.parametrize(
    ("booked", "reasons"),
    [
        (visit(1, local(9)), ()),  # fits exactly from the opening
        (visit(1, local(10, 45), minutes=75), ()),  # ends as the break begins
        (visit(1, local(15), provider=SAM, minutes=105), ()),  # cleaning ends at closing
        (visit(1, local(15), provider=SAM, minutes=110), (OUTSIDE_OPENING_HOURS,)),
        (visit(1, local(8, 30), provider=SAM), (OUTSIDE_OPENING_HOURS, OUTSIDE_WORKING_HOURS)),
        (visit(1, local(11, 45)), (OUTSIDE_WORKING_HOURS,)),  # into the break
        (visit(1, local(14, 30), minutes=120), (OUTSIDE_WORKING_HOURS, TIME_OFF)),
        (visit(1, local(13)), ()),  # ends as the time off begins
        (visit(1, local(14, 30)), (TIME_OFF,)),
        (visit(1, local(10, day=DAY + timedelta(days=1))), (CLOSED,)),
        (visit(1, local(10), provider=GONE), (PROVIDER_INACTIVE,)),
        (visit(1, local(10), room=OLD_ROOM), (ROOM_OUT_OF_USE,)),
        (
            visit(1, local(18, day=DAY + timedelta(days=1)), provider=GONE, room=OLD_ROOM),
            (CLOSED, PROVIDER_INACTIVE, ROOM_OUT_OF_USE),
        ),
    ],
)
def test_each_reason_a_setup_change_leaves(booked: Any, reasons: tuple[str, ...]) -> None:
    assert find_setup_misfits([booked], SETUP, LA, NOW) == ({1: reasons} if reasons else {})


def test_only_booked_visits_yet_to_begin_are_judged() -> None:
    """As on the visit page: a checked-in patient is in the building; completed, cancelled
    and no-show visits are history or free time; a visit already begun is left to the day."""
    closed_on = DAY + timedelta(days=1)
    visits = [
        visit(1, local(10, day=closed_on)),
        *(
            visit(index, local(11, day=closed_on), status=status)
            for index, status in enumerate(
                [
                    AppointmentStatus.CHECKED_IN,
                    AppointmentStatus.COMPLETED,
                    AppointmentStatus.CANCELLED,
                    AppointmentStatus.NO_SHOW,
                ],
                start=2,
            )
        ),
    ]
    assert find_setup_misfits(visits, SETUP, LA, NOW) == {1: (CLOSED,)}
    assert find_setup_misfits(visits, SETUP, LA, local(10, 1, day=closed_on)) == {}


def test_the_badge_sentence() -> None:
    assert needs_attention((CLOSED, ROOM_OUT_OF_USE)) == (
        "Needs attention: the clinic is closed that day; the room is out of use"
    )


# -- the booking check's judgement, on random setups --------------------------------------

SETUP_PROBLEMS = {
    BookingProblem.CLOSURE: {CLOSED},
    BookingProblem.OUTSIDE_OPENING_HOURS: {OUTSIDE_OPENING_HOURS},
    BookingProblem.OUTSIDE_WORKING_HOURS: {OUTSIDE_WORKING_HOURS, TIME_OFF, PROVIDER_INACTIVE},
    BookingProblem.UNKNOWN_ROOM: {ROOM_OUT_OF_USE},
}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.data())
def test_the_calendar_marks_what_the_booking_check_would_refuse(
    scenario: dict[str, Any], data: st.DataObject
) -> None:
    """For every booked visit yet to begin, a mark (and which kind) exactly when booking the
    same visit now would break a setup rule: the day, the opening hours, the provider's
    hours, breaks and time off, an inactive provider, a room out of use. DST days, month
    and year ends, and visits touching the edges come from the slot property tests."""
    setup: ClinicSetup = scenario["setup"]
    tz, now = scenario["tz"], scenario["now"]
    service = data.draw(service_timings())
    anchor = datetime.combine(scenario["from_on"], time(0), tzinfo=tz).astimezone(UTC)
    visits = []
    for visit_id in range(data.draw(st.integers(1, 12))):
        times = visit_times(service, anchor + timedelta(minutes=5 * data.draw(st.integers(0, 575))))
        visits.append(
            SimpleNamespace(
                id=visit_id,
                status=AppointmentStatus.BOOKED,
                starts_at=times.starts_at,
                ends_at=times.ends_at,
                room_busy_until=times.room_busy.ends_at,
                provider_id=data.draw(st.integers(1, 5)),
                room_id=data.draw(st.integers(1, 6)),
            )
        )
    marks = find_setup_misfits(visits, setup, tz, now)
    for visit in visits:
        if visit.starts_at < now:
            assert visit.id not in marks  # begun: history, not a mark
            continue
        check = check_booking(
            setup,
            service,
            (),
            starts_at=visit.starts_at,
            provider_id=visit.provider_id,
            tz=tz,
            now=now,
            policy=BookingPolicy(slot_grid_minutes=5, lead_time_minutes=0, horizon_months=600),
            room_id=visit.room_id,
        )
        broken = {p for p in check.problems if p in SETUP_PROBLEMS}
        reasons = set(marks.get(visit.id, ()))
        assert bool(reasons) == bool(broken), (visit, check.problems, reasons)
        for problem, kinds in SETUP_PROBLEMS.items():
            assert (problem in broken) == bool(reasons & kinds), (problem, reasons)
