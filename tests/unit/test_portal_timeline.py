"""The portal's plan timeline: its month axis names the year where it starts and where a
new year begins, so a plan running from autumn into next year reads right."""

from __future__ import annotations

import re
from datetime import date

from clinic.portal.timeline import TimelineRow, plan_timeline


def months(svg: str) -> list[str]:
    return re.findall(r'<text class="ptl__month"[^>]*>([^<]+)</text>', svg)


def test_the_month_axis_names_the_year_at_its_start_and_at_each_new_year() -> None:
    rows = [
        TimelineRow("Session 1", "booked", date(2026, 10, 5), date(2026, 10, 19)),
        TimelineRow("Session 2", "due", date(2027, 3, 22), date(2027, 4, 5)),
    ]
    svg = str(plan_timeline(rows, today=date(2026, 10, 1), title="Your plan"))
    assert months(svg) == ["Oct ’26", "Nov", "Dec", "Jan ’27", "Feb", "Mar", "Apr"]


def test_a_long_plan_labels_every_other_month_and_still_names_the_new_year() -> None:
    rows = [
        TimelineRow("Session 1", "done", date(2026, 9, 1), date(2026, 9, 15)),
        TimelineRow("Results check-in", "check_in", date(2027, 7, 1), date(2027, 7, 15)),
    ]
    svg = str(plan_timeline(rows, today=date(2026, 9, 1), title="Your plan"))
    labels = months(svg)
    assert labels[0] == "Sep ’26"
    assert "Jan ’27" in labels or "Feb ’27" in labels
    assert sum("’" in label for label in labels) == 2
