"""The day and week calendars as a timetable the page draws as SVG, with no inline styles.

Rows are clinic-local wall-clock time: a visit at 10:00 sits on the 10:00 row on a DST day
too. Everything is positioned here, in plain numbers, so the template only writes them out
(the Content-Security-Policy forbids style attributes and inline script). Visits that hold
time and overlap in one column (a provider is free while numbing cream sets, so her visits
overlap) share the column side by side. Cancelled and no-show visits hold no time (API.md,
"Visits"), so they take no width from them: each is a slim marker in a gutter along the
column's right edge, a link like any block, while the time itself reads as free. Markers
that overlap are stacked down the gutter, each its full width and at least MARK_MIN tall,
so that two cancelled at one time stay two targets a pointer can hit.

A block's text is what fits it (timetable_labels); its full text is its accessible name and
tooltip. A visit the setup no longer allows carries a warning badge in its top right
corner, and the reason (setup_fit) in that name and tooltip.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from clinic.scheduling.models import Appointment
from clinic.scheduling.schedule import ProviderSchedule
from clinic.scheduling.timetable_labels import block_label, block_title

PX_PER_MINUTE = 1.2  # 18 px per 15-minute row
HEADER = 46
AXIS = 58
PAD = 3  # between a column's edges and what it draws
GUTTER = 8  # the right-hand strip for cancelled and no-show markers, their gap included
MARK_MIN = 12  # the shortest a stacked marker gets, to stay a target
MARK_GAP = 2  # between stacked markers
BADGE_RADIUS = 5.5
BADGE = 14  # the width the warning badge takes from a block's first line, its gap included

Span = tuple[int, int]  # minutes after the column's local midnight, [start, end)


@dataclass(frozen=True)
class ColumnInput:
    label: str
    sublabel: str
    day: date
    visits: Sequence[Appointment]
    href: str | None = None
    working: Sequence[Span] = ()
    breaks: Sequence[Span] = ()
    away: Sequence[Span] = ()
    closed: str | None = None


@dataclass(frozen=True)
class Heading:
    x: float
    width: float
    label: str
    sublabel: str
    href: str | None


@dataclass(frozen=True)
class Rule:
    y: float
    label: str
    is_hour: bool


@dataclass(frozen=True)
class Shade:
    x: float
    y: float
    width: float
    height: float
    kind: str  # "work", "break", "away", "closed"
    label: str


@dataclass(frozen=True)
class Block:
    appointment_id: int
    status: str
    x: float
    y: float
    width: float
    height: float
    numbing_height: float
    lines: tuple[str, ...]
    title: str  # the full text: accessible name and tooltip
    holds_time: bool = True  # False: a cancelled or no-show visit, drawn as a slim marker
    attention: str = ""  # why the setup no longer allows the visit; a badge when set
    compact: bool = False  # the lines are set smaller, for a block too narrow for its time
    first_row: int = 0  # 1 when the badge leaves the first row no room for the time

    @property
    def badge(self) -> tuple[float, float, float]:
        """The warning badge's centre and radius, in the block's top right corner (inside
        it however short the block is)."""
        radius = min(BADGE_RADIUS, self.height / 2 - 1)
        return self.x + self.width - radius - 2, self.y + min(radius + 2, self.height / 2), radius


@dataclass(frozen=True)
class Timetable:
    width: float
    height: float
    grid_top: float
    grid_bottom: float
    headings: list[Heading] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    shades: list[Shade] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    now: Rule | None = None  # the line across today at this minute


def minutes_of(instant: datetime, day: date, tz: ZoneInfo) -> int:
    """Wall-clock minutes after `day`'s local midnight (beyond 1440 on the next day)."""
    local = instant.astimezone(tz)
    return (local.date() - day).days * 1440 + local.hour * 60 + local.minute


