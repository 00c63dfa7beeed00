"""The command line of API.md: `flask --app wsgi users create`, `seed-demo`."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from sqlalchemy import inspect

from clinic.accounts.models import Role
from clinic.accounts.service import count_users, create_user
from clinic.audit.service import SYSTEM
from clinic.clock import local_today, utcnow
from clinic.errors import RuleBroken
from clinic.extensions import db
from clinic.patients.service import count_patients
from clinic.practice.service import find_clinic
from clinic.web import phone_region


def register_commands(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(seed_demo)
    app.cli.add_command(worker)
    app.cli.add_command(messages)
    app.cli.add_command(portal)


@click.command(help="Run the background scheduler until stopped (SIGTERM stops it cleanly).")
def worker() -> None:
    from clinic.worker import run_worker

    run_worker(current_app._get_current_object())  # type: ignore[attr-defined]


@click.group(help="The message outbox.")
def messages() -> None:
    pass


@messages.command("dispatch", help="One dispatch pass for the messages due at --now.")
@click.option("--now", "now_text", default=None, help="ISO instant (default: the real now).")
@click.option("--batch-size", default=200, show_default=True, help="Messages claimed at once.")
def dispatch_command(now_text: str | None, batch_size: int) -> None:
    from datetime import datetime

    from clinic.worker import dispatch_once

    now = None
    if now_text:
        try:
            now = datetime.fromisoformat(now_text)
        except ValueError:
            click.echo(f"--now: {now_text!r} is not an ISO date and time.", err=True)
            sys.exit(2)
        if now.tzinfo is None:
            click.echo("--now needs an offset, e.g. 2027-03-09T17:00:00+00:00.", err=True)
            sys.exit(2)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    result = dispatch_once(app, now, batch_size=batch_size)
    click.echo(
        f"Dispatched: {result.sent} sent, {result.skipped} skipped, {result.retried} to retry, "
        f"{result.failed} failed, {result.deferred} held (quiet hours, or a visit the setup "
        "no longer allows)."
    )


@click.group(help="The patient portal.")
def portal() -> None:
    pass


@portal.command("link", help="Print a one-time sign-in link for each patient with EMAIL.")
@click.argument("email")
def portal_link_command(email: str) -> None:
    from flask import url_for

    from clinic.portal.access import email_key, issue_link, patients_with_email
    from clinic.portal.blueprint import portal_policy

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    key = email_key(email)
    found = patients_with_email(key)
    if not found:
        click.echo("No patient has this email address.", err=True)
        sys.exit(1)
    policy = portal_policy()
    base = str(app.config["CLINIC_BASE_URL"]).rstrip("/")
    now = utcnow()
    lines = []
    with app.test_request_context():
        for patient in found:
            issued = issue_link(
                key, secret=str(app.config["SECRET_KEY"]), policy=policy, now=now, patient=patient
            )
            path = url_for("portal.landing", token=issued.signed_token)
            lines.append(f"{patient.first_name} {patient.last_name}: {base}{path}")
    db.session.commit()
    click.echo(f"One-time sign-in links (each works once, for {policy.link_minutes} minutes):")
    for line in lines:
        click.echo(f"  {line}")


@click.group(help="Staff accounts.")
def users() -> None:
    pass


@users.command("create", help="Create a staff account.")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--password", required=True, help="At least 10 characters.")
@click.option("--name", default=None, help="Shown in the app and the audit log.")
def create_user_command(email: str, role: str, password: str, name: str | None) -> None:
    try:
        user = create_user(
            email, name or email.split("@")[0], Role(role), password, actor=SYSTEM, now=utcnow()
        )
    except RuleBroken as refusal:
        db.session.rollback()
        for field, message in refusal.fields.items():
            click.echo(f"{field}: {message}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"Created {user.role.value} account {user.email}.")


@click.command("seed-demo", help="Fill an empty database with a realistic demo clinic.")
@click.option("--force", is_flag=True, help="Add the demo even when the database holds data.")
@click.option(
    "--skip-if-present",
    is_flag=True,
    help="When the database holds data, print the demo logins and exit 0 (make run).",
)
def seed_demo(force: bool, skip_if_present: bool) -> None:
    from zoneinfo import ZoneInfo

    from clinic.demo import build_demo_clinic

    if "clinics" not in inspect(db.engine).get_table_names():
        click.echo(
            "The database has no tables yet: run `flask --app wsgi db upgrade` first.", err=True
        )
        sys.exit(1)
    holds_data = find_clinic() is not None or count_users() > 0 or count_patients() > 0
    if holds_data and skip_if_present:
        click.echo("The database already holds a clinic; keeping it.")
        _print_logins()
        return
    if holds_data and not force:
        click.echo(
            "The database already holds data; seed-demo only fills an empty one "
            "(use --force to add the demo anyway).",
            err=True,
        )
        sys.exit(1)
    timezone = str(current_app.config["CLINIC_TIMEZONE"])
    now = utcnow()
    click.echo("Building the demo clinic: setup, staff, providers, rooms, services, patients…")
    build_demo_clinic(
        timezone=timezone,
        now=now,
        today=local_today(ZoneInfo(timezone), now),
        phone_region=phone_region(),
    )
    db.session.commit()
    click.echo("Demo clinic ready.")
    _print_logins()


def _print_logins() -> None:
    from clinic.demo import DEMO_LOGINS

    click.echo("Demo logins (if you have not changed them):")
    for login in DEMO_LOGINS:
        click.echo(f"  {login.role:<11} {login.email:<22} password: {login.password}")
