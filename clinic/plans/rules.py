"""A patient's year of microneedling: how many sessions, when each is due, its booking
window, the results check-in, and the gap and cap every booking must respect.

Pure: dates and a PlanPolicy in, frozen dataclasses out. Calendar steps use dateutil
(rrule for the evenly spaced targets, relativedelta for months), so a plan that starts on
29 February or 31 January has a plan year of exactly twelve calendar months.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from dateutil.relativedelta import relativedelta
from dateutil.rrule import DAILY, rrule

from clinic.practice.rules import Indication

# Up to five a year for these (DOMAIN.md: courses of up to five sessions).
MANY_SESSION_INDICATIONS = frozenset({Indication.BURN_SCARS, Indication.STRETCH_MARKS})


@dataclass(frozen=True)
class PlanPolicy:
    """The clinic's plan settings (Clinic.sessions_per_year_default and kin)."""

    default_sessions: int = 2
    max_sessions: int = 5
    min_gap_days: int = 28
    window_days: int = 14
    results_from_weeks: int = 6
    results_to_weeks: int = 8


class SessionStatus(StrEnum):
    DUE = "due"
    BOOKED = "booked"
    DONE = "done"
    MISSED = "missed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class SessionTarget:
    number: int
    target_on: date
    window_start: date
    window_end: date


@dataclass(frozen=True)
class DateWindow:
    start: date
    end: date


def plan_end(start_on: date) -> date:
    """The first day after the plan year: twelve calendar months from the start."""
    return start_on + relativedelta(months=12)


RENEWAL_DAYS = 30
"""Next year's plan is proposed in a plan year's last month (the call list asks then)."""


def may_renew(end_on: date, today: date, *, is_closed: bool) -> bool:
    """Whether next year's plan may be made from this one: once it is closed, or in its
    plan year's last month (creating it then closes this one)."""
    return is_closed or today >= end_on - timedelta(days=RENEWAL_DAYS)


def suggested_sessions(indications: Collection[str], policy: PlanPolicy) -> int:
    return policy.default_sessions


def session_limit(indications: Collection[str], policy: PlanPolicy) -> tuple[int, str]:
    """The most sessions a year these indications allow without an override, and why."""
    if MANY_SESSION_INDICATIONS & set(indications):
        return policy.max_sessions, (
            f"Burn scars and stretch marks allow up to {policy.max_sessions} sessions a year."
        )
    return policy.default_sessions, (
        f"Up to {policy.default_sessions} sessions a year; more needs burn scars or stretch "
        "marks, or a clinician's written reason."
    )


def count_problem(
    indications: Collection[str], sessions: int, *, has_override: bool, policy: PlanPolicy
) -> tuple[str, str] | None:
    """(field, sentence) saying why this plan is not allowed, or None.

    Never fewer than one nor more than the maximum; above the default only for burn scars
    or stretch marks, unless a clinician overrides with a written reason.
    """
    if not indications:
        return "indications", "Choose at least one indication."
    unknown = sorted(set(indications) - {i.value for i in Indication})
    if unknown:
        return "indications", f"Unknown indication: {', '.join(unknown)}."
    if sessions < 1:
        return "sessions_per_year", "A plan has at least one session a year."
    if sessions > policy.max_sessions:
        return "sessions_per_year", f"A plan has at most {policy.max_sessions} sessions a year."
    limit, reason = session_limit(indications, policy)
    if sessions > limit and not has_override:
        return "sessions_per_year", reason
    return None


def plan_targets(
    start_on: date,
    sessions: int,
    policy: PlanPolicy,
    *,
    closed_on: Collection[date] = (),
    open_weekdays: Collection[int] = range(7),
) -> list[SessionTarget]:
    """Session targets spread evenly over the plan year, each with its booking window.

    Target 1 is the start date, whatever the day (API.md; its window opens there and
    reaches open days); the others follow every (plan-year days / sessions) days, so two a
    year fall about 26 weeks apart and five about 10 weeks apart, and one of those on a
    closure or a closed weekday moves to the next open day. Windows run `window_days`
    either side of their targets (the first opens on the start date), inside the plan
    year, and never overlap a neighbour's: a shared stretch is split between them.
    """
    if sessions < 1:
        return []
    end = plan_end(start_on)
    spacing = (end - start_on).days // sessions
    days = [d.date() for d in rrule(DAILY, dtstart=start_on, interval=spacing, count=sessions)]
    targets = [start_on] + [_next_open(day, end, closed_on, open_weekdays) for day in days[1:]]
    return _windows(targets, start_on, end, policy.window_days)


