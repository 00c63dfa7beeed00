"""The pure interval rules of the clinic's setup: overlap, inside, breaks, quiet hours, and
the settings and price checks built on them. No app, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time

import pytest

from clinic.practice.rules import (
    ClinicSettings,
    TimeRange,
    check_breaks,
    check_clinic_settings,
    check_ranges,
    check_service_parts,
    dollars_to_cents,
    find_overlapping_span,
    in_quiet_hours,
    overlaps,
)


def r(start: str, end: str) -> TimeRange:
    return TimeRange(time.fromisoformat(start), time.fromisoformat(end))


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (r("09:00", "12:00"), r("11:00", "13:00"), True),
        (r("09:00", "12:00"), r("12:00", "13:00"), False),  # back to back
        (r("12:00", "13:00"), r("09:00", "12:00"), False),
        (r("09:00", "17:00"), r("12:00", "13:00"), True),  # one inside the other
        (r("09:00", "10:00"), r("10:30", "11:00"), False),
        (r("09:00", "10:00"), r("09:00", "10:00"), True),  # the same range
    ],
)
def test_overlaps_is_half_open(a: TimeRange, b: TimeRange, expected: bool) -> None:
    assert a.overlaps(b) is expected
    assert b.overlaps(a) is expected


def test_overlaps_works_on_instants() -> None:
    a = datetime(2027, 3, 14, 9, tzinfo=UTC)
    b = datetime(2027, 3, 14, 10, tzinfo=UTC)
    c = datetime(2027, 3, 14, 11, tzinfo=UTC)
    assert overlaps(a, c, b, c)
    assert not overlaps(a, b, b, c)


@pytest.mark.parametrize(
    ("outer", "inner", "expected"),
    [
        (r("09:00", "17:00"), r("12:00", "13:00"), True),
        (r("09:00", "17:00"), r("09:00", "17:00"), True),  # touching both edges
        (r("09:00", "17:00"), r("08:30", "09:30"), False),
        (r("09:00", "17:00"), r("16:30", "17:30"), False),
        (r("09:00", "12:00"), r("13:00", "14:00"), False),
    ],
)
def test_contains(outer: TimeRange, inner: TimeRange, expected: bool) -> None:
    assert outer.contains(inner) is expected


def test_check_ranges_accepts_separate_periods_in_any_order() -> None:
    assert check_ranges([r("13:00", "19:00"), r("09:00", "12:00")]) == {}
    assert check_ranges([]) == {}


def test_check_ranges_names_the_overlapping_and_backwards_periods() -> None:
    problems = check_ranges([r("09:00", "12:00"), r("11:00", "14:00"), r("15:00", "15:00")])
    assert problems == {
        1: "11:00–14:00 overlaps 09:00–12:00.",
        2: "The end must be later than the start.",
    }


def test_a_backwards_period_is_not_also_reported_as_overlapping() -> None:
    problems = check_ranges([r("12:00", "09:00"), r("10:00", "11:00")])
    assert problems == {0: "The end must be later than the start."}


def test_breaks_inside_working_hours_pass() -> None:
    work = [r("09:00", "12:00"), r("13:00", "17:00")]
    assert check_breaks(work, [r("10:00", "10:15"), r("13:00", "13:30")]) == {}


@pytest.mark.parametrize(
    "pause",
    [r("12:00", "13:00"), r("11:30", "12:30"), r("08:00", "09:30"), r("16:45", "17:15")],
)
def test_a_break_outside_or_across_working_periods_is_refused(pause: TimeRange) -> None:
    work = [r("09:00", "12:00"), r("13:00", "17:00")]
    problems = check_breaks(work, [pause])
    assert list(problems) == [0]
    assert "not inside the working hours" in problems[0]


def test_a_break_on_a_day_off_is_refused() -> None:
    assert check_breaks([], [r("12:00", "13:00")]) == {
        0: "The break 12:00–13:00 is on a day without working hours."
    }


def test_overlapping_breaks_are_refused() -> None:
    problems = check_breaks([r("09:00", "17:00")], [r("12:00", "13:00"), r("12:30", "13:30")])
    assert problems == {1: "12:30–13:30 overlaps 12:00–13:00."}


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("20:59", False),
        ("21:00", True),
        ("23:30", True),
        ("00:00", True),
        ("07:59", True),
        ("08:00", False),
        ("12:00", False),
    ],
)
def test_quiet_hours_wrap_past_midnight(at: str, expected: bool) -> None:
    assert in_quiet_hours(time.fromisoformat(at), time(21), time(8)) is expected


def test_quiet_hours_within_one_day() -> None:
    assert in_quiet_hours(time(13), time(12), time(14))
    assert not in_quiet_hours(time(14), time(12), time(14))


def test_find_overlapping_span() -> None:
    def at(hour: int) -> datetime:
        return datetime(2027, 11, 7, hour, tzinfo=UTC)

    spans = [(at(1), at(3)), (at(5), at(8))]
    assert find_overlapping_span(at(3), at(5), spans) is None
    assert find_overlapping_span(at(4), at(6), spans) == (at(5), at(8))


DEFAULTS = ClinicSettings(
    name=" Lumen   Skin Studio ",
    phone="(415) 555-0100",
    address="210 Valencia Street",
    timezone="America/Los_Angeles",
    sessions_per_year_default=2,
    sessions_per_year_max=5,
    min_session_gap_days=28,
    session_window_days=14,
    results_window_start_weeks=6,
    results_window_end_weeks=8,
    screening_valid_months=12,
    check_in_screening_days=7,
    minimum_age=18,
    sign_off_below_age=22,
    slot_grid_minutes=15,
    lead_time_minutes=120,
    booking_horizon_months=12,
    late_cancel_hours=24,
    quiet_hours_start=time(21),
    quiet_hours_end=time(8),
    preparation_days_before=7,
    preparation_at=time(10),
    reminder_days_before=2,
    aftercare_at=time(9),
    nudge_at=time(10),
)


def test_good_settings_are_normalised() -> None:
    settings, problems = check_clinic_settings(DEFAULTS, phone_region="US")
    assert problems == {}
    assert settings is not None
    assert settings.name == "Lumen Skin Studio"
    assert settings.phone == "+14155550100"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"sessions_per_year_max": 6}, "sessions_per_year_max"),
        ({"sessions_per_year_max": 0}, "sessions_per_year_max"),
        ({"sessions_per_year_default": 3, "sessions_per_year_max": 2}, "sessions_per_year_default"),
        (
            {"results_window_start_weeks": 8, "results_window_end_weeks": 8},
            "results_window_end_weeks",
        ),
        ({"slot_grid_minutes": 25}, "slot_grid_minutes"),
        ({"minimum_age": 16}, "minimum_age"),
        ({"minimum_age": 25, "sign_off_below_age": 22}, "sign_off_below_age"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"phone": "12"}, "phone"),
        ({"name": "   "}, "name"),
        ({"aftercare_at": time(22)}, "aftercare_at"),
        ({"quiet_hours_end": time(21)}, "quiet_hours_end"),
    ],
)
def test_bad_settings_name_the_field(changes: dict[str, object], field: str) -> None:
    settings, problems = check_clinic_settings(replace(DEFAULTS, **changes), phone_region="US")
    assert settings is None
    assert field in problems


@pytest.mark.parametrize(
    ("typed", "cents"),
    [("350", 35000), ("350.00", 35000), ("$1,250.5", 125050), ("0", 0), (" 99.99 ", 9999)],
)
def test_dollars_to_cents(typed: str, cents: int) -> None:
    assert dollars_to_cents(typed) == cents


@pytest.mark.parametrize("typed", ["", "abc", "-5", "1.005", "10000.01", "NaN", "inf"])
def test_dollars_to_cents_refuses(typed: str) -> None:
    assert dollars_to_cents(typed) is None


def test_provider_cannot_be_free_without_numbing_time() -> None:
    minutes = {"procedure_minutes": 30, "numbing_minutes": 0, "buffer_minutes": 10}
    cents, problems = check_service_parts(
        minutes, provider_free_while_numbing=True, price="100", indications=["acne_scars"]
    )
    assert cents == 10000
    assert list(problems) == ["provider_free_while_numbing"]


def test_unknown_indication_is_refused() -> None:
    minutes = {"procedure_minutes": 30, "numbing_minutes": 45, "buffer_minutes": 10}
    _, problems = check_service_parts(
        minutes, provider_free_while_numbing=True, price="100", indications=["tattoos"]
    )
    assert list(problems) == ["indications"]
