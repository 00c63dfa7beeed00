"""The clinic's vocabulary (indication codes and their plain names, API.md, DOMAIN.md), and
the pure checks of its setup: weekly intervals, spans of instants, the clinical settings,
prices and services."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache
from typing import TypeVar
from zoneinfo import available_timezones

import phonenumbers


class Indication(StrEnum):
    FACIAL_WRINKLES = "facial_wrinkles"
    FINE_LINES = "fine_lines"
    ACNE_SCARS = "acne_scars"
    INCISIONAL_SCARS = "incisional_scars"
    STRETCH_MARKS = "stretch_marks"
    BURN_SCARS = "burn_scars"
    HYPERPIGMENTATION = "hyperpigmentation"
    AGE_SPOTS = "age_spots"
    SKIN_LAXITY = "skin_laxity"
    UNEVEN_SKIN_TONE = "uneven_skin_tone"
    ENLARGED_PORES = "enlarged_pores"

    @property
    def label(self) -> str:
        return INDICATION_LABELS[self]


INDICATION_LABELS: dict[Indication, str] = {
    Indication.FACIAL_WRINKLES: "Facial wrinkles",
    Indication.FINE_LINES: "Fine lines",
    Indication.ACNE_SCARS: "Acne scars",
    Indication.INCISIONAL_SCARS: "Incisional (surgical) scars",
    Indication.STRETCH_MARKS: "Stretch marks",
    Indication.BURN_SCARS: "Burn scars",
    Indication.HYPERPIGMENTATION: "Hyperpigmentation",
    Indication.AGE_SPOTS: "Age spots",
    Indication.SKIN_LAXITY: "Skin laxity",
    Indication.UNEVEN_SKIN_TONE: "Uneven skin tone",
    Indication.ENLARGED_PORES: "Enlarged pores",
}

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# --- Intervals: weekly wall-clock ranges and spans of instants -------------------------------

Moment = TypeVar("Moment", time, datetime)


def overlaps(a_start: Moment, a_end: Moment, b_start: Moment, b_end: Moment) -> bool:
    """Whether two half-open ranges [start, end) share any moment.

    Back-to-back ranges (one ends as the other starts) do not overlap, as in the database's
    `[)` ranges: a break from 12:00 may follow a morning that ends at 12:00.
    """
    return a_start < b_end and b_start < a_end


@dataclass(frozen=True)
class TimeRange:
    """A clinic-local wall-clock range within one day, such as 09:00–12:30."""

    starts_at: time
    ends_at: time

    def __str__(self) -> str:
        return f"{self.starts_at:%H:%M}–{self.ends_at:%H:%M}"

    def overlaps(self, other: TimeRange) -> bool:
        return overlaps(self.starts_at, self.ends_at, other.starts_at, other.ends_at)

    def contains(self, other: TimeRange) -> bool:
        """Whether `other` lies wholly inside this range (touching the edges counts)."""
        return self.starts_at <= other.starts_at and other.ends_at <= self.ends_at


def check_ranges(ranges: Sequence[TimeRange]) -> dict[int, str]:
    """A sentence for each range (by position) that ends before it starts or overlaps an
    earlier one. Two periods of one day may not overlap: a day is a set of separate periods."""
    problems: dict[int, str] = {}
    for index, current in enumerate(ranges):
        if current.ends_at <= current.starts_at:
            problems[index] = "The end must be later than the start."
            continue
        for earlier in ranges[:index]:
            if earlier.ends_at > earlier.starts_at and current.overlaps(earlier):
                problems[index] = f"{current} overlaps {earlier}."
                break
    return problems


def check_breaks(work: Sequence[TimeRange], breaks: Sequence[TimeRange]) -> dict[int, str]:
    """A sentence for each break (by position) that is not wholly inside one working period,
    or that overlaps another break. A break outside working hours would be meaningless, and
    one straddling two periods would hide a gap that is already free."""
    problems = check_ranges(breaks)
    for index, pause in enumerate(breaks):
        if index in problems:
            continue
        if not any(period.contains(pause) for period in work):
            if work:
                hours = ", ".join(str(period) for period in work)
                problems[index] = f"The break {pause} is not inside the working hours ({hours})."
            else:
                problems[index] = f"The break {pause} is on a day without working hours."
    return problems


def in_quiet_hours(at: time, quiet_start: time, quiet_end: time) -> bool:
    """Whether a time of day falls in the quiet hours [start, end), which may wrap past
    midnight (21:00–08:00). No message is sent in them, so nothing may be scheduled there."""
    if quiet_start == quiet_end:
        return False
    if quiet_start < quiet_end:
        return quiet_start <= at < quiet_end
    return at >= quiet_start or at < quiet_end


def find_overlapping_span(
    starts_at: datetime, ends_at: datetime, spans: Sequence[tuple[datetime, datetime]]
) -> tuple[datetime, datetime] | None:
    """The first of `spans` that overlaps [starts_at, ends_at), or None."""
    for span in spans:
        if overlaps(starts_at, ends_at, span[0], span[1]):
            return span
    return None


# --- The clinic's settings ---------------------------------------------------------------


@dataclass(frozen=True)
class ClinicSettings:
    """The clinic's details and clinical defaults, as typed; names are the Clinic columns."""

    name: str
    phone: str
    address: str
    timezone: str
    sessions_per_year_default: int
    sessions_per_year_max: int
    min_session_gap_days: int
    session_window_days: int
    results_window_start_weeks: int
    results_window_end_weeks: int
    screening_valid_months: int
    check_in_screening_days: int
    minimum_age: int
    sign_off_below_age: int
    slot_grid_minutes: int
    lead_time_minutes: int
    booking_horizon_months: int
    late_cancel_hours: int
    quiet_hours_start: time
    quiet_hours_end: time
    preparation_days_before: int
    preparation_at: time
    reminder_days_before: int
    aftercare_at: time
    nudge_at: time


