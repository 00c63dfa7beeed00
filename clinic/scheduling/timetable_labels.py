"""The text of a visit's block on the calendar: the lines that fit it, and the full text
that is its accessible name and tooltip.

A block shows what fits its height and width, most telling first: the time, then the
patient, the service and the status. Widths are estimated from the glyphs of a wide font,
DejaVu Sans (what Linux desktops fall back on; the fonts of other systems are narrower),
so that a line shown is a line whole, shortened on purpose rather than cut by the clip.
A block too narrow for its time in bold sets its lines compact: smaller, closer to the
edges. The numbers match templates/desk/_macros.html (the timetable macro).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from clinic.scheduling.desk_views import STATUS_LABELS
from clinic.scheduling.models import Appointment

LINE = 15  # between the baselines of a block's lines; the first sits 13 px down
TEXT_INSET = 12  # a label's text starts 9 px into its block and is clipped 3 px before it ends
COMPACT_INSET = 9  # in a block too narrow for that, 7 px in and clipped 2 px before the end
COMPACT_SIZE = 11.0  # px: a compact block's text, none of it bold (the blocks' own is 12 px)
_NAME, _STATUS, _OTHER = "name", "status", "other"  # how a line may be shortened


class Label(NamedTuple):
    lines: tuple[str, ...]
    compact: bool = False  # set smaller and closer to the edges
    first_row: int = 0  # 1: the badge has the first row to itself


def block_label(
    visit: Appointment, height: float, width: float, tz: ZoneInfo, reserve: float
) -> Label:
    """The lines of a block `width` wide and `height` tall, `reserve` px of its first line
    taken by a badge. The start time goes first: in bold if it fits beside the badge, else
    compact; if neither fits, the lines begin a row down, under the badge."""
    start = _hm(visit.starts_at, tz)
    scale = 12 / COMPACT_SIZE  # compact text is measured as 12 px glyphs in a wider room
    regular, compact = width - TEXT_INSET, (width - COMPACT_INSET) * scale
    if _fits(start, regular - reserve, strong=True):
        return Label(_lines(visit, height, regular, tz, reserve, strong=True))
    if _fits(start, compact - reserve * scale):
        return Label(_lines(visit, height, compact, tz, reserve * scale), compact=True)
    if height < 2 * LINE + 4:  # no second row
        return Label(())
    lower = height - LINE
    if _fits(start, regular, strong=True):
        return Label(_lines(visit, lower, regular, tz, strong=True), first_row=1)
    return Label(_lines(visit, lower, compact, tz), compact=True, first_row=1)


def _lines(
    visit: Appointment,
    height: float,
    width: float,
    tz: ZoneInfo,
    reserve: float = 0,
    *,
    strong: bool = False,
) -> tuple[str, ...]:
    """What fits in a block `height` tall with `width` for text (`reserve` of it taken from
    the first line by the badge): the time first (with its end, then the status, when they
    fit), then the patient, the service and the status a line each as the height allows.
    A name too long goes by first name and initial, first name, or initials; a service
    too long drops the family its name begins with ("Microneedling — "); lines are
    shortened with an ellipsis, and end the label when under a few letters would show;
    the time is never cut. With `strong` the first line is bold, and measured so."""
    start, end = _hm(visit.starts_at, tz), _hm(visit.ends_at, tz)
    span = f"{start}–{end}"
    status = STATUS_LABELS[visit.status.value]
    name, service = visit.patient.full_name, visit.service.name
    rows = max(1, min(4, int((height - 16) // LINE) + 1))
    first_width = width - reserve
    if rows == 1:
        time = start
        if not _fits(time, first_width, strong=strong):
            return ()
        who = _patient(name, first_width - text_width(f"{time} ", strong=strong), strong=strong)
        return (f"{time} {who}" if who else time,)
    if rows == 2 and _fits(f"{span} {name}", first_width, strong=strong):
        return (f"{span} {name}", _service(service, width, f" · {status}"))
    headline = f"{span} · {status}"
    if rows >= 3 and _fits(headline, first_width, strong=strong):
        first, rest = headline, [(_NAME, name), (_OTHER, service)]
    else:
        first = next((t for t in (span, start) if _fits(t, first_width, strong=strong)), "")
        if not first:
            return ()
        rest = [(_NAME, name), (_OTHER, service), (_STATUS, status)]
    lines = [first]
    for kind, text in rest[: rows - 1]:
        if kind == _NAME:
            line = _patient(text, width)
        elif kind == _STATUS:  # its colour says it too: whole or not at all
            line = text if _fits(text, width) else ""
        else:
            line = _service(text, width)
        if not line:
            break  # what follows matters less than what could not be shown
        lines.append(line)
    return tuple(lines)


def _patient(name: str, width: float, *, strong: bool = False) -> str:
    """The patient's name as it fits: whole, "Maya T.", "Maya", "Ma…" or "MT"."""
    parts = name.split()
    if len(parts) < 2:
        return _shorten(name, width, strong=strong)
    first, last = parts[0], parts[-1]
    for shorter in (name, f"{first} {last[0]}.", first):
        if _fits(shorter, width, strong=strong):
            return shorter
    initials = first[0] + last[0]
    return _shorten(first, width, strong=strong) or (
        initials if _fits(initials, width, strong=strong) else ""
    )


