"""The admin's catalogue pages: treatment rooms and bookable services."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_login import login_required

from clinic.accounts.access import ADMIN_ONLY, actor, require_role
from clinic.clock import utcnow
from clinic.errors import RuleBroken
from clinic.extensions import db
from clinic.practice import catalogue
from clinic.practice import service as practice
from clinic.practice.blueprint import bp, put_on_form
from clinic.practice.catalogue import RoomInput, ServiceInput
from clinic.practice.forms import SERVICE_KIND_LABELS, RoomForm, ServiceForm
from clinic.practice.models import Room, Service, ServiceKind
from clinic.practice.rules import Indication


@bp.get("/rooms")
@login_required
@require_role(*ADMIN_ONLY)
def rooms() -> Any:
    return render_template("practice/rooms.html", rooms=practice.list_rooms(include_inactive=True))


def _room_input(form: RoomForm) -> RoomInput:
    return RoomInput(
        name=form.name.data or "",
        device=form.device.data or "",
        is_active=bool(form.is_active.data),
    )


def _save_room(form: RoomForm, room: Room | None) -> Room | None:
    """Create or change a room from a valid form; on refusal, the reasons go on the form."""
    try:
        if room is None:
            room = catalogue.create_room(_room_input(form), actor=actor(), now=utcnow())
        else:
            catalogue.update_room(room, _room_input(form), actor=actor(), now=utcnow())
    except RuleBroken as refusal:
        put_on_form(form, refusal)
        return None
    db.session.commit()
    return room


@bp.route("/rooms/new", methods=["GET", "POST"])
@login_required
@require_role(*ADMIN_ONLY)
def new_room() -> Any:
    form = RoomForm()
    if form.validate_on_submit() and (room := _save_room(form, None)) is not None:
        flash(f"{room.name} is added.", "success")
        return redirect(url_for("practice.rooms"))
    status = 422 if form.is_submitted() else 200
    return render_template("practice/room_form.html", form=form, room=None), status


@bp.route("/rooms/<int:room_id>", methods=["GET", "POST"])
@login_required
@require_role(*ADMIN_ONLY)
def edit_room(room_id: int) -> Any:
    room = catalogue.get_room(room_id)
    form = RoomForm(obj=room)
    if form.validate_on_submit() and _save_room(form, room) is not None:
        flash("Changes saved.", "success")
        return redirect(url_for("practice.rooms"))
    status = 422 if form.is_submitted() else 200
    return render_template("practice/room_form.html", form=form, room=room), status


@bp.get("/services")
@login_required
@require_role(*ADMIN_ONLY)
def services() -> Any:
    return render_template(
        "practice/services.html",
        services=practice.list_services(include_inactive=True),
        kinds=SERVICE_KIND_LABELS,
        indications={indication.value: indication.label for indication in Indication},
    )


def _service_input(form: ServiceForm) -> ServiceInput:
    return ServiceInput(
        name=form.name.data or "",
        kind=ServiceKind(form.kind.data),
        procedure_minutes=form.procedure_minutes.data or 0,
        numbing_minutes=form.numbing_minutes.data or 0,
        buffer_minutes=form.buffer_minutes.data or 0,
        provider_free_while_numbing=bool(form.provider_free_while_numbing.data),
        price=form.price.data or "",
        indications=tuple(form.indications.data or ()),
        description=form.description.data or "",
        is_active=bool(form.is_active.data),
    )


def _save_service(form: ServiceForm, service: Service | None) -> Service | None:
    """Create or change a service from a valid form; on refusal, the reasons go on the form."""
    try:
        if service is None:
            service = catalogue.create_service(_service_input(form), actor=actor(), now=utcnow())
        else:
            catalogue.update_service(service, _service_input(form), actor=actor(), now=utcnow())
    except RuleBroken as refusal:
        put_on_form(form, refusal)
        return None
    db.session.commit()
    return service


@bp.route("/services/new", methods=["GET", "POST"])
@login_required
@require_role(*ADMIN_ONLY)
def new_service() -> Any:
    form = ServiceForm()
    if form.validate_on_submit() and (service := _save_service(form, None)) is not None:
        flash(f"{service.name} is added.", "success")
        return redirect(url_for("practice.services"))
    status = 422 if form.is_submitted() else 200
    return render_template("practice/service_form.html", form=form, service=None), status


@bp.route("/services/<int:service_id>", methods=["GET", "POST"])
@login_required
@require_role(*ADMIN_ONLY)
def edit_service(service_id: int) -> Any:
    service = catalogue.get_service(service_id)
    form = ServiceForm(obj=service)
    if not form.is_submitted():
        form.price.data = f"{service.price_cents / 100:.2f}"
        form.kind.data = service.kind.value
    if form.validate_on_submit() and _save_service(form, service) is not None:
        flash("Changes saved.", "success")
        return redirect(url_for("practice.services"))
    status = 422 if form.is_submitted() else 200
    return render_template("practice/service_form.html", form=form, service=service), status