SLOT_GRIDS = (5, 10, 15, 20, 30, 60)
"""Slot starts fall on this grid; these divide an hour, so a day's slots line up on the hour."""

ADULT_AGE = 18
"""Under 18 never (DOMAIN.md): the one number the settings may not lower."""

# (lowest, highest, unit) for each whole-number setting. Wide enough for any clinic's own
# protocol, narrow enough to catch a slipped digit.
SETTING_RANGES: dict[str, tuple[int, int, str]] = {
    "sessions_per_year_default": (1, 5, "sessions"),
    "sessions_per_year_max": (1, 5, "sessions"),
    "min_session_gap_days": (7, 365, "days"),
    "session_window_days": (1, 90, "days"),
    "results_window_start_weeks": (1, 52, "weeks"),
    "results_window_end_weeks": (1, 52, "weeks"),
    "screening_valid_months": (1, 24, "months"),
    "check_in_screening_days": (0, 60, "days"),
    "minimum_age": (ADULT_AGE, 99, "years"),
    "sign_off_below_age": (ADULT_AGE, 99, "years"),
    "lead_time_minutes": (0, 7 * 24 * 60, "minutes"),
    "booking_horizon_months": (1, 24, "months"),
    "late_cancel_hours": (0, 7 * 24, "hours"),
    "preparation_days_before": (0, 30, "days"),
    "reminder_days_before": (0, 14, "days"),
}


