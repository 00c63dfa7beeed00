"""Plan generation and the booking-time gap and cap, for any start date and count."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic.plans.rules import (
    CannotResize,
    PlanPolicy,
    PlanYear,
    SessionStatus,
    SessionTarget,
    count_problem,
    plan_end,
    plan_targets,
    resized_targets,
    results_window,
    session_status,
    shift_after,
    shift_for_pause,
    spacing_problems,
)

POLICY = PlanPolicy()
starts = st.dates(min_value=date(2024, 1, 1), max_value=date(2040, 12, 31))
counts = st.integers(min_value=1, max_value=5)
closures = st.frozensets(
    st.dates(min_value=date(2024, 1, 1), max_value=date(2042, 1, 1)), max_size=40
)


@given(start=starts, sessions=counts, closed=closures)
def test_targets_are_spread_over_the_year_with_windows_that_never_overlap(
    start: date, sessions: int, closed: frozenset[date]
) -> None:
    targets = plan_targets(start, sessions, POLICY, closed_on=closed)
    end = plan_end(start)
    assert [t.number for t in targets] == list(range(1, sessions + 1))
    assert targets[0].window_start == targets[0].target_on == start  # API.md, even if closed
    for target in targets:
        assert start <= target.window_start <= target.target_on <= target.window_end < end
        assert target.window_end - target.window_start <= timedelta(days=2 * POLICY.window_days)
    for before, after in itertools.pairwise(targets):
        assert before.window_end < after.window_start
        gap = (after.target_on - before.target_on).days
        assert gap >= (end - start).days // sessions - 7  # even spacing, give or take a move
        assert gap >= POLICY.min_gap_days


@given(start=starts, sessions=counts, closed=closures)
def test_targets_avoid_closures(start: date, sessions: int, closed: frozenset[date]) -> None:
    closed = frozenset(d for d in closed if d != plan_end(start) - timedelta(days=1))
    for target in plan_targets(start, sessions, POLICY, closed_on=closed)[1:]:
        assert target.target_on not in closed


def test_two_a_year_are_about_26_weeks_apart_and_five_about_10() -> None:
    two = plan_targets(date(2027, 1, 15), 2, POLICY)
    assert (two[1].target_on - two[0].target_on).days == 182
    five = plan_targets(date(2027, 1, 15), 5, POLICY)
    assert {(b.target_on - a.target_on).days for a, b in itertools.pairwise(five)} == {73}


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2028, 2, 29), date(2029, 2, 28)),
        (date(2027, 1, 31), date(2028, 1, 31)),
        (date(2027, 12, 31), date(2028, 12, 31)),
    ],
)
def test_plan_year_is_twelve_calendar_months(start: date, end: date) -> None:
    assert plan_end(start) == end


def test_closed_weekdays_move_targets_to_the_next_open_day() -> None:
    start = date(2027, 3, 1)  # a Monday
    targets = plan_targets(start, 2, POLICY, open_weekdays=range(5))
    assert all(t.target_on.weekday() < 5 for t in targets)


@pytest.mark.parametrize(
    ("indications", "sessions", "override", "problem"),
    [
        (["fine_lines"], 2, False, None),
        (["fine_lines"], 3, False, "burn scars or stretch marks"),
        (["fine_lines"], 3, True, None),
        (["stretch_marks"], 5, False, None),
        (["burn_scars", "acne_scars"], 4, False, None),
        (["stretch_marks"], 6, True, "at most 5"),
        (["fine_lines"], 0, False, "at least one"),
        ([], 2, False, "at least one indication"),
        (["warts"], 2, False, "Unknown indication"),
    ],
)
def test_session_count_rules(indications, sessions, override, problem) -> None:
    found = count_problem(indications, sessions, has_override=override, policy=POLICY)
    assert (found is None) if problem is None else (found is not None and problem in found[1])


def test_done_late_moves_the_later_targets() -> None:
    start = date(2027, 1, 4)
    targets = plan_targets(start, 5, POLICY)
    moved = shift_after(targets, 1, start + timedelta(days=10), start, POLICY)
    assert moved[0].target_on == start
    assert [m.target_on - t.target_on for m, t in zip(moved[1:], targets[1:], strict=True)] == [
        timedelta(days=10)
    ] * 4


def test_a_pause_moves_unsettled_sessions_and_extends_the_year() -> None:
    start = date(2027, 1, 4)
    targets = plan_targets(start, 2, POLICY)
    moved, end = shift_for_pause(
        targets, date(2027, 3, 1), date(2027, 5, 1), start, plan_end(start), POLICY, settled={1}
    )
    assert moved[0].target_on == targets[0].target_on
    assert moved[1].target_on == targets[1].target_on + timedelta(days=61)
    assert end == plan_end(start) + timedelta(days=61)


def test_results_window_is_six_to_eight_weeks_after_the_last_session() -> None:
    window = results_window(date(2027, 6, 1), POLICY)
    assert (window.start, window.end) == (date(2027, 7, 13), date(2027, 7, 27))


@pytest.mark.parametrize(
    ("appointment", "window_end", "cancelled", "expected"),
    [
        (None, date(2027, 6, 1), False, SessionStatus.DUE),
        (None, date(2027, 4, 1), False, SessionStatus.MISSED),
        ("booked", date(2027, 4, 1), False, SessionStatus.BOOKED),
        ("checked_in", date(2027, 6, 1), False, SessionStatus.BOOKED),
        ("completed", date(2027, 4, 1), True, SessionStatus.DONE),
        ("cancelled", date(2027, 6, 1), False, SessionStatus.DUE),
        ("no_show", date(2027, 4, 1), False, SessionStatus.MISSED),
        (None, date(2027, 6, 1), True, SessionStatus.CANCELLED),
    ],
)
def test_session_status(appointment, window_end, cancelled, expected) -> None:
    status = session_status(
        appointment_status=appointment,
        window_end=window_end,
        today=date(2027, 5, 1),
        plan_cancelled=cancelled,
    )
    assert status is expected


def test_sessions_at_least_four_weeks_apart() -> None:
    problems = spacing_problems(date(2027, 5, 20), [date(2027, 5, 1)], plan=None, policy=POLICY)
    assert "at least 28 days apart" in problems[0]
    assert not spacing_problems(date(2027, 5, 29), [date(2027, 5, 1)], plan=None, policy=POLICY)


def test_plan_year_cap() -> None:
    plan = PlanYear(date(2027, 1, 1), date(2028, 1, 1), 2)
    done = [date(2027, 1, 5), date(2027, 7, 5)]
    assert (
        "allows 2 sessions"
        in spacing_problems(date(2027, 11, 1), done, plan=plan, policy=POLICY)[0]
    )
    # Next plan year's first session is fine even when this year's last was late.
    next_plan = PlanYear(date(2028, 1, 1), date(2029, 1, 1), 2)
    assert not spacing_problems(
        date(2028, 1, 10), [*done, date(2027, 12, 1)], plan=next_plan, policy=POLICY
    )


def test_without_a_plan_two_in_any_twelve_months() -> None:
    done = [date(2027, 1, 5), date(2027, 7, 5)]
    assert "at most 2" in spacing_problems(date(2027, 11, 1), done, plan=None, policy=POLICY)[0]
    assert not spacing_problems(date(2028, 1, 6), done, plan=None, policy=POLICY)


@given(
    days=st.lists(st.integers(min_value=0, max_value=1000), max_size=6),
    new=st.integers(min_value=0, max_value=1000),
)
def test_without_a_plan_the_cap_matches_a_brute_force_count(days: list[int], new: int) -> None:
    base = date(2027, 1, 1)
    others = [base + timedelta(days=d) for d in days]
    visit = base + timedelta(days=new)
    problems = spacing_problems(visit, others, plan=None, policy=PlanPolicy(min_gap_days=0))
    all_days = sorted([*others, visit])
    brute = any(
        sum(1 for d in all_days if start <= d < start + timedelta(days=365)) > 2
        and start <= visit < start + timedelta(days=365)
        for start in (visit - timedelta(days=k) for k in range(365))
    )
    assert bool(problems) == brute


# -- changing the count of an open plan ------------------------------------------------------


@given(start=starts, before=counts, after=counts)
def test_a_resized_plan_keeps_its_sessions_and_spaces_the_new_ones(
    start: date, before: int, after: int
) -> None:
    """Kept sessions keep their targets and windows; added ones come after the last, at
    least the minimum gap apart, with windows inside the plan year that overlap no other."""
    end = plan_end(start)
    targets = plan_targets(start, before, POLICY)
    try:
        resized = resized_targets(targets, after, set(), start, end, POLICY, today=start)
    except CannotResize:
        room = (end - targets[-1].target_on).days // POLICY.min_gap_days - 1
        assert after - before > room
        return
    assert [t.number for t in resized] == list(range(1, after + 1))
    assert resized[: min(before, after)] == targets[: min(before, after)]
    for earlier, later in itertools.pairwise(resized):
        assert (later.target_on - earlier.target_on).days >= (
            POLICY.min_gap_days if later.number > before else 1
        )
        assert earlier.window_end < later.window_start
    for target in resized:
        assert start <= target.window_start <= target.target_on <= target.window_end < end


def test_two_sessions_become_five_after_the_first_half_of_the_year() -> None:
    start = date(2027, 3, 1)
    targets = plan_targets(start, 2, POLICY)
    resized = resized_targets(targets, 5, {1}, start, plan_end(start), POLICY, today=start)
    gaps = [(b.target_on - a.target_on).days for a, b in itertools.pairwise(resized)]
    assert gaps[0] == (targets[1].target_on - targets[0].target_on).days  # kept as it was
    assert gaps[1:] == [gaps[1]] * 3 and gaps[1] >= POLICY.min_gap_days  # evenly after


def test_fewer_sessions_never_drop_one_booked_or_done() -> None:
    start = date(2027, 3, 1)
    targets = plan_targets(start, 5, POLICY)
    assert (
        len(resized_targets(targets, 2, {1, 2}, start, plan_end(start), POLICY, today=start)) == 2
    )
    with pytest.raises(CannotResize, match="Session 4 is booked or done"):
        resized_targets(targets, 2, {1, 4}, start, plan_end(start), POLICY, today=start)


def test_the_end_of_the_year_limits_how_many_more_fit() -> None:
    start = date(2027, 3, 1)
    on = date(2028, 1, 1)  # a last session late in the year
    late = [SessionTarget(1, on, on, on + timedelta(days=14))]
    with pytest.raises(CannotResize, match="holds 1 more session"):
        resized_targets(late, 4, {1}, start, plan_end(start), POLICY, today=start)


def test_sessions_added_late_in_the_year_come_after_today() -> None:
    """Raised from two to three ten months in, the new session is not born missed."""
    start = date(2027, 3, 11)
    targets = plan_targets(start, 2, POLICY)
    today = date(2028, 1, 10)
    [*_, added] = resized_targets(targets, 3, {1, 2}, start, plan_end(start), POLICY, today=today)
    assert added.target_on > today and added.window_start >= today
