"""A plan's year as a picture the page draws as SVG: month ticks, one row per session with
its booking window as a band, its target and its visit, the results check-in window, and
a line for today.

Everything is positioned here in plain numbers, so that the template only writes them out
(the Content-Security-Policy forbids style attributes and inline script); colours come from
classes named for the status.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

WIDTH = 760
LABELS = 112  # the left column with "Session 1" and its status
RIGHT = 14
TOP = 40  # year and month labels above the rows
ROW = 40
BAND = 18
BOTTOM = 26  # room for the "Today" label under the rows

STATUS_LABELS = {
    "due": "Due",
    "booked": "Booked",
    "done": "Done",
    "missed": "Missed",
    "cancelled": "Cancelled",
    "checkin": "Check-in",
}


@dataclass(frozen=True)
class RowInput:
    """One row of the picture: a session, or the results check-in."""

    label: str  # "Session 1"
    status: str  # a key of STATUS_LABELS
    window_start: date
    window_end: date  # inclusive
    target_on: date | None = None
    visit_on: date | None = None
    status_text: str = ""  # what the row says under its label; the status by default


@dataclass(frozen=True)
class Tick:
    x: float
    label: str
    label_x: float
    year: str  # the year above the month name, on the first month and every January


@dataclass(frozen=True)
class Row:
    label: str
    status: str
    status_text: str
    y: float  # the row's top
    band_x: float
    band_y: float
    band_width: float
    target_x: float | None
    visit_x: float | None
    title: str


@dataclass(frozen=True)
class Timeline:
    width: float
    height: float
    plot_left: float
    plot_right: float
    rows_top: float
    rows_bottom: float
    year_x: float  # the plan year, drawn lighter outside it
    year_width: float
    ticks: list[Tick] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    today_x: float | None = None
    today_label_anchor: str = "middle"
    description: str = ""


def short(day: date) -> str:
    return f"{day:%-d %b}"


def long(day: date) -> str:
    return f"{day:%-d %b %Y}"


def build_timeline(
    rows: Sequence[RowInput], *, start_on: date, end_on: date, today: date
) -> Timeline:
    """Lay out `rows` over the plan year [start_on, end_on), widened to whole months and to
    any row that reaches past it (a check-in after a late last session)."""
    last_day = max([end_on - timedelta(days=1), *(r.window_end for r in rows)])
    first_day = min([start_on, *(r.window_start for r in rows)])
    axis_start = first_day.replace(day=1)
    axis_end = last_day.replace(day=1) + relativedelta(months=1)
    total = (axis_end - axis_start).days
    plot_left, plot_right = LABELS, WIDTH - RIGHT
    scale = (plot_right - plot_left) / total

    def x(day: date) -> float:
        return round(plot_left + (day - axis_start).days * scale, 1)

    def middle(day: date) -> float:
        return round(x(day) + scale / 2, 1)

    ticks = []
    month = axis_start
    while month < axis_end:
        following = month + relativedelta(months=1)
        year = str(month.year) if month == axis_start or month.month == 1 else ""
        ticks.append(Tick(x(month), f"{month:%b}", round((x(month) + x(following)) / 2, 1), year))
        month = following
    laid = []
    for index, row in enumerate(rows):
        top = TOP + index * ROW
        laid.append(
            Row(
                label=row.label,
                status=row.status,
                status_text=row.status_text or STATUS_LABELS.get(row.status, row.status),
                y=top,
                band_x=x(row.window_start),
                band_y=top + (ROW - BAND) / 2,
                band_width=max(3.0, x(row.window_end + timedelta(days=1)) - x(row.window_start)),
                target_x=middle(row.target_on) if row.target_on else None,
                visit_x=middle(row.visit_on) if row.visit_on else None,
                title=row_sentence(row),
            )
        )
    bottom = TOP + len(rows) * ROW
    today_x = middle(today) if axis_start <= today < axis_end else None
    anchor = "middle"
    if today_x is not None and today_x < plot_left + 24:
        anchor = "start"
    elif today_x is not None and today_x > plot_right - 24:
        anchor = "end"
    return Timeline(
        width=WIDTH,
        height=bottom + BOTTOM,
        plot_left=plot_left,
        plot_right=plot_right,
        rows_top=TOP,
        rows_bottom=bottom,
        year_x=x(start_on),
        year_width=x(end_on) - x(start_on),
        ticks=ticks,
        rows=laid,
        today_x=today_x,
        today_label_anchor=anchor,
        description=describe(rows, start_on, end_on, today),
    )


def row_sentence(row: RowInput) -> str:
    """The row in words, for its <title> and the picture's description."""
    status = (row.status_text or STATUS_LABELS.get(row.status, row.status)).lower()
    parts = [f"{row.label}: {status}"]
    if row.visit_on:
        parts.append(f"visit on {long(row.visit_on)}")
    if row.target_on:
        parts.append(f"target {long(row.target_on)}")
    parts.append(f"window {long(row.window_start)} to {long(row.window_end)}")
    return ", ".join(parts) + "."


def describe(rows: Sequence[RowInput], start_on: date, end_on: date, today: date) -> str:
    year = f"Plan year {long(start_on)} to {long(end_on - timedelta(days=1))}."
    return " ".join([year, *(row_sentence(r) for r in rows), f"Today is {long(today)}."])
