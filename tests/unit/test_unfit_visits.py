"""Which booked visits new hours leave out (booked_visits.find_unfit): the same answer the
booking check gives, on month ends and DST days, with containment closed at both ends."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from clinic.scheduling.booked_visits import find_unfit
from clinic.scheduling.hours import WeeklyHours
from clinic.scheduling.schedule import BookingPolicy, ClinicSetup, ProviderSchedule, ServiceTiming
from clinic.scheduling.slots import BookingProblem, check_booking

LA = ZoneInfo("America/Los_Angeles")
NINE_TO_FIVE = tuple(WeeklyHours(day, time(9), time(17)) for day in range(7))
LUNCH = tuple(WeeklyHours(day, time(12), time(13)) for day in range(7))


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LA).astimezone(UTC)


def visit(start: str, minutes: int, visit_id: int = 1) -> tuple[int, datetime, datetime]:
    starts_at = local(start)
    return visit_id, starts_at, starts_at + timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("start", "minutes", "fits"),
    [
        ("2027-03-10 09:00", 60, True),  # starts the minute the hours begin
        ("2027-03-10 16:00", 60, True),  # ends the minute they close
        ("2027-03-10 16:01", 60, False),
        ("2027-03-10 08:59", 60, False),
        ("2027-03-10 11:30", 30, True),  # ends as lunch begins
        ("2027-03-10 11:30", 31, False),  # a minute into lunch
        ("2027-03-10 12:30", 60, False),
        ("2027-03-14 16:00", 60, True),  # spring forward: 09:00-17:00 is seven hours long
        ("2027-03-14 08:30", 60, False),
        ("2027-11-07 16:00", 60, True),  # fall back: nine hours long
        ("2027-02-28 16:00", 60, True),  # month end
        ("2027-03-10 23:30", 60, False),  # judged by its own local day, not the next
    ],
)
def test_a_visit_fits_hours_minus_breaks_as_the_booking_check_says(
    start: str, minutes: int, fits: bool
) -> None:
    booked = visit(start, minutes)

    assert find_unfit([booked], NINE_TO_FIVE, LUNCH, LA) == ([] if fits else [1])

    setup = ClinicSetup(
        opening_hours=tuple(WeeklyHours(day, time(0), time(23, 59)) for day in range(7)),
        closures=frozenset(),
        providers=(ProviderSchedule(7, NINE_TO_FIVE, LUNCH),),
        room_ids=(1,),
    )
    check = check_booking(
        setup,
        ServiceTiming(procedure_minutes=minutes),
        [],
        starts_at=booked[1],
        provider_id=7,
        tz=LA,
        now=local("2027-01-01 00:00"),
        policy=BookingPolicy(lead_time_minutes=0, horizon_months=24),
    )
    assert (BookingProblem.OUTSIDE_WORKING_HOURS not in check.problems) is fits


def test_a_closed_weekday_leaves_out_every_visit_on_it_and_only_those() -> None:
    weekdays = tuple(h for h in NINE_TO_FIVE if h.weekday < 5)
    visits = [visit("2027-03-12 10:00", 30, 1), visit("2027-03-13 10:00", 30, 2)]  # Fri, Sat

    assert find_unfit(visits, weekdays, (), LA) == [2]
