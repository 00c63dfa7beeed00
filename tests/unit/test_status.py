"""Appointment status changes: every pair of statuses, allowed or refused, and their timing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from clinic.scheduling.status import (
    TRANSITIONS,
    AppointmentStatus,
    is_late_cancellation,
    transition_refusal,
)

S = AppointmentStatus
LA = ZoneInfo("America/Los_Angeles")
START = datetime(2027, 6, 2, 17, 0, tzinfo=UTC)  # 10:00 local
AFTER = START + timedelta(minutes=5)
ALLOWED = {
    (S.BOOKED, S.CHECKED_IN),
    (S.BOOKED, S.COMPLETED),
    (S.CHECKED_IN, S.COMPLETED),
    (S.BOOKED, S.NO_SHOW),
    (S.BOOKED, S.CANCELLED),
}


def refusal(
    current: AppointmentStatus,
    target: AppointmentStatus,
    *,
    now: datetime = AFTER,
) -> str | None:
    return transition_refusal(current, target, starts_at=START, now=now, tz=LA)


@pytest.mark.parametrize("current", list(AppointmentStatus))
@pytest.mark.parametrize("target", list(AppointmentStatus))
def test_every_pair(current: AppointmentStatus, target: AppointmentStatus) -> None:
    answer = refusal(current, target)
    if (current, target) in ALLOWED:
        assert answer is None
    else:
        assert answer is not None and answer.endswith(".")
    assert ((current, target) in ALLOWED) == (target in TRANSITIONS[current])


@pytest.mark.parametrize(
    ("current", "target", "now", "refused"),
    [
        # Check-in: on the visit's local day only (local midnight is 07:00 UTC).
        (S.BOOKED, S.CHECKED_IN, datetime(2027, 6, 2, 7, 0, tzinfo=UTC), False),
        (S.BOOKED, S.CHECKED_IN, datetime(2027, 6, 2, 6, 59, tzinfo=UTC), True),
        (S.BOOKED, S.CHECKED_IN, datetime(2027, 6, 3, 6, 59, tzinfo=UTC), False),
        (S.BOOKED, S.CHECKED_IN, datetime(2027, 6, 3, 7, 0, tzinfo=UTC), True),
        # Completed and no-show: not before the start.
        (S.BOOKED, S.COMPLETED, START - timedelta(seconds=1), True),
        (S.BOOKED, S.COMPLETED, START, False),
        (S.CHECKED_IN, S.COMPLETED, START - timedelta(minutes=1), True),
        (S.BOOKED, S.NO_SHOW, START - timedelta(minutes=1), True),
        (S.BOOKED, S.NO_SHOW, START, False),
        # Cancelled: any time.
        (S.BOOKED, S.CANCELLED, START - timedelta(days=30), False),
        (S.BOOKED, S.CANCELLED, START + timedelta(days=1), False),
    ],
)
def test_timing(
    current: AppointmentStatus, target: AppointmentStatus, now: datetime, refused: bool
) -> None:
    assert (refusal(current, target, now=now) is not None) is refused


def test_repeating_a_status_says_so() -> None:
    assert refusal(S.CANCELLED, S.CANCELLED) == "The visit is already cancelled."
    assert refusal(S.COMPLETED, S.CANCELLED) == "A visit that is completed cannot be cancelled."


def test_time_holding_statuses() -> None:
    assert {s for s in AppointmentStatus if s.holds_time} == {S.BOOKED, S.CHECKED_IN, S.COMPLETED}


@pytest.mark.parametrize(
    ("before", "late"),
    [
        (timedelta(hours=25), False),
        (timedelta(hours=24), False),
        (timedelta(hours=24) - timedelta(seconds=1), True),
        (timedelta(0), True),
        (-timedelta(hours=1), True),
    ],
)
def test_late_cancellation(before: timedelta, late: bool) -> None:
    assert is_late_cancellation(START, START - before, 24) is late
