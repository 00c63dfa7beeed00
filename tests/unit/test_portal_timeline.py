"""The portal's plan timeline: its month axis names the year where it starts and where a
new year begins, so a plan running from autumn into next year reads right."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta

from clinic.portal.timeline import TimelineRow, plan_timeline


def months(svg: str) -> list[str]:
    return re.findall(r'<text class="ptl__month"[^>]*>([^<]+)</text>', svg)


def month_spans(svg: str) -> list[tuple[float, float]]:
    """Where each month label starts and (at the stylesheet's 11 px) about where it ends."""
    found = re.findall(r'<text class="ptl__month" x="([0-9.]+)"[^>]*>([^<]+)</text>', svg)
    return [(float(x), float(x) + len(text) * 6.2) for x, text in found]


def assert_readable(svg: str) -> None:
    spans = month_spans(svg)
    assert all(end <= 300 for _, end in spans)  # inside the drawing
    assert all(after[0] > before[1] for before, after in itertools.pairwise(spans))


def test_the_month_axis_names_the_year_at_its_start_and_at_each_new_year() -> None:
    rows = [
        TimelineRow("Session 1", "booked", date(2026, 10, 5), date(2026, 10, 19)),
        TimelineRow("Session 2", "due", date(2027, 3, 22), date(2027, 4, 5)),
    ]
    svg = str(plan_timeline(rows, today=date(2026, 10, 1), title="Your plan"))
    labels = months(svg)
    assert labels[0] == "Oct ’26"
    assert [label for label in labels if "’" in label] == ["Oct ’26", "Jan ’27"]
    assert len(labels) >= 4
    assert_readable(svg)


def test_a_plan_year_with_its_check_in_labels_months_without_overlap() -> None:
    """A plan running into next year, its check-in two months after its year: on a phone
    (about 300 px drawn) no two month labels touch, the years are named, and a session at
    the very start keeps clear of the row labels."""
    start = date(2026, 12, 1)
    rows = [
        TimelineRow("Session 1", "missed", start, start + timedelta(days=14)),
        TimelineRow("Results check-in", "check_in", date(2027, 12, 20), date(2028, 1, 15)),
    ]
    svg = str(plan_timeline(rows, today=start, title="Your plan"))
    labels = months(svg)
    assert labels[0] == "Dec ’26"
    assert any(label.endswith("’27") for label in labels)
    assert_readable(svg)
    first_window = re.search(r'<rect class="ptl__window[^"]*" x="([0-9.]+)"', svg)
    assert first_window is not None and float(first_window.group(1)) >= 74 + 8