SERVICE_SEPARATORS = (" — ", " – ")  # "Microneedling — face": a family, then the variant


def _service(name: str, width: float, suffix: str = "") -> str:
    """The service (and `suffix`) as it fits: whole, else without the family its name
    begins with, which every service of a clinic may share ("Microneedling — face and neck"
    reads "face and neck", "Microneedling — body (scars)" "body (sc…"), shortened if it
    still does not fit; "Microneedling …" alone would tell the services apart no more."""
    whole = name + suffix
    if _fits(whole, width):
        return whole
    for separator in SERVICE_SEPARATORS:
        family, found, variant = name.partition(separator)
        if found and family.strip() and variant.strip():
            return _shorten(variant.strip() + suffix, width) or _shorten(whole, width)
    return _shorten(whole, width)


# Advance widths at the blocks' 12 px of DejaVu Sans, regular and bold, rounded up by class
# (digits and most lowercase are "normal").
_CLASSES = (
    ("ijlI'.,·:;!|", 4.1, 4.9),
    ("ftrJ-()/ ", 4.8, 6.0),
    ("mwMW@&%—…", 12.0, 13.3),
)
_NORMAL, _UPPER = (7.7, 8.6), (9.5, 10.3)


def _glyph(char: str, strong: bool) -> float:
    for chars, regular, bold in _CLASSES:
        if char in chars:
            return bold if strong else regular
    return (_UPPER if char.isupper() else _NORMAL)[strong]


# Every block is measured on every page view: look widths up in a table (Latin letters and
# the punctuation the blocks use), working out only the rare character outside it.
_TABLES: tuple[dict[str, float], dict[str, float]] = tuple(  # type: ignore[assignment]
    {char: _glyph(char, strong) for char in map(chr, range(0x20, 0x250))}
    | {char: _glyph(char, strong) for char in "–—…·"}
    for strong in (False, True)
)


def _widths(text: str, strong: bool) -> list[float]:
    table = _TABLES[strong]
    try:
        return list(map(table.__getitem__, text))
    except KeyError:
        return [table.get(char) or _glyph(char, strong) for char in text]


def text_width(text: str, *, strong: bool = False) -> float:
    """An upper bound of the width of `text` in a block, in px; pure."""
    return sum(_widths(text, strong))


def _fits(text: str, width: float, *, strong: bool = False) -> bool:
    return text_width(text, strong=strong) <= width


_DANGLING = " ([{-–—·,:;/"  # what a shortened line does not end on, before its ellipsis


def _shorten(text: str, width: float, *, strong: bool = False, shortest: int = 3) -> str:
    """`text`, or as much of it as fits followed by an ellipsis (never after a space, an
    opening bracket or a dash: "body…", not "body (…"); "" when under `shortest`
    characters would show (a lone "M…" says nothing)."""
    widths = _widths(text, strong)
    if sum(widths) <= width:
        return text
    room, used, kept = width - _TABLES[strong]["…"], 0.0, 0
    for advance in widths:
        if used + advance > room:
            break
        used += advance
        kept += 1
    cut = text[:kept].rstrip(_DANGLING)
    return cut + "…" if len(cut) >= shortest else ""


def block_title(visit: Appointment, tz: ZoneInfo, attention: str = "") -> str:
    """Everything about the visit, for its accessible name and tooltip: who, what, when,
    numbing, provider and room, status, and why it needs attention if it does."""
    numbing = visit.starts_at + timedelta(minutes=visit.service.numbing_minutes)
    parts = [
        f"{visit.patient.full_name}, {visit.service.name}",
        f"{_hm(visit.starts_at, tz)}–{_hm(visit.ends_at, tz)}",
    ]
    if visit.service.numbing_minutes:
        parts.append(f"numbing until {_hm(numbing, tz)}")
    parts.append(f"{visit.provider.name}, {visit.room.name}")
    parts.append(STATUS_LABELS[visit.status.value])
    if attention:
        parts.append(attention)
    return " · ".join(parts)


def _hm(instant: datetime, tz: ZoneInfo) -> str:
    local = instant.astimezone(tz)
    return f"{local.hour:02d}:{local.minute:02d}"
