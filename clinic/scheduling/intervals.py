"""Time spans as integers, and the two questions booking asks of them.

Slot finding asks the same two questions thousands of times per search: "does this span lie
inside one of these open spans?" and "does it overlap anything this resource is busy with?".
Answering them on integers (microseconds since the Unix epoch, so always real elapsed time
in UTC, whatever zone an instant came in) with `bisect` keeps a two-week search over a busy
clinic to a few milliseconds (DOMAIN.md: availability that takes seconds is a known failure
of peer systems). Both the slot finder and the single-booking check use these predicates, so
an offered slot and a booking of it are judged by the same code.

A span is a pair `(start, end)` and means the half-open interval `[start, end)`: two visits
that merely touch (one ends at 10:00, the next starts at 10:00) do not overlap.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

Span = tuple[int, int]
"""[start, end) in microseconds since the epoch."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
MINUTE = 60_000_000
"""One minute in span units."""


def to_micros(instant: datetime) -> int:
    """An aware instant as microseconds since the epoch; a naive one is refused.

    Naive datetimes are refused because their zone is a guess, and a guessed zone is how
    visits end up an hour off around DST changes.
    """
    if instant.tzinfo is None:
        raise ValueError(f"{instant!r} has no time zone; instants must be aware")
    return (instant - _EPOCH) // _MICROSECOND


def from_micros(micros: int) -> datetime:
    """Microseconds since the epoch as an aware UTC instant."""
    return _EPOCH + timedelta(microseconds=micros)


def overlaps(a: Span, b: Span) -> bool:
    """True when the half-open spans share time; touching ends do not overlap."""
    return a[0] < b[1] and b[0] < a[1]


def merge(spans: Iterable[Span]) -> list[Span]:
    """Sorted, disjoint spans covering the same time; touching spans become one.

    Merging touching spans lets a visit run across the seam of two adjacent rows of hours
    (09:00-12:00 and 12:00-17:00 mean one stretch 09:00-17:00).
    """
    merged: list[Span] = []
    for start, end in sorted(s for s in spans if s[0] < s[1]):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def subtract(spans: list[Span], holes: Iterable[Span]) -> list[Span]:
    """`spans` (sorted, disjoint) without any time covered by `holes`."""
    result = spans
    for hole_start, hole_end in merge(holes):
        cut: list[Span] = []
        for start, end in result:
            if hole_end <= start or end <= hole_start:
                cut.append((start, end))
                continue
            if start < hole_start:
                cut.append((start, hole_start))
            if hole_end < end:
                cut.append((hole_end, end))
        result = cut
    return result


def lies_inside(span: Span, open_spans: list[Span]) -> bool:
    """True when `span` lies wholly inside one of `open_spans` (sorted, disjoint, merged).

    Containment is closed at both ends: a visit may start the minute hours begin and end
    (or its cleaning end) the minute they close.
    """
    index = bisect_right(open_spans, (span[0], _FAR_FUTURE)) - 1
    return index >= 0 and open_spans[index][0] <= span[0] and span[1] <= open_spans[index][1]


_FAR_FUTURE = 2**62


# Start sets. The slot finder asks "which starts on this day can take the visit?" for a
# whole day at once: the answer is a list of half-open ranges of start instants, and the
# grid starts inside them are found by bisection. Each function below is exact for the
# predicate it names, so a start in the ranges passes that predicate and no other does.


def starts_inside(open_spans: list[Span], length: int) -> list[Span]:
    """The starts s for which `lies_inside((s, s + length), open_spans)` holds."""
    return [(start, end - length + 1) for start, end in open_spans if end - start >= length]


def intersect(a: list[Span], b: list[Span]) -> list[Span]:
    """The time in both `a` and `b` (each sorted and disjoint)."""
    both: list[Span] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            both.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return both


class BusyIndex:
    """The busy spans of one resource (a provider, a room or a patient), ready for queries.

    Spans are sorted by start with a running maximum of their ends, so "does anything
    overlap [s, e)?" is one bisection: among spans starting before e, the latest end must
    pass s. The spans of one resource may themselves overlap (a clinician's override), which
    the running maximum handles.
    """

    __slots__ = ("_ends", "_max_end", "_starts", "_visit_ids")

    def __init__(self, entries: Iterable[tuple[Span, int]]) -> None:
        ordered = sorted(entry for entry in entries if entry[0][0] < entry[0][1])
        self._starts = [span[0] for span, _ in ordered]
        self._ends = [span[1] for span, _ in ordered]
        self._visit_ids = [visit_id for _, visit_id in ordered]
        self._max_end: list[int] = []
        running = -_FAR_FUTURE
        for end in self._ends:
            running = max(running, end)
            self._max_end.append(running)

    def is_busy(self, span: Span) -> bool:
        """True when any busy span overlaps `span`."""
        before_end = bisect_left(self._starts, span[1])
        return before_end > 0 and self._max_end[before_end - 1] > span[0]

    def blocked_starts(self, lead: int, length: int, within: Span) -> list[Span]:
        """Ranges of starts s for which `is_busy((s + lead, s + length))` holds: exact for
        every s in `within`; ranges wholly outside it may be left out or left in.

        A busy span [b, e) overlaps [s + lead, s + length) exactly when
        b - length < s < e - lead, that is for s in [b - length + 1, e - lead).
        """
        low, high = within
        first = bisect_right(self._max_end, low + lead)  # earlier spans end too soon
        last = bisect_left(self._starts, high + length)  # later spans start too late
        return [
            (self._starts[i] - length + 1, self._ends[i] - lead)
            for i in range(first, last)
            if self._ends[i] - lead > self._starts[i] - length + 1
        ]

    def overlapping(self, span: Span) -> list[int]:
        """The visit ids whose busy spans overlap `span`, earliest first."""
        found: list[int] = []
        index = bisect_left(self._starts, span[1]) - 1
        while index >= 0 and self._max_end[index] > span[0]:
            if self._ends[index] > span[0]:
                found.append(self._visit_ids[index])
            index -= 1
        found.reverse()
        return found


EMPTY_INDEX = BusyIndex(())
