"""The calendar's timetable: visits that hold time share a column's width among themselves;
cancelled and no-show visits (they hold no time) become slim markers in the right gutter and
take no width from them. Visits are plain stand-ins: the layout reads only their attributes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from clinic.scheduling.status import AppointmentStatus
from clinic.scheduling.timetable_labels import _service, text_width
from clinic.scheduling.timetable_views import AXIS, Block, ColumnInput, build_timetable

LA = ZoneInfo("America/Los_Angeles")
DAY = date(2027, 6, 2)
WIDTH = 150.0  # a week-view column
S = AppointmentStatus


def visit(
    id: int,
    hour: int,
    minutes: int,
    status: AppointmentStatus,
    minute: int = 0,
    service: str = "Microneedling — face",
) -> Any:
    starts_at = datetime(2027, 6, 2, hour, minute, tzinfo=LA).astimezone(UTC)
    return SimpleNamespace(
        id=id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        status=status,
        service=SimpleNamespace(name=service, numbing_minutes=30),
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
    # Overlapping markers stack down the gutter, each its full width, to stay two targets.
    upper, lower = sorted((blocks[2], blocks[4]), key=lambda block: block.y)
    assert upper.x == lower.x and upper.width == lower.width == 6
    assert upper.y + upper.height < lower.y


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


def test_two_cancelled_at_one_time_stack_in_the_gutter_as_two_targets() -> None:
    """Side by side they were 2 px slivers; stacked, each keeps the gutter's width."""
    blocks = layout(visit(1, 10, 75, S.CANCELLED), visit(2, 10, 75, S.NO_SHOW))
    upper, lower = blocks[1], blocks[2]
    assert upper.x == lower.x and upper.width == lower.width == 6
    assert upper.height >= 12 and lower.height >= 12
    assert upper.y + upper.height < lower.y  # apart, upper first in reading order
    assert lower.y + lower.height <= ALONE.y + ALONE.height  # within their time
    assert upper.x + upper.width <= AXIS + WIDTH


def test_short_stacked_markers_stay_tall_enough_and_push_the_next_ones_down() -> None:
    """Three 15-minute markers at one time (18 px of time) each stay 12 px tall; the marker
    that follows them is moved below the stack rather than under it."""
    three = [visit(id, 10, 15, S.CANCELLED) for id in (1, 2, 3)]
    blocks = layout(*three, visit(4, 10, 15, S.BOOKED), visit(5, 10, 15, S.NO_SHOW, minute=15))
    marks = sorted((blocks[id] for id in (1, 2, 3, 5)), key=lambda block: block.y)
    assert [mark.appointment_id for mark in marks] == [1, 2, 3, 5]
    for above, below in pairwise(marks):
        assert above.height >= 12 and above.y + above.height < below.y


def test_a_narrow_block_shows_the_time_then_the_patient_within_its_width() -> None:
    """Three visits at once in a week column: each lane is about 45 px wide, too narrow for
    the bold time, so the lines are set compact (11 px). The first line is the start time,
    whole; then the patient, shortened with an ellipsis; nothing is cut mid-way or runs past
    the block; the full text stays in the title (the accessible name and tooltip)."""
    blocks = layout(*(visit(id, 10, 75, S.BOOKED) for id in (1, 2, 3)))
    for block in blocks.values():
        assert block.width < 46 and block.compact
        assert block.lines[0] == "10:00"
        assert block.lines[1].startswith("Pat") and block.lines[1].endswith("…")
        assert all(text_width(line) * 11 / 12 <= block.width - 9 for line in block.lines)
        assert block.title.startswith(f"Patient {block.appointment_id}, Microneedling — face")
        assert "10:00–11:15" in block.title


def test_a_block_shows_what_its_width_allows() -> None:
    """Two lanes (about 66 px): the start in bold, then the patient, service and status a
    line each. One lane: the whole span. A 15-minute visit has one line: time, patient."""
    two = layout(visit(1, 10, 75, S.BOOKED), visit(2, 10, 75, S.BOOKED))[1]
    assert not two.compact and two.lines[0] == "10:00" and two.lines[1].startswith("Patien")
    assert text_width(two.lines[0], strong=True) <= two.width - 12
    assert all(text_width(line) <= two.width - 12 for line in two.lines[1:])
    assert ALONE.lines == ("10:00–11:15", "Patient 1", "face", "Booked")
    assert layout(visit(1, 10, 15, S.BOOKED))[1].lines == ("10:00 Patient 1",)