@cache
def known_time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def normalise_phone(raw: str, region: str) -> str | None:
    """The number in E.164 (+14155550100), or None when it is not a valid number."""
    try:
        number = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_clinic_settings(
    raw: ClinicSettings, *, phone_region: str
) -> tuple[ClinicSettings | None, dict[str, str]]:
    """The normalised settings (trimmed text, E.164 phone), or None and a sentence for each
    field that is out of range or contradicts another."""
    problems: dict[str, str] = {}
    name = " ".join(raw.name.split())
    if not name:
        problems["name"] = "Enter the clinic's name."
    elif len(name) > 120:
        problems["name"] = "Use at most 120 characters."
    phone = normalise_phone(raw.phone, phone_region)
    if phone is None:
        problems["phone"] = "This is not a valid phone number; include the area code."
    address = raw.address.strip()
    if len(address) > 300:
        problems["address"] = "Use at most 300 characters."
    zone = raw.timezone.strip()
    if zone not in known_time_zones():
        problems["timezone"] = "Choose a time zone from the list, such as America/Los_Angeles."

    for field, (low, high, unit) in SETTING_RANGES.items():
        value = getattr(raw, field)
        if not low <= value <= high:
            problems[field] = f"Use a number from {low} to {high} ({unit})."
    if raw.minimum_age < ADULT_AGE and "minimum_age" in problems:
        problems["minimum_age"] = (
            f"Nobody under {ADULT_AGE} may be treated; use {ADULT_AGE} or more."
        )
    _check_order(
        problems,
        "sessions_per_year_default",
        raw.sessions_per_year_default <= raw.sessions_per_year_max,
        "The usual number of sessions cannot be more than the most allowed.",
    )
    _check_order(
        problems,
        "results_window_end_weeks",
        raw.results_window_start_weeks < raw.results_window_end_weeks,
        "The results window must end later than it starts.",
    )
    _check_order(
        problems,
        "sign_off_below_age",
        raw.minimum_age <= raw.sign_off_below_age,
        "The sign-off age cannot be below the minimum age.",
    )
    if raw.slot_grid_minutes not in SLOT_GRIDS:
        problems["slot_grid_minutes"] = "Choose 5, 10, 15, 20, 30 or 60 minutes."
    if raw.quiet_hours_start == raw.quiet_hours_end:
        problems["quiet_hours_end"] = "Quiet hours must end at a different time than they start."
    else:
        for field in ("preparation_at", "aftercare_at", "nudge_at"):
            if in_quiet_hours(getattr(raw, field), raw.quiet_hours_start, raw.quiet_hours_end):
                problems[field] = (
                    f"This falls in the quiet hours ({raw.quiet_hours_start:%H:%M}–"
                    f"{raw.quiet_hours_end:%H:%M}), when no message is sent."
                )
    if problems or phone is None:
        return None, problems
    return replace(raw, name=name, phone=phone, address=address, timezone=zone), {}


def _check_order(problems: dict[str, str], field: str, holds: bool, message: str) -> None:
    """Add `message` to `field` unless it holds, or that field is already refused."""
    if not holds and field not in problems:
        problems[field] = message


# --- Money ------------------------------------------------------------------------------

MAX_PRICE_CENTS = 10_000_00


def dollars_to_cents(raw: str) -> int | None:
    """Whole cents from a dollar amount as typed ("350", "350.00", "$1,250.5"); None when it
    is not an amount, is negative, has more than two decimals or exceeds $10,000."""
    text = raw.strip().removeprefix("$").replace(",", "").strip()
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        return None
    cents = int(amount * 100)
    return cents if cents <= MAX_PRICE_CENTS else None


# --- Services ---------------------------------------------------------------------------

# (lowest, highest) minutes of each part of a visit.
SERVICE_MINUTES: dict[str, tuple[int, int]] = {
    "procedure_minutes": (5, 240),
    "numbing_minutes": (0, 120),
    "buffer_minutes": (0, 60),
}


def check_service_parts(
    minutes: dict[str, int],
    *,
    provider_free_while_numbing: bool,
    price: str,
    indications: Sequence[str],
) -> tuple[int | None, dict[str, str]]:
    """The price in cents and a sentence for each bad part of a service.

    A provider can only be free while numbing when there is numbing time (DOMAIN.md:
    processing time)."""
    problems: dict[str, str] = {}
    for field, (low, high) in SERVICE_MINUTES.items():
        if not low <= minutes[field] <= high:
            problems[field] = f"Use a number of minutes from {low} to {high}."
    if provider_free_while_numbing and minutes["numbing_minutes"] == 0:
        problems["provider_free_while_numbing"] = (
            "There is no numbing time, so the provider cannot be free during it."
        )
    cents = dollars_to_cents(price)
    if cents is None:
        problems["price"] = "Enter the price in dollars, such as 350 or 350.00 (up to $10,000)."
    known = {indication.value for indication in Indication}
    if any(code not in known for code in indications):
        problems["indications"] = "Choose indications from the list."
    return cents, problems
