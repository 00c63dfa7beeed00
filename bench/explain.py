"""Indexes, not scans: the query plan of the reads whose size grows with the visit table.

The 1,000,000-visit clinic is a bigger clinic (40 providers, 60 rooms), so its 14-day window
holds more visits and the answers take longer for that reason alone. What must not happen
is a read that walks the whole table. This asks the database for its plan of the busy-visit
read (availability and booking) and the day's visits (day view), exactly as the app builds
them, and reports how each reads `appointments`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event

from clinic.clock import local_day_bounds
from clinic.extensions import db
from clinic.scheduling.availability import busy_visits_query, day_visits_query


@contextmanager
def _explained() -> Iterator[None]:
    """Every statement run inside is prefixed with EXPLAIN, so its rows are the plan."""
    prefix = (
        "EXPLAIN (FORMAT JSON) "
        if db.engine.dialect.name == "postgresql"
        else "EXPLAIN QUERY PLAN "
    )

    def rewrite(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        return prefix + statement, parameters

    event.listen(db.engine, "before_cursor_execute", rewrite, retval=True)
    try:
        yield
    finally:
        event.remove(db.engine, "before_cursor_execute", rewrite)


def _appointment_reads(plan: Any) -> list[str]:
    """How a PostgreSQL JSON plan reads appointments, e.g.
    'Index Scan using ix_appointments_starts_at (Index Cond: ...)'."""
    found = []
    stack = [plan[0]["Plan"]]
    while stack:
        node = stack.pop()
        if node.get("Relation Name") == "appointments" or "appointments" in node.get(
            "Index Name", ""
        ):
            how = f"{node['Node Type']} using {node.get('Index Name', 'no index')}"
            if "Index Cond" in node:
                how += f" (Index Cond: {node['Index Cond']})"
            found.append(how)
        stack.extend(node.get("Plans", []))
    return found


def appointment_reads(from_on: date, to_on: date, tz: ZoneInfo) -> dict[str, list[str]]:
    """The plan of each read, as lines that name the scan and the index used."""
    start, _ = local_day_bounds(from_on, tz)
    _, end = local_day_bounds(to_on, tz)
    reads = {
        "busy visits, 14 days (availability)": busy_visits_query(start, end),
        "one day's visits (day view)": day_visits_query(from_on, tz),
    }
    plans: dict[str, list[str]] = {}
    for name, query in reads.items():
        with _explained():
            result = db.session.connection().execute(query)
            rows = result.cursor.fetchall()  # the plan's rows, not the query's columns
            result.close()
        if db.engine.dialect.name == "postgresql":
            raw = rows[0][0]
            plans[name] = _appointment_reads(json.loads(raw) if isinstance(raw, str) else raw)
        else:
            plans[name] = [str(row[-1]) for row in rows if "appointments" in str(row[-1])]
        db.session.rollback()
    return plans


def uses_index(plans: dict[str, list[str]]) -> bool:
    """True when every read of appointments is a range on an index: an index condition on
    PostgreSQL, a SEARCH on SQLite (a SCAN walks the whole table or index)."""
    lines = [line for found in plans.values() for line in found]
    return bool(lines) and all(
        line.startswith("SEARCH") or "(Index Cond:" in line for line in lines
    )