def _next_open(
    day: date, end: date, closed_on: Collection[date], open_weekdays: Collection[int]
) -> date:
    candidate = day
    while candidate < end - timedelta(days=1) and (
        candidate in closed_on or candidate.weekday() not in open_weekdays
    ):
        candidate += timedelta(days=1)
    return candidate


def _windows(
    targets: list[date], start_on: date, end: date, window_days: int
) -> list[SessionTarget]:
    reach = timedelta(days=window_days)
    last_day = end - timedelta(days=1)
    windows = [[max(start_on, t - reach), min(last_day, t + reach)] for t in targets]
    windows[0][0] = start_on
    for before, after, target_before, target_after in zip(
        windows, windows[1:], targets, targets[1:], strict=False
    ):
        if before[1] >= after[0]:  # split the shared stretch between the two targets
            middle = target_before + (target_after - target_before) // 2
            before[1] = max(target_before, middle)
            after[0] = min(target_after, before[1] + timedelta(days=1))
    return [
        SessionTarget(number, target, window[0], window[1])
        for number, (target, window) in enumerate(zip(targets, windows, strict=True), start=1)
    ]


class CannotResize(ValueError):
    """A plan's new count of sessions that its year or its sessions cannot hold."""

    def __init__(self, sentence: str) -> None:
        super().__init__(sentence)
        self.sentence = sentence


