"""Pure rules of the portal: the link limit, the change cut-off, preparation, aftercare.

Numbers come in as a PortalPolicy built from the settings by the entry points; nothing
here reads the clock or the configuration.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from clinic.accounts.rules import retry_after


@dataclass(frozen=True)
class PortalPolicy:
    """How long a link lives, how many may be asked for, when an idle session ends."""

    link_minutes: int = 15
    max_links_per_email: int = 5
    # Generous: patients share addresses (a mobile carrier's NAT, the clinic's own Wi-Fi in
    # the waiting room). It stops one machine spraying links at many inboxes; each inbox is
    # protected by max_links_per_email.
    max_links_per_address: int = 100
    link_window_minutes: int = 60
    idle_minutes: int = 30

    @property
    def link_lifetime(self) -> timedelta:
        return timedelta(minutes=self.link_minutes)

    @property
    def link_window(self) -> timedelta:
        return timedelta(minutes=self.link_window_minutes)


def link_request_wait(
    by_email: list[datetime], by_address: list[datetime], policy: PortalPolicy, now: datetime
) -> timedelta | None:
    """How long until another link may be asked for, or None when it may be now.

    Every request counts, known email or not, so the limit itself reveals nothing.
    """
    waits = [
        retry_after(by_email, policy.max_links_per_email, policy.link_window, now),
        retry_after(by_address, policy.max_links_per_address, policy.link_window, now),
    ]
    found = [wait for wait in waits if wait is not None]
    return max(found) if found else None


def session_expired(seen_at: float | None, now: datetime, policy: PortalPolicy) -> bool:
    """An idle patient session ends: a shared or lost phone should not stay signed in."""
    if seen_at is None:
        return True
    return now.timestamp() - seen_at > policy.idle_minutes * 60


def may_change(starts_at: datetime, now: datetime, late_cancel_hours: int) -> bool:
    """She may move or cancel a visit herself until `late_cancel_hours` before it; later,
    the clinic wants a call (the slot is hard to fill at short notice)."""
    return starts_at - now >= timedelta(hours=late_cancel_hours)


def preparation_is_near(
    starts_at: datetime, today: date, tz: ZoneInfo, preparation_days_before: int
) -> bool:
    """Whether preparation has begun: the visit is at most `preparation_days_before`
    clinic-local days away (the preparation message goes then, DOMAIN.md), so the home
    page shows the steps open instead of folded away."""
    return (starts_at.astimezone(tz).date() - today).days <= preparation_days_before


@dataclass(frozen=True)
class AftercareStep:
    when: str
    days_after: int
    advice: tuple[str, ...]


AFTERCARE = (
    AftercareStep(
        "The day of your visit",
        0,
        (
            "Your skin will look and feel sunburnt; redness and swelling last a day or two.",
            "No makeup today. Rinse gently with water and use the hydrating gel we gave you.",
            "Avoid the sun, sweating, exercise, saunas and hot tubs for one to three days.",
        ),
    ),
    AftercareStep(
        "The next day",
        1,
        (
            "Use a gentle cleanser.",
            "You may wear regular (mineral) makeup again.",
            "Wear broad-spectrum sunscreen, SPF 30 or more, whenever you are outdoors.",
        ),
    ),
    AftercareStep(
        "Day 3",
        3,
        (
            "Pinkness fades and light flaking is normal: do not pick or scrub.",
            "No retinoids or acids for about a week.",
        ),
    ),
    AftercareStep(
        "Day 7 on",
        7,
        (
            "Back to your normal routine.",
            "Sunscreen every day for at least two to four weeks: your skin is more "
            "sensitive to the sun.",
        ),
    ),
)
"""The aftercare timeline after a microneedling visit (DOMAIN.md)."""

CANCEL_REASONS = (
    "I can no longer come at this time",
    "I am unwell",
    "I want to think about it",
    "Something else",
)


def confirmation_note(*, by_email: bool, by_text: bool, moved: bool) -> str:
    """What she will hear from us after booking (or moving) a visit, and nothing more.

    The confirmation is only queued with the booking; the dispatcher sends it after the
    commit, at 08:00 when it falls in the quiet hours, and judges consent then. So the page
    says what will come, by the channels she allows (`by_email`, `by_text`), never that
    anything was sent."""
    if moved:
        by_mail, by_sms = "the new time", "the new time"
    else:
        by_mail, by_sms = "the details", "a confirmation"
    if by_email and by_text:
        if moved:
            return "We will email and text you the new time."
        return f"We will email you {by_mail} and text you {by_sms}."
    if by_email:
        return f"We will email you {by_mail}."
    if by_text:
        return f"We will text you {by_sms}."
    return (
        "You chose not to get emails or texts from us, so none will come about it: "
        "you can always see it here, under Visits."
    )


def what_reaches_her(*, by_email: bool, by_text: bool, reminders: bool) -> str:
    """What her message choices mean, in one sentence: a notice about a visit goes by the
    channels she allows (`by_email`, `by_text`: an address and consent), reminders only when
    she wants them too, and with no channel allowed nothing comes at all."""
    channels = [name for name, allowed in (("email", by_email), ("text", by_text)) if allowed]
    if not channels:
        return (
            "With email and texts both off, nothing will reach you from us: your visits "
            "and plan are always here."
        )
    by = " and ".join(channels)
    if not reminders:
        return f"We will only tell you about your visits (bookings and changes), by {by}."
    return f"We will tell you about your visits and send reminders and tips, by {by}."
