"""What can be booked besides a provider: rooms and services. Every change is audited in
its transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlalchemy import select

from clinic.audit.service import Actor
from clinic.errors import RuleBroken
from clinic.extensions import db
from clinic.practice.changes import create, existing, field_names, text_problems, update
from clinic.practice.models import Room, Service, ServiceKind
from clinic.practice.rules import check_service_parts

# --- Rooms ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RoomInput:
    name: str
    device: str
    is_active: bool = True


def get_room(room_id: int) -> Room:
    return existing(Room, room_id, "room")


def create_room(raw: RoomInput, *, actor: Actor, now: datetime) -> Room:
    room = Room()
    return create(room, partial(_apply_room, room, raw), entity="room", actor=actor, now=now)


def update_room(room: Room, raw: RoomInput, *, actor: Actor, now: datetime) -> Room:
    fill = partial(_apply_room, room, raw)
    return update(room, fill, field_names(RoomInput), entity="room", actor=actor, now=now)


def _apply_room(room: Room, raw: RoomInput) -> None:
    name = " ".join(raw.name.split())
    device = " ".join(raw.device.split())
    problems = text_problems(name=(name, 80), device=(device, 120))
    if "name" not in problems and _name_taken(Room, name, room.id):
        problems["name"] = "Another room has this name."
    if problems:
        raise RuleBroken("Some details need correcting.", problems)
    room.name = name
    room.device = device
    room.is_active = raw.is_active


# --- Services ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceInput:
    """A bookable service as typed; the price in dollars as text."""

    name: str
    kind: ServiceKind
    procedure_minutes: int
    numbing_minutes: int
    buffer_minutes: int
    provider_free_while_numbing: bool
    price: str
    indications: tuple[str, ...]
    description: str = ""
    is_active: bool = True


SERVICE_FIELDS = (
    "name",
    "kind",
    "procedure_minutes",
    "numbing_minutes",
    "buffer_minutes",
    "provider_free_while_numbing",
    "price_cents",
    "indications",
    "description",
    "is_active",
)


def get_service(service_id: int) -> Service:
    return existing(Service, service_id, "service")


def create_service(raw: ServiceInput, *, actor: Actor, now: datetime) -> Service:
    service = Service()
    fill = partial(_apply_service, service, raw)
    return create(service, fill, entity="service", actor=actor, now=now)


def update_service(service: Service, raw: ServiceInput, *, actor: Actor, now: datetime) -> Service:
    fill = partial(_apply_service, service, raw)
    return update(service, fill, SERVICE_FIELDS, entity="service", actor=actor, now=now)


def _apply_service(service: Service, raw: ServiceInput) -> None:
    name = " ".join(raw.name.split())
    problems = text_problems(name=(name, 120))
    if "name" not in problems and _name_taken(Service, name, service.id):
        problems["name"] = "Another service has this name."
    description = raw.description.strip()
    if len(description) > 2000:
        problems["description"] = "Use at most 2,000 characters."
    minutes = {
        "procedure_minutes": raw.procedure_minutes,
        "numbing_minutes": raw.numbing_minutes,
        "buffer_minutes": raw.buffer_minutes,
    }
    cents, part_problems = check_service_parts(
        minutes,
        provider_free_while_numbing=raw.provider_free_while_numbing,
        price=raw.price,
        indications=raw.indications,
    )
    problems.update(part_problems)
    if problems or cents is None:
        raise RuleBroken("Some details need correcting.", problems)
    service.name = name
    service.kind = raw.kind
    service.procedure_minutes = raw.procedure_minutes
    service.numbing_minutes = raw.numbing_minutes
    service.buffer_minutes = raw.buffer_minutes
    service.provider_free_while_numbing = raw.provider_free_while_numbing
    service.price_cents = cents
    service.indications = sorted(set(raw.indications))
    service.description = description
    service.is_active = raw.is_active


def _name_taken(model: type[Room] | type[Service], name: str, own_id: int | None) -> bool:
    """Whether another row already uses this name, ignoring case.

    Compared in Python (casefold), not with SQL lower(): SQLite's lower() knows only ASCII,
    so "İstanbul" would slip past it and hit the unique constraint. A clinic has a handful
    of rooms and services, so reading their names is cheap.
    """
    rows = db.session.execute(select(model.id, model.name))
    wanted = name.casefold()
    return any(row.id != own_id and row.name.casefold() == wanted for row in rows)
