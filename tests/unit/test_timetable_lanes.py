"""The calendar's timetable: visits that hold time share a column's width among themselves;
cancelled and no-show visits (they hold no time) become slim markers in the right gutter and
take no width from them. Visits are plain stand-ins: the layout reads only their attributes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from clinic.scheduling.status import AppointmentStatus
from clinic.scheduling.timetable_views import AXIS, Block, ColumnInput, build_timetable

LA = ZoneInfo("America/Los_Angeles")
DAY = date(2027, 6, 2)
WIDTH = 150.0  # a week-view column
S = AppointmentStatus


def visit(id: int, hour: int, minutes: int, status: AppointmentStatus) -> Any:
    starts_at = datetime(2027, 6, 2, hour, tzinfo=LA).astimezone(UTC)
    return SimpleNamespace(
        id=id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        status=status,
        service=SimpleNamespace(name="Microneedling — face", numbing_minutes=30),
        patient=SimpleNamespace(full_name=f"Patient {id}"),
        provider=SimpleNamespace(name="Ana Morales"),
        room=SimpleNamespace(name="Room 1"),
    )


def layout(*visits: Any) -> dict[int, Block]:
    column = ColumnInput(label="Wed 2", sublabel="Jun", day=DAY, visits=list(visits))
    table = build_timetable([column], (9 * 60, 17 * 60), LA, column_width=WIDTH)
    return {block.appointment_id: block for block in table.blocks}


ALONE = layout(visit(1, 10, 75, S.BOOKED))[1]


def test_a_booked_visit_over_a_cancelled_one_keeps_the_whole_lane() -> None:
    blocks = layout(visit(1, 10, 75, S.BOOKED), visit(2, 10, 75, S.CANCELLED))
    booked, cancelled = blocks[1], blocks[2]
    assert (booked.x, booked.width, booked.lines) == (ALONE.x, ALONE.width, ALONE.lines)
    assert booked.width > WIDTH * 0.85
    assert not cancelled.holds_time and cancelled.lines == ()
    assert booked.x + booked.width < cancelled.x  # beside it, not over it
    assert cancelled.x + cancelled.width <= AXIS + WIDTH  # inside the column
    assert cancelled.width <= 8 and cancelled.height == booked.height
    assert cancelled.title.startswith("Patient 2, Microneedling — face") and "Cancelled" in (
        cancelled.title
    )


def test_two_overlapping_live_visits_still_split_the_lane() -> None:
    blocks = layout(
        visit(1, 10, 75, S.BOOKED),
        visit(2, 10, 75, S.CANCELLED),
        visit(3, 10, 60, S.CHECKED_IN),
        visit(4, 10, 30, S.NO_SHOW),
    )
    first, second = sorted((blocks[1], blocks[3]), key=lambda block: block.x)
    assert first.holds_time and second.holds_time
    assert first.width == second.width < ALONE.width / 2 + 1
    assert first.x == ALONE.x and second.x == first.x + first.width + 2
    for freed in (blocks[2], blocks[4]):
        assert not freed.holds_time and freed.x > second.x + second.width
    assert blocks[2].x != blocks[4].x  # overlapping markers stay apart to be clicked


def test_a_cancelled_visit_alone_is_still_a_marker() -> None:
    """The time is free, so it reads as free: a marker, never a block over the slot."""
    mark = layout(visit(2, 10, 75, S.NO_SHOW))[2]
    assert not mark.holds_time and mark.width <= 8 and mark.status == "no_show"


def test_blocks_come_in_reading_order() -> None:
    """Keyboard order follows time, then left to right, markers after the blocks beside them."""
    column = ColumnInput(
        label="Wed 2",
        sublabel="Jun",
        day=DAY,
        visits=[
            visit(1, 11, 60, S.BOOKED),
            visit(2, 10, 60, S.CANCELLED),
            visit(3, 10, 60, S.COMPLETED),
        ],
    )
    table = build_timetable([column], (9 * 60, 17 * 60), LA, column_width=WIDTH)
    assert [block.appointment_id for block in table.blocks] == [3, 2, 1]


def test_a_closed_day_is_shaded_closed_with_no_working_hours_over_it() -> None:
    """A closure greys the whole column; the provider's usual hours must not paint it open."""
    column = ColumnInput(
        label="Thu 26",
        sublabel="Nov",
        day=DAY,
        visits=[],
        working=[(9 * 60, 17 * 60)],
        breaks=[(13 * 60, 13 * 60 + 30)],
        closed="Closed: Thanksgiving",
    )
    table = build_timetable([column], (9 * 60, 17 * 60), LA, column_width=WIDTH)
    assert [(shade.kind, shade.label) for shade in table.shades] == [
        ("closed", "Closed: Thanksgiving")
    ]