def day_bounds(spans: Sequence[Span], visits: Sequence[Span]) -> Span:
    """Whole hours from the earliest opening (or visit) to the latest closing (or visit)."""
    everything = [*spans, *visits]
    if not everything:
        return 9 * 60, 17 * 60
    first = min(start for start, _ in everything)
    last = max(end for _, end in everything)
    return max(0, first // 60 * 60), min(24 * 60 + 60, -(-last // 60) * 60)


def provider_spans(
    schedule: ProviderSchedule | None, day: date, tz: ZoneInfo
) -> tuple[list[Span], ...]:
    """Working hours, breaks and time off of a provider on one local day, as minute spans
    (none for a provider who no longer works here)."""
    if schedule is None:
        return [], [], []
    working = [
        (_wall(h.starts_at), _wall(h.ends_at))
        for h in schedule.working_hours
        if h.weekday == day.weekday()
    ]
    breaks = [
        (_wall(b.starts_at), _wall(b.ends_at))
        for b in schedule.breaks
        if b.weekday == day.weekday()
    ]
    away = []
    for off in schedule.time_off:
        start, end = minutes_of(off.starts_at, day, tz), minutes_of(off.ends_at, day, tz)
        if end > 0 and start < 1440:
            away.append((max(0, start), min(1440, end)))
    return working, breaks, away


def build_timetable(
    columns: Sequence[ColumnInput],
    bounds: Span,
    tz: ZoneInfo,
    column_width: float,
    attention: Mapping[int, str] | None = None,
    now_minute: int | None = None,
) -> Timetable:
    """`attention`: {visit id: why it needs attention} (see setup_fit), for the badges;
    `now_minute`: the wall-clock minute of now on a timetable of today, for the now line."""
    first, last = bounds

    def y_of(minute: int) -> float:
        return HEADER + (min(max(minute, first), last) - first) * PX_PER_MINUTE

    table = Timetable(
        width=AXIS + column_width * len(columns),
        height=HEADER + (last - first) * PX_PER_MINUTE + 12,  # room for the last hour's label
        grid_top=HEADER,
        grid_bottom=HEADER + (last - first) * PX_PER_MINUTE,
        now=Rule(y_of(now_minute), f"{now_minute // 60:02d}:{now_minute % 60:02d}", False)
        if now_minute is not None and first <= now_minute <= last
        else None,
    )
    for minute in range(first, last + 1, 15):
        is_hour = minute % 60 == 0
        label = f"{minute // 60 % 24:02d}:00" if is_hour else ""
        table.rules.append(Rule(y_of(minute), label, is_hour))
    for index, column in enumerate(columns):
        x = AXIS + index * column_width
        table.headings.append(Heading(x, column_width, column.label, column.sublabel, column.href))
        grid_height = (last - first) * PX_PER_MINUTE
        if column.closed:  # a closed day is closed all day, whoever would have worked
            table.shades.append(
                Shade(x, HEADER, column_width, grid_height, "closed", column.closed)
            )
        shaded = (
            ()
            if column.closed
            else (
                ("work", column.working, ""),
                ("break", column.breaks, "Break"),
                ("away", column.away, "Time off"),
            )
        )
        for kind, spans, label in shaded:
            for start, end in spans:
                if end > first and start < last:
                    top = y_of(start)
                    table.shades.append(Shade(x, top, column_width, y_of(end) - top, kind, label))
        table.blocks.extend(_blocks(column, x, column_width, y_of, tz, attention or {}))
    return table


def _blocks(
    column: ColumnInput,
    x: float,
    width: float,
    y_of: Callable[[int], float],
    tz: ZoneInfo,
    attention: Mapping[int, str],
) -> list[Block]:
    """The column's visits in reading order (by time, then left to right). Visits that hold
    time share the width left of the gutter; cancelled and no-show ones stack in the gutter."""
    spans = [
        (
            minutes_of(v.starts_at, column.day, tz),
            max(
                minutes_of(v.ends_at, column.day, tz),
                minutes_of(v.starts_at, column.day, tz) + 10,
            ),
            v,
        )
        for v in column.visits
    ]
    blocks = []
    inner = width - 2 * PAD - GUTTER
    for start, end, visit, lane, lanes in _lanes([s for s in spans if s[2].status.holds_time]):
        top, bottom = y_of(start), y_of(end)
        numbing_end = y_of(start + visit.service.numbing_minutes)
        lane_width = inner / lanes
        height = max(bottom - top - 2, 10)
        note = attention.get(visit.id, "")
        label = block_label(visit, height, lane_width - 2, tz, BADGE if note else 0)
        blocks.append(
            Block(
                appointment_id=visit.id,
                status=visit.status.value,
                x=x + PAD + lane * lane_width,
                y=top + 1,
                width=lane_width - 2,
                height=height,
                numbing_height=max(0.0, min(numbing_end, bottom) - top - 1),
                lines=label.lines,
                title=block_title(visit, tz, note),
                attention=note,
                compact=label.compact,
                first_row=label.first_row,
            )
        )
    gutter_x = x + width - PAD - GUTTER + 2  # 2 px apart from the blocks
    marks = [s for s in spans if not s[2].status.holds_time]
    for visit, top, height in _stack(marks, y_of):
        blocks.append(
            Block(
                appointment_id=visit.id,
                status=visit.status.value,
                x=gutter_x,
                y=top,
                width=GUTTER - 2,
                height=height,
                numbing_height=0.0,
                lines=(),
                title=block_title(visit, tz),
                holds_time=False,
            )
        )
    return sorted(blocks, key=lambda block: (block.y, block.x))


def _stack(
    items: list[tuple[int, int, Appointment]], y_of: Callable[[int], float]
) -> list[tuple[Appointment, float, float]]:
    """Gutter markers as (visit, top, height). A marker alone spans its visit's time; markers
    that overlap share their cluster's height top to bottom (earliest first), each at least
    MARK_MIN tall, and a stack taller than its time pushes the next cluster down."""
    items.sort(key=lambda item: (item[0], item[1], item[2].id))
    clusters: list[list[tuple[int, int, Appointment]]] = []
    cluster_end = -1
    for item in items:
        if clusters and item[0] < cluster_end:
            clusters[-1].append(item)
            cluster_end = max(cluster_end, item[1])
        else:
            clusters.append([item])
            cluster_end = item[1]
    placed: list[tuple[Appointment, float, float]] = []
    floor = float("-inf")
    for cluster in clusters:
        top = max(y_of(cluster[0][0]) + 1, floor)
        room = y_of(max(end for _, end, _ in cluster)) - 1 - top
        count = len(cluster)
        each = max(MARK_MIN if count > 1 else 10, (room - MARK_GAP * (count - 1)) / count)
        for index, (_, _, visit) in enumerate(cluster):
            placed.append((visit, top + index * (each + MARK_GAP), each))
        floor = top + count * (each + MARK_GAP)
    return placed


def _lanes(
    items: list[tuple[int, int, Appointment]],
) -> list[tuple[int, int, Appointment, int, int]]:
    """Side-by-side lanes: each visit takes the first lane free at its start; a cluster of
    overlapping visits shares the width between its lanes (returned as lane, lane count)."""
    items.sort(key=lambda item: (item[0], item[1], item[2].id))
    placed: list[tuple[int, int, Appointment, int, int]] = []
    cluster: list[tuple[int, int, Appointment, int]] = []
    lane_ends: list[int] = []
    cluster_end = -1

    def close() -> None:
        placed.extend((s, e, v, lane, len(lane_ends)) for s, e, v, lane in cluster)

    for start, end, visit in items:
        if cluster and start >= cluster_end:
            close()
            cluster, lane_ends, cluster_end = [], [], -1
        lane = next((i for i, lane_end in enumerate(lane_ends) if lane_end <= start), None)
        if lane is None:
            lane = len(lane_ends)
            lane_ends.append(end)
        else:
            lane_ends[lane] = end
        cluster.append((start, end, visit, lane))
        cluster_end = max(cluster_end, end)
    if cluster:
        close()
    return placed


def _wall(at: object) -> int:
    return at.hour * 60 + at.minute  # type: ignore[attr-defined,no-any-return]