def resized_targets(
    targets: list[SessionTarget],
    sessions: int,
    settled: Collection[int],
    start_on: date,
    end_on: date,
    policy: PlanPolicy,
    *,
    today: date,
) -> list[SessionTarget]:
    """The targets of a plan changed to `sessions` a year on `today`. The sessions it keeps
    keep their targets and windows (a booking may sit in one). Fewer drops the last ones,
    which must not be settled (done or booked). More adds sessions after the last one and
    after today (none is born missed), spread as plan_targets spreads a new plan's: evenly
    over what is left of the plan year, the same stretch again after the last, and at
    least `min_gap_days` apart.

    Raises CannotResize with the sentence to show."""
    if sessions < len(targets):
        kept_settled = sorted(n for n in settled if n > sessions)
        if kept_settled:
            raise CannotResize(
                f"Session {kept_settled[-1]} is booked or done: the plan needs at least "
                f"{kept_settled[-1]} sessions. Cancel that visit first to have fewer."
            )
        return targets[:sessions]
    added = sessions - len(targets)
    if added == 0:
        return list(targets)
    last = targets[-1].target_on if targets else start_on - timedelta(days=1)
    anchor = max(last, today)
    spacing = (end_on - anchor).days // (added + 1)
    if spacing < policy.min_gap_days:
        room = max(0, (end_on - anchor).days // policy.min_gap_days - 1)
        raise CannotResize(
            f"The rest of the plan year holds {room} more session(s) after session "
            f"{len(targets)}, at least {policy.min_gap_days} days apart."
        )
    new_days = [anchor + timedelta(days=spacing * k) for k in range(1, added + 1)]
    windows = _windows(
        [t.target_on for t in targets] + new_days, start_on, end_on, policy.window_days
    )
    appended = windows[len(targets) :]
    if targets:  # the first new window opens after the last kept one closes
        first = appended[0]
        opens = max(first.window_start, targets[-1].window_end + timedelta(days=1))
        appended[0] = replace(first, window_start=min(opens, first.target_on))
    return [*targets, *appended]


def shift_after(
    targets: list[SessionTarget],
    number: int,
    done_on: date,
    start_on: date,
    policy: PlanPolicy,
    *,
    end_on: date | None = None,
) -> list[SessionTarget]:
    """Targets after session `number` moved by how early or late it was done, keeping the
    spacing; never past the plan year (the last day of the year is the latest target)."""
    end = end_on or plan_end(start_on)
    done_target = next(t for t in targets if t.number == number)
    delta = done_on - done_target.target_on
    last_day = end - timedelta(days=1)
    moved = [
        t if t.number <= number else replace(t, target_on=min(last_day, t.target_on + delta))
        for t in targets
    ]
    return _windows([t.target_on for t in moved], start_on, end, policy.window_days)


def shift_for_pause(
    targets: list[SessionTarget],
    paused_on: date,
    resumed_on: date,
    start_on: date,
    end_on: date,
    policy: PlanPolicy,
    settled: Collection[int],
) -> tuple[list[SessionTarget], date]:
    """After a pause, the sessions not yet settled (done or booked) move later by the
    pause's length, and the plan year is extended by as much; returns (targets, new end)."""
    pause = resumed_on - paused_on
    new_end = end_on + pause
    moved = [
        t
        if t.number in settled or t.target_on < paused_on
        else replace(t, target_on=t.target_on + pause)
        for t in targets
    ]
    return _windows([t.target_on for t in moved], start_on, new_end, policy.window_days), new_end


def results_window(last_session_on: date, policy: PlanPolicy) -> DateWindow:
    """Full results show six to eight weeks after the last session (DOMAIN.md)."""
    return DateWindow(
        last_session_on + timedelta(weeks=policy.results_from_weeks),
        last_session_on + timedelta(weeks=policy.results_to_weeks),
    )


def session_status(
    *, appointment_status: str | None, window_end: date, today: date, plan_cancelled: bool
) -> SessionStatus:
    """A session's status from its latest visit: a completed visit is done, a visit that
    holds time is booked; otherwise it is due until its window closes, then missed."""
    if appointment_status == "completed":
        return SessionStatus.DONE
    if plan_cancelled:
        return SessionStatus.CANCELLED
    if appointment_status in ("booked", "checked_in"):
        return SessionStatus.BOOKED
    return SessionStatus.MISSED if window_end < today else SessionStatus.DUE


@dataclass(frozen=True)
class PlanYear:
    """The active plan around a visit: its year and how many sessions it allows."""

    start_on: date
    end_on: date  # exclusive
    sessions: int

    def covers(self, day: date) -> bool:
        return self.start_on <= day < self.end_on


def long_day(day: date) -> str:
    """A day as the sentences below name it for people: "Thursday 4 March 2027"."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def spacing_problems(
    visit_on: date, other_sessions: Iterable[date], *, plan: PlanYear | None, policy: PlanPolicy
) -> list[str]:
    """Why a microneedling visit on `visit_on` breaks the gap or the cap, if it does.

    `other_sessions` are the days of the patient's other microneedling visits that hold
    time. At least `min_gap_days` between any two (skin remodelling time). Inside an active
    plan's year, no more visits in that year than the plan's count; otherwise at most
    `default_sessions` in any 365 days. (A rolling window across plan years would refuse
    next year's first session when this year's was late: DOMAIN.md.)
    """
    others = sorted(other_sessions)
    problems = []
    too_close = [d for d in others if abs((d - visit_on).days) < policy.min_gap_days]
    if too_close:
        problems.append(
            f"Sessions must be at least {policy.min_gap_days} days apart; there is one on "
            f"{long_day(too_close[0])}."
        )
    if plan is not None and plan.covers(visit_on):
        in_year = [d for d in others if plan.covers(d)]
        if len(in_year) + 1 > plan.sessions:
            problems.append(
                f"The plan allows {plan.sessions} session{'s' if plan.sessions != 1 else ''} "
                f"in its year ({long_day(plan.start_on)} to "
                f"{long_day(plan.end_on - timedelta(days=1))}); "
                f"{len(in_year)} {'is' if len(in_year) == 1 else 'are'} already booked or done."
            )
    else:
        limit = policy.default_sessions
        days = sorted([*others, visit_on])
        for index in range(len(days) - limit):
            span = days[index : index + limit + 1]
            if visit_on in span and (span[-1] - span[0]).days < 365:
                problems.append(
                    f"Without a plan, at most {limit} sessions in any twelve months; this "
                    f"would be {limit + 1} between {long_day(span[0])} and "
                    f"{long_day(span[-1])}."
                )
                break
    return problems
