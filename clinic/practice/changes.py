"""How a change to the clinic's setup is checked and audited: shared by the settings,
providers, rooms and services."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any, Protocol, TypeVar

from clinic.audit.service import Actor, diff, record
from clinic.errors import NotFound
from clinic.extensions import db


def text_problems(**texts: tuple[str, int]) -> dict[str, str]:
    """A sentence for each required text (value, most characters) that is empty or too long."""
    problems = {}
    for name, (value, limit) in texts.items():
        if not value:
            problems[name] = "This is required."
        elif len(value) > limit:
            problems[name] = f"Use at most {limit} characters."
    return problems


class NamedRow(Protocol):
    id: Any
    name: Any


Row = TypeVar("Row", bound=NamedRow)


def existing(model: type[Row], row_id: int, what: str) -> Row:
    """The row with this id, or a 404 that names what was looked for."""
    row = db.session.get(model, row_id)
    if row is None:
        raise NotFound(f"There is no {what} {row_id}.")
    return row


def create(row: Row, fill: Callable[[], None], *, entity: str, actor: Actor, now: datetime) -> Row:
    """Fill a new row from its checked input, insert it and audit the creation."""
    fill()
    db.session.add(row)
    db.session.flush()
    record(actor, "create", entity, row.id, f"Added {entity} {row.name}", now=now)
    return row


def update(
    row: Row,
    fill: Callable[[], None],
    audited: Sequence[str],
    *,
    entity: str,
    actor: Actor,
    now: datetime,
) -> Row:
    """Change a row from its checked input and audit the `audited` fields that changed."""
    before = {name: getattr(row, name) for name in audited}
    fill()
    after = {name: getattr(row, name) for name in audited}
    record_changes(actor, entity, row.id, f"Changed {entity} {row.name}", before, after, now=now)
    return row


def field_names(shape: type[Any]) -> tuple[str, ...]:
    """The fields an input dataclass sets on its row, to audit an update by."""
    return tuple(item.name for item in fields(shape))


def record_changes(
    actor: Actor,
    entity: str,
    entity_id: int,
    summary: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    now: datetime,
) -> None:
    """Audit an update with {field: [old, new]}, or nothing when nothing changed."""
    changes = diff(dict(before), dict(after))
    if changes:
        record(actor, "update", entity, entity_id, summary, now=now, changes=changes)
