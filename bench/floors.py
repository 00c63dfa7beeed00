"""The floors: the rows an answer needs, read with raw SQL through the same driver (sqlite3
or psycopg) on a pooled DBAPI connection, with no ORM, no Flask and no rules. An answer can
hardly be faster than its floor, so "time / floor" says how much the app adds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from clinic.extensions import db

HOLDING = ("booked", "checked_in", "completed")
TWELVE_HOURS_S = 12 * 3600


class RawReader:
    """A DBAPI connection and the driver's parameter style."""

    def __init__(self) -> None:
        self.connection = db.engine.raw_connection()
        self.is_sqlite = db.engine.dialect.name == "sqlite"

    def close(self) -> None:
        self.connection.close()

    def value(self, param: Any) -> Any:
        if self.is_sqlite and isinstance(param, datetime):
            return param.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        if self.is_sqlite and isinstance(param, date):
            return param.isoformat()
        return param

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        cursor = self.connection.cursor()
        if self.is_sqlite:
            sql = sql.replace("%s", "?")
        cursor.execute(sql, [self.value(p) for p in params])
        rows = list(cursor.fetchall()) if cursor.description is not None else []
        cursor.close()
        return rows

    def setup(self, starts_at: datetime, ends_at: datetime) -> list[Any]:
        """The rows load_setup reads for [starts_at, ends_at): every active provider's
        weekly schedule, and the closures and time off near the window (its bounds)."""
        from clinic.scheduling.availability import LONGEST_VISIT

        clinic = self.all("SELECT * FROM clinics ORDER BY id LIMIT 1")
        hours = self.all(
            "SELECT weekday, opens_at, closes_at FROM opening_hours WHERE clinic_id = %s",
            [clinic[0][0]],
        )
        active = "SELECT id FROM providers WHERE is_active"
        return [
            clinic,
            hours,
            self.all(
                'SELECT "on" FROM closures WHERE "on" >= %s AND "on" <= %s',
                [starts_at.date() - timedelta(days=2), ends_at.date() + timedelta(days=2)],
            ),
            self.all(active),
            self.all(
                f"SELECT provider_id, weekday, starts_at, ends_at FROM working_hours "
                f"WHERE provider_id IN ({active})"
            ),
            self.all(
                f"SELECT provider_id, weekday, starts_at, ends_at FROM provider_breaks "
                f"WHERE provider_id IN ({active})"
            ),
            self.all(
                f"SELECT provider_id, starts_at, ends_at FROM time_off "
                f"WHERE provider_id IN ({active}) AND starts_at < %s AND ends_at > %s",
                [ends_at + LONGEST_VISIT, starts_at - LONGEST_VISIT],
            ),
            self.all("SELECT id FROM rooms WHERE is_active"),
        ]

    def busy(self, starts_at: datetime, ends_at: datetime) -> list[Any]:
        """Visits holding time that may reach into [starts_at, ends_at) (busy_visits)."""
        return self.all(
            "SELECT id, provider_id, room_id, patient_id, starts_at, ends_at, "
            "provider_busy_from, room_busy_until FROM appointments "
            "WHERE starts_at >= %s AND starts_at < %s AND status IN (%s, %s, %s)",
            [starts_at, ends_at, *HOLDING],
        )


def availability_floor(
    reader: RawReader, service_id: int, window: tuple[datetime, datetime]
) -> int:
    """The rows behind one availability answer: setup, the service, busy visits."""
    from clinic.scheduling.availability import LONGEST_VISIT

    reader.setup(*window)
    reader.all("SELECT * FROM services WHERE id = %s", [service_id])
    return len(reader.busy(window[0] - LONGEST_VISIT, window[1]))


def token_floor(reader: RawReader, token_hash: str) -> None:
    reader.all(
        "SELECT t.*, u.* FROM api_tokens t JOIN users u ON u.id = t.user_id "
        "WHERE t.token_hash = %s",
        [token_hash],
    )


def booking_floor(
    reader: RawReader,
    *,
    token_hash: str,
    patient_id: int,
    service_id: int,
    provider_id: int,
    room_id: int,
    times: tuple[datetime, datetime, datetime, datetime],
    user_id: int,
    now: datetime,
) -> None:
    """One booking's reads and writes in one transaction, committed: the token, the
    parties, the setup, the visits around the start, the screening; then the visit, its
    history row and its audit entry (on SQLite the write lock is taken first, as the app
    does)."""
    from clinic.scheduling.availability import LONGEST_VISIT

    starts_at, ends_at, provider_from, room_until = times
    token_floor(reader, token_hash)
    if reader.is_sqlite:
        reader.all("UPDATE booking_locks SET version = version + 1 WHERE name = 'calendar'")
    reader.all("SELECT * FROM patients WHERE id = %s", [patient_id])
    reader.all("SELECT * FROM services WHERE id = %s", [service_id])
    reader.all("SELECT * FROM providers WHERE id = %s", [provider_id])
    reader.setup(starts_at - LONGEST_VISIT, starts_at + LONGEST_VISIT)
    reader.busy(starts_at - LONGEST_VISIT, starts_at + LONGEST_VISIT)
    reader.all(
        "SELECT * FROM screenings WHERE patient_id = %s ORDER BY taken_at DESC, id DESC LIMIT 1",
        [patient_id],
    )
    visit_id = reader.all(
        "INSERT INTO appointments (patient_id, service_id, provider_id, room_id, status, "
        "starts_at, ends_at, provider_busy_from, room_busy_until, created_at, created_by_id, "
        "is_late_cancellation) VALUES (%s, %s, %s, %s, 'booked', %s, %s, %s, %s, %s, %s, %s) "
        "RETURNING id",
        [
            patient_id,
            service_id,
            provider_id,
            room_id,
            starts_at,
            ends_at,
            provider_from,
            room_until,
            now,
            user_id,
            False,
        ],
    )[0][0]
    reader.all(
        "INSERT INTO appointment_events (appointment_id, at, actor_label, kind, details) "
        "VALUES (%s, %s, %s, 'booked', %s)",
        [visit_id, now, "Bench Desk (front_desk)", '{"start": "x"}'],
    )
    reader.all(
        "INSERT INTO audit_entries (at, actor_id, actor_label, action, entity, entity_id, "
        "summary, changes) VALUES (%s, %s, %s, 'book', 'appointment', %s, %s, %s)",
        [now, user_id, "Bench Desk (front_desk)", visit_id, f"Booked visit #{visit_id}", "{}"],
    )
    reader.connection.commit()


def day_view_floor(
    reader: RawReader, user_id: int, on: date, day_bounds: tuple[datetime, datetime]
) -> int:
    """The rows behind the day view: the signed-in user, the setup, the day's closure, and
    the day's visits with their patient, service, provider and room."""
    reader.all("SELECT * FROM users WHERE id = %s", [user_id])
    start, end = day_bounds
    reader.setup(start, end)
    reader.all('SELECT * FROM closures WHERE "on" = %s', [on])
    rows = reader.all(
        "SELECT a.*, p.first_name, p.last_name, s.name, v.name, r.name FROM appointments a "
        "JOIN patients p ON p.id = a.patient_id JOIN services s ON s.id = a.service_id "
        "JOIN providers v ON v.id = a.provider_id JOIN rooms r ON r.id = a.room_id "
        "WHERE a.starts_at >= %s AND a.starts_at < %s ORDER BY a.starts_at, a.provider_id, a.id",
        [start, end],
    )
    return len(rows)
