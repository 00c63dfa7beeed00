"""Pure rules for staff accounts: passwords, and the failed sign-in limit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MIN_PASSWORD_LENGTH = 10


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable, or None. Length beats composition rules."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > 200:
        return "Use at most 200 characters."
    return None


@dataclass(frozen=True)
class SignInLimit:
    max_per_account: int
    max_per_address: int
    window: timedelta


def retry_after(
    failures_at: list[datetime], limit: int, window: timedelta, now: datetime
) -> timedelta | None:
    """How long until another attempt is allowed, or None when one is allowed now.

    `failures_at` are the failures inside the window; once `limit` of them have happened,
    the next attempt waits until the oldest counted one leaves the window.
    """
    recent = sorted(at for at in failures_at if at > now - window)
    if len(recent) < limit:
        return None
    oldest_counted = recent[-limit]
    return oldest_counted + window - now
