"""The plan as a picture for a phone: one row per session and one for the results
check-in, each a bar over its booking window on the plan's months, a dot on its visit.

Pure: it takes plain rows and today, and returns SVG markup (escaped). The list beside it
on the page says the same in words, for screen readers and for print.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from markupsafe import Markup, escape

# Drawn about as wide as a phone shows it (a 390 px screen gives the card some 330 px), so
# that its text reads at the size the stylesheet gives, not scaled down.
WIDTH = 300
LABEL = 74  # the row labels' column
RIGHT = 12
PAD = 8  # between the row labels and the first day drawn, so a dot there stays clear
ROW = 34
TOP = 30
MONTH_CHAR = 6.2  # about the width of a character of a month label (11 px, see .ptl__month)
MONTH_GAP = 6


@dataclass(frozen=True)
class TimelineRow:
    label: str
    state: str  # done, booked, due, missed, cancelled, check_in
    window_start: date
    window_end: date
    visit_on: date | None = None


def _month_starts(first: date, last: date) -> list[date]:
    month = date(first.year, first.month, 1)
    found = []
    while month <= last:
        if month >= first:
            found.append(month)
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return found


def plan_timeline(rows: list[TimelineRow], *, today: date, title: str) -> Markup:
    if not rows:
        return Markup("")
    first = min([r.window_start for r in rows] + [today]) - timedelta(days=3)
    last = max([r.window_end for r in rows] + [today]) + timedelta(days=3)
    span = max(1, (last - first).days)
    usable = WIDTH - LABEL - PAD - RIGHT

    def x(day: date) -> float:
        return round(LABEL + PAD + usable * (day - first).days / span, 1)

    height = TOP + ROW * len(rows) + 8
    parts = [
        f'<svg class="ptl" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="ptl-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="ptl-title">{escape(title)}</title>',
    ]
    year_shown = None  # the first label and the first after each new year carry the year
    free_from = 0.0  # where the next month label may start without touching the last
    for month in _month_starts(first, last):
        mx = x(month)
        parts.append(
            f'<line class="ptl__grid" x1="{mx}" y1="{TOP - 8}" x2="{mx}" y2="{height - 6}"/>'
        )
        label = f"{month:%b}" if month.year == year_shown else f"{month:%b} ’{month:%y}"
        ends = mx + 2 + len(label) * MONTH_CHAR
        if mx + 2 >= free_from and ends <= WIDTH:  # a month without room goes unnamed
            year_shown = month.year
            free_from = ends + MONTH_GAP
            parts.append(f'<text class="ptl__month" x="{mx + 2}" y="{TOP - 14}">{label}</text>')
    for index, row in enumerate(rows):
        y = TOP + ROW * index
        mid = y + ROW / 2
        parts.append(f'<text class="ptl__label" x="4" y="{mid + 4}">{escape(row.label)}</text>')
        x1, x2 = x(row.window_start), x(row.window_end + timedelta(days=1))
        parts.append(
            f'<rect class="ptl__window ptl__window--{row.state}" x="{x1}" y="{mid - 7}" '
            f'width="{max(3.0, round(x2 - x1, 1))}" height="14" rx="7"/>'
        )
        if row.visit_on is not None:
            parts.append(
                f'<circle class="ptl__visit ptl__visit--{row.state}" cx="{x(row.visit_on)}" '
                f'cy="{mid}" r="6"/>'
            )
    tx = x(today)
    parts.append(f'<line class="ptl__today" x1="{tx}" y1="{TOP - 6}" x2="{tx}" y2="{height - 4}"/>')
    parts.append(
        f'<text class="ptl__today-label" x="{min(tx + 3, WIDTH - 36)}" y="{TOP - 1}">today</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))
