"""How a change to the clinic's setup is checked and audited: shared by the settings,
providers, rooms and services."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from datetime import datetime
from typing import Any

from clinic.audit.service import Actor, diff, record


def text_problems(**texts: tuple[str, int]) -> dict[str, str]:
    """A sentence for each required text (value, most characters) that is empty or too long."""
    problems = {}
    for name, (value, limit) in texts.items():
        if not value:
            problems[name] = "This is required."
        elif len(value) > limit:
            problems[name] = f"Use at most {limit} characters."
    return problems


def snapshot(row: Any, shape: type[Any]) -> dict[str, Any]:
    """The row's values of the fields its input shape sets, for an audit diff."""
    return {item.name: getattr(row, item.name) for item in fields(shape)}


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
