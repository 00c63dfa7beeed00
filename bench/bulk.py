"""Bulk writes outside the ORM: PostgreSQL's COPY, SQLite's executemany.

Values are plain Python (aware UTC datetimes, dates, bools, JSON-ready dicts and lists) and
are stored exactly as clinic.db.UTCDateTime and SQLAlchemy's SQLite types store them, so the
application reads the rows back as if it had written them: on SQLite an instant is the naive
UTC text "YYYY-MM-DD HH:MM:SS.ffffff" (range queries compare those strings, so the format
must match to the character).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection

Row = Sequence[Any]


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def _postgres_value(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def copy_rows(
    connection: Connection, table: str, columns: Sequence[str], rows: Iterable[Row]
) -> int:
    """Write rows into `table` inside the connection's transaction; returns how many."""
    raw = connection.connection.driver_connection
    assert raw is not None
    names = ", ".join(f'"{c}"' for c in columns)
    count = 0
    if connection.dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([_postgres_value(v) for v in row])
                count += 1
        return count
    marks = ", ".join("?" for _ in columns)
    cursor = raw.cursor()
    batch: list[list[Any]] = []
    sql = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'
    for row in rows:
        batch.append([_sqlite_value(v) for v in row])
        if len(batch) >= 10_000:
            cursor.executemany(sql, batch)
            count += len(batch)
            batch.clear()
    if batch:
        cursor.executemany(sql, batch)
        count += len(batch)
    cursor.close()
    return count


def reset_sequence(connection: Connection, table: str) -> None:
    """After rows with explicit ids, let PostgreSQL's next id follow the largest one."""
    if connection.dialect.name != "postgresql":
        return
    connection.exec_driver_sql(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
        f'(SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"), false)'
    )
