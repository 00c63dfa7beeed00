"""Reading and changing the clinic's setup. Every change is audited in its transaction."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import g
from sqlalchemy import select

from clinic.errors import NotFound
from clinic.extensions import db
from clinic.practice.models import Clinic, Provider, Room, Service


def find_clinic() -> Clinic | None:
    """The clinic of this deployment, once per request; None before the first setup."""
    if "clinic" not in g:
        g.clinic = db.session.scalar(select(Clinic).order_by(Clinic.id).limit(1))
    return g.clinic  # type: ignore[no-any-return]


def get_clinic() -> Clinic:
    clinic = find_clinic()
    if clinic is None:
        raise NotFound("The clinic has not been set up yet; run `flask --app wsgi seed-demo`.")
    return clinic


def clinic_zone() -> ZoneInfo:
    clinic = find_clinic()
    if clinic is None:
        from flask import current_app

        return ZoneInfo(str(current_app.config["CLINIC_TIMEZONE"]))
    return ZoneInfo(clinic.timezone)


def list_providers(*, include_inactive: bool = False) -> list[Provider]:
    query = select(Provider).order_by(Provider.name)
    if not include_inactive:
        query = query.where(Provider.is_active.is_(True))
    return list(db.session.scalars(query))


def list_rooms(*, include_inactive: bool = False) -> list[Room]:
    query = select(Room).order_by(Room.name)
    if not include_inactive:
        query = query.where(Room.is_active.is_(True))
    return list(db.session.scalars(query))


def list_services(*, include_inactive: bool = False) -> list[Service]:
    query = select(Service).order_by(Service.kind, Service.name)
    if not include_inactive:
        query = query.where(Service.is_active.is_(True))
    return list(db.session.scalars(query))