def test_a_visit_that_needs_attention_carries_the_reason_in_its_title_and_a_badge() -> None:
    column = ColumnInput(
        label="Wed 2", sublabel="Jun", day=DAY, visits=[visit(1, 10, 15, S.BOOKED)]
    )
    note = "Needs attention: the clinic is closed that day"
    table = build_timetable(
        [column], (9 * 60, 17 * 60), LA, column_width=WIDTH, attention={1: note}
    )
    (block,) = table.blocks
    assert block.attention == note and block.title.endswith(" · Booked · " + note)
    cx, cy, radius = block.badge
    assert block.x < cx - radius and cx + radius < block.x + block.width
    assert block.y < cy - radius and cy + radius <= block.y + block.height
    # The first line leaves the badge its corner.
    assert 9 + text_width(block.lines[0], strong=True) < cx - radius


FACE, NECK = "Microneedling — face", "Microneedling — face and neck"
BODY = "Microneedling — body (stretch marks, scars)"


def test_services_of_one_family_are_told_apart_by_what_follows_the_dash() -> None:
    """ "Microneedling — face", "— face and neck" and "— body (...)" all read "Micro…" when
    cut from the left: a block too narrow for the whole name drops the family instead, and
    keeps the whole name in its title (the accessible name and tooltip)."""
    for name, shown in ((FACE, "face"), (NECK, "face and neck"), (BODY, "body (stretch m…")):
        (block,) = layout(visit(1, 10, 75, S.BOOKED, service=name)).values()
        assert block.lines == ("10:00–11:15", "Patient 1", shown, "Booked"), name
        assert block.title.startswith(f"Patient 1, {name} · 10:00–11:15")


def test_a_service_line_shortens_what_follows_the_dash_then_gives_way() -> None:
    """Narrower blocks shorten the variant ("body…", "face a…"); a name without a family is
    shortened as it is; a name that fits is never cut."""
    room = text_width("body (s…") - 0.1  # "body (" and an ellipsis: the bracket goes too
    assert _service(BODY, room) == "body…"
    assert _service(NECK, text_width("face a…") + 0.1) == "face a…"
    assert _service(FACE, text_width(FACE)) == FACE  # it fits: kept whole
    assert _service("Results check-in", text_width("Results c…") - 0.1) == "Results…"
    assert _service("Peel – light", text_width("light") + 0.1) == "light"  # an en dash too
    assert _service(FACE, text_width("face · Booked") + 0.1, " · Booked") == "face · Booked"
    assert _service(FACE, 2) == ""  # nothing telling fits


def test_two_lanes_of_different_services_show_different_words() -> None:
    blocks = layout(
        visit(1, 10, 75, S.BOOKED, service=FACE),
        visit(2, 10, 75, S.BOOKED, service=NECK),
        visit(3, 10, 75, S.BOOKED, service=BODY, minute=0),
    )
    services = [block.lines[2] for block in blocks.values() if len(block.lines) > 2]
    assert services and not any(line.startswith("Micro") for line in services)


def test_todays_timetable_draws_the_now_line_where_the_time_is() -> None:
    column = ColumnInput("Ana", "", DAY, [])
    at_ten_thirty = build_timetable([column], (9 * 60, 17 * 60), LA, WIDTH, now_minute=630)
    rule_at = {rule.label: rule.y for rule in at_ten_thirty.rules if rule.label}
    assert at_ten_thirty.now is not None and at_ten_thirty.now.label == "10:30"
    assert rule_at["10:00"] < at_ten_thirty.now.y < rule_at["11:00"]

    assert build_timetable([column], (9 * 60, 17 * 60), LA, WIDTH).now is None  # another day
    after_hours = build_timetable([column], (9 * 60, 17 * 60), LA, WIDTH, now_minute=22 * 60)
    assert after_hours.now is None
