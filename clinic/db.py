"""The declarative base and the column types every model shares."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Ids are 32-bit `integer`s on every database we run on: a larger one cannot exist, and
# asking for it must answer 404 rather than reach the database and overflow there.
MAX_ID = 2**31 - 1


def is_possible_id(value: int) -> bool:
    """Whether an id could name a row at all (positive, within the integer column)."""
    return 0 < value <= MAX_ID


# Named constraints, so that migrations can drop and alter them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An instant: accepts only aware datetimes, stores UTC, returns aware UTC.

    SQLite keeps no offset and PostgreSQL's timestamptz returns the session zone; this type
    makes both give back the same aware UTC value, and refuses a naive datetime outright,
    because a naive value is a bug waiting for the next DST change.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError(f"UTCDateTime needs an aware datetime, got {value!r}")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        if dialect.name == "sqlite":
            return _utc_from_sqlite_text
        return super().result_processor(dialect, coltype)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is UTC:  # PostgreSQL sessions run in UTC
            return value
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _utc_from_sqlite_text(value: str | None) -> datetime | None:
    """SQLite's stored text ("2026-03-08 10:00:00.000000", UTC without an offset) read as
    an aware UTC instant in one parse: appending the offset is several times cheaper than
    `replace(tzinfo=UTC)` on the parsed value, and a search reads hundreds of instants."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value + "+00:00")
    except ValueError:  # text written with an offset, by hand or by another tool
        parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:  # a bare date ("2026-03-08+00:00" parses naive): UTC midnight
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def sessions_in_utc(engine: Engine) -> None:
    """On PostgreSQL, run every new connection's session in UTC, so instants arrive in UTC
    and UTCDateTime returns them as they are instead of converting each value (a search
    reads hundreds). A SET statement rather than a startup option, which some connection
    poolers refuse; where a pooler loses the setting, the conversion still gives UTC."""
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "connect")
    def _set_utc(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")
        dbapi_connection.commit()  # a rollback would undo the SET


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def render_migration_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Alembic renders UTCDateTime as its plain column type, so migrations never import
    application code (a migration must keep working after the code moves on)."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False
