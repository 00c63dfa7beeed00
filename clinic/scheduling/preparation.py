"""What to do before a microneedling visit, for the days left until it (DOMAIN.md, clinic
protocol defaults); pure.

Preparation starts days ahead: retinoids, acids, exfoliants and hair removal stop five to
seven days before, aspirin and anti-inflammatory painkillers three. A visit booked at
shorter notice is told what can still be done (stop now, and say at the visit what was used
lately) instead of a step that can no longer be kept. The emails, the portal and the front
desk's visit page show the same steps.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

FULL_NOTICE_DAYS = 7  # the preparation message goes seven days before (DOMAIN.md)
ACTIVES_DAYS = 5  # retinoids, acids, exfoliants, waxing: at least five days before
PAINKILLER_DAYS = 3  # aspirin and NSAIDs: three days before


def days_left(starts_at: datetime, today: date, tz: ZoneInfo) -> int:
    """Clinic-local days from `today` to the visit's day (0: the visit is today)."""
    return (starts_at.astimezone(tz).date() - today).days


def is_short_notice(days_left: int) -> bool:
    """Whether a visit `days_left` clinic-local days away (0: today) is too close for the
    whole preparation."""
    return days_left < FULL_NOTICE_DAYS


def preparation_steps(days_left: int) -> tuple[str, ...]:
    """The steps for a visit `days_left` clinic-local days away, in the order to take them."""
    if not is_short_notice(days_left):
        actives = "Stop retinoids, acids (AHA/BHA) and exfoliants five to seven days before."
        waxing = "No waxing or hair removal on the area for five to seven days before."
    elif days_left >= ACTIVES_DAYS:
        actives = "Stop retinoids, acids (AHA/BHA) and exfoliants today."
        waxing = "No waxing or hair removal on the area from today."
    else:
        actives = (
            "Stop retinoids, acids (AHA/BHA) and exfoliants today, and tell us at your visit "
            "if you used any in the last week."
        )
        waxing = (
            "No waxing or hair removal on the area from today, and tell us at your visit if "
            "you had any in the last week."
        )
    if days_left >= PAINKILLER_DAYS:
        painkillers = (
            "Avoid aspirin and anti-inflammatory painkillers (such as ibuprofen) for three "
            "days before, unless a doctor prescribed them."
        )
    else:
        painkillers = (
            "Avoid aspirin and anti-inflammatory painkillers (such as ibuprofen) from now, "
            "unless a doctor prescribed them, and tell us at your visit if you took any in "
            "the last three days."
        )
    return (
        actives,
        f"{painkillers} Never stop a prescribed blood thinner.",
        waxing,
        "Come with clean skin: no makeup or lotion.",
    )
