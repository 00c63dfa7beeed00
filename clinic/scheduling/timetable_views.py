"""The day and week calendars as a timetable the page draws as SVG, with no inline styles.

Rows are clinic-local wall-clock time: a visit at 10:00 sits on the 10:00 row on a DST day
too. Everything is positioned here, in plain numbers, so the template only writes them out
(the Content-Security-Policy forbids style attributes and inline script). Visits that hold
time and overlap in one column (a provider is free while numbing cream sets, so her visits
overlap) share the column side by side. Cancelled and no-show visits hold no time (API.md,
"Visits"), so they take no width from them: each is a slim marker in a gutter along the
column's right edge, a link like any block, while the time itself reads as free.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from clinic.scheduling.desk_views import STATUS_LABELS
from clinic.scheduling.models import Appointment
from clinic.scheduling.slots import ProviderSchedule

PX_PER_MINUTE = 1.2  # 18 px per 15-minute row
HEADER = 46
AXIS = 58
LINE = 15
CHAR_WIDTH = 7.0  # average glyph width at the block's font size, to shorten long names
PAD = 3  # between a column's edges and what it draws
GUTTER = 8  # the right-hand strip for cancelled and no-show markers, their gap included

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
    title: str
    holds_time: bool = True  # False: a cancelled or no-show visit, drawn as a slim marker


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
    columns: Sequence[ColumnInput], bounds: Span, tz: ZoneInfo, column_width: float
) -> Timetable:
    first, last = bounds

    def y_of(minute: int) -> float:
        return HEADER + (min(max(minute, first), last) - first) * PX_PER_MINUTE

    table = Timetable(
        width=AXIS + column_width * len(columns),
        height=HEADER + (last - first) * PX_PER_MINUTE + 12,  # room for the last hour's label
        grid_top=HEADER,
        grid_bottom=HEADER + (last - first) * PX_PER_MINUTE,
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
        table.blocks.extend(_blocks(column, x, column_width, y_of, tz))
    return table


def _blocks(
    column: ColumnInput, x: float, width: float, y_of: Callable[[int], float], tz: ZoneInfo
) -> list[Block]:
    """The column's visits in reading order (by time, then left to right). Visits that hold
    time share the width left of the gutter; cancelled and no-show ones share the gutter."""
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
        blocks.append(
            Block(
                appointment_id=visit.id,
                status=visit.status.value,
                x=x + PAD + lane * lane_width,
                y=top + 1,
                width=lane_width - 2,
                height=max(bottom - top - 2, 10),
                numbing_height=max(0.0, min(numbing_end, bottom) - top - 1),
                lines=_lines(visit, bottom - top, lane_width - 14, tz),  # as the label clips
                title=_title(visit, tz),
            )
        )
    gutter_x = x + width - PAD - GUTTER + 2  # 2 px apart from the blocks
    for start, end, visit, lane, lanes in _lanes([s for s in spans if not s[2].status.holds_time]):
        top, bottom = y_of(start), y_of(end)
        mark_width = (GUTTER - 2) / lanes
        blocks.append(
            Block(
                appointment_id=visit.id,
                status=visit.status.value,
                x=gutter_x + lane * mark_width,
                y=top + 1,
                width=max(mark_width - (1 if lanes > 1 else 0), 2),
                height=max(bottom - top - 2, 10),
                numbing_height=0.0,
                lines=(),
                title=_title(visit, tz),
                holds_time=False,
            )
        )
    return sorted(blocks, key=lambda block: (block.y, block.x))


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


def _lines(visit: Appointment, height: float, width: float, tz: ZoneInfo) -> tuple[str, ...]:
    span = f"{_hm(visit.starts_at, tz)}–{_hm(visit.ends_at, tz)}"
    status = STATUS_LABELS[visit.status.value]
    name = visit.patient.full_name
    if height >= 3 * LINE + 6:
        lines = [f"{span} · {status}", name, visit.service.name]
    elif height >= 2 * LINE + 4:
        lines = [f"{span} {name}", f"{visit.service.name} · {status}"]
    else:
        lines = [f"{_hm(visit.starts_at, tz)} {name}"]
    limit = max(4, int(width / CHAR_WIDTH))
    return tuple(line if len(line) <= limit else line[: limit - 1] + "…" for line in lines)


def _title(visit: Appointment, tz: ZoneInfo) -> str:
    numbing = visit.starts_at + timedelta(minutes=visit.service.numbing_minutes)
    parts = [
        f"{visit.patient.full_name}, {visit.service.name}",
        f"{_hm(visit.starts_at, tz)}–{_hm(visit.ends_at, tz)}",
    ]
    if visit.service.numbing_minutes:
        parts.append(f"numbing until {_hm(numbing, tz)}")
    parts.append(f"{visit.provider.name}, {visit.room.name}")
    parts.append(STATUS_LABELS[visit.status.value])
    return " · ".join(parts)


def _hm(instant: datetime, tz: ZoneInfo) -> str:
    return instant.astimezone(tz).strftime("%H:%M")


def _wall(at: object) -> int:
    return at.hour * 60 + at.minute  # type: ignore[attr-defined,no-any-return]
