"""Writing and reading the audit log. Services call `record` in the same transaction as
the change, so a change and its audit entry are saved together or not at all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from clinic.audit.models import AuditEntry
from clinic.extensions import db


@dataclass(frozen=True)
class Actor:
    """Who is acting: a staff user, a patient in the portal, or the system itself."""

    label: str
    user_id: int | None = None


SYSTEM = Actor(label="system")


def record(
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int | None,
    summary: str,
    *,
    now: datetime,
    changes: dict[str, Any] | None = None,
) -> None:
    """Add an entry. `changes` holds ids, codes, flags, amounts and times, never text a
    person wrote about a patient (a reason for a cancellation, a pause, a clearance): that
    stays on its own record, where only the staff who may see it read it (STYLE.md #11).
    The row goes in at once as a plain insert: nothing reads an entry back in the
    transaction that wrote it, so it needs no ORM object (a booking is the faster for it)."""
    db.session.execute(
        insert(AuditEntry).values(
            at=now,
            actor_id=actor.user_id,
            actor_label=actor.label[:120],
            action=action,
            entity=entity,
            entity_id=entity_id,
            summary=summary[:300],
            changes=changes or {},
        )
    )


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """{field: [old, new]} for the fields that changed, as JSON-friendly strings."""
    return {
        key: [_plain(before.get(key)), _plain(value)]
        for key, value in after.items()
        if before.get(key) != value
    }


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def list_entries(
    *, entity: str | None = None, limit: int = 200, before_id: int | None = None
) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if before_id:
        query = query.where(AuditEntry.id < before_id)
    return list(db.session.scalars(query))
