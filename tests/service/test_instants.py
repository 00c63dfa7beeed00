"""Instants in the database: stored as UTC, read back as aware UTC, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask

from clinic.accounts.models import ApiToken, Role, User
from clinic.extensions import db

LA = ZoneInfo("America/Los_Angeles")


def _token(expires_at: datetime) -> ApiToken:
    user = User(
        email="desk@example.com",
        name="Desk",
        role=Role.FRONT_DESK,
        password_hash="x",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    token = ApiToken(
        user=user,
        token_hash="0" * 64,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        expires_at=expires_at,
    )
    db.session.add(token)
    db.session.commit()
    return token


def _expires_at(token_id: int) -> datetime:
    db.session.expire_all()
    value = db.session.scalar(sa.select(ApiToken.expires_at).where(ApiToken.id == token_id))
    assert value is not None
    return value


def test_a_local_time_comes_back_as_the_same_instant_in_utc(app_ctx: Flask) -> None:
    # 01:30 on the night the clocks go forward in Los Angeles (still PST, UTC-8).
    token = _token(datetime(2026, 3, 8, 1, 30, tzinfo=LA))
    read = _expires_at(token.id)
    assert read == datetime(2026, 3, 8, 9, 30, tzinfo=UTC)
    assert read.utcoffset() is not None and read.utcoffset().total_seconds() == 0


def test_a_naive_time_is_refused(app_ctx: Flask) -> None:
    with pytest.raises(sa.exc.StatementError, match="aware datetime"):
        _token(datetime(2026, 3, 8, 1, 30))
    db.session.rollback()


def test_a_time_written_with_an_offset_by_another_tool_reads_as_utc(app_ctx: Flask) -> None:
    token = _token(datetime(2026, 3, 8, 9, 30, tzinfo=UTC))
    db.session.execute(
        sa.text("UPDATE api_tokens SET expires_at = '2026-03-08 10:00:00+02:00' WHERE id = :id"),
        {"id": token.id},
    )
    db.session.commit()
    assert _expires_at(token.id) == datetime(2026, 3, 8, 8, 0, tzinfo=UTC)


def test_a_bare_date_written_by_another_tool_reads_as_utc_midnight(app_ctx: Flask) -> None:
    token = _token(datetime(2026, 3, 8, 9, 30, tzinfo=UTC))
    db.session.execute(
        sa.text("UPDATE api_tokens SET expires_at = '2026-03-08' WHERE id = :id"),
        {"id": token.id},
    )
    db.session.commit()
    read = _expires_at(token.id)
    assert read == datetime(2026, 3, 8, tzinfo=UTC) and read.tzinfo is not None
