"""The background worker: `flask --app wsgi worker` runs an APScheduler scheduler whose
jobs are defined here, in code (each worker keeps its own memory job store; APScheduler 3
forbids sharing a job store between schedulers). Several workers on several hosts stay
correct: messages are claimed with FOR UPDATE SKIP LOCKED, and the nightly jobs take a
PostgreSQL advisory lock so that one worker runs them.

SIGTERM (or Ctrl-C) lets the message in hand finish, then the worker exits.
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from clinic.clock import utcnow
from clinic.extensions import db
from clinic.practice.models import Clinic
from clinic.practice.service import find_clinic
from clinic.reminders.dispatch import Delivery, DispatchResult, dispatch_due
from clinic.reminders.new_times import tell_visits_going_ahead
from clinic.reminders.service import message_policy
from clinic.reminders.transports import (
    FileTransport,
    HttpSmsTransport,
    LogSmsTransport,
    SmtpSettings,
    SmtpTransport,
    Transport,
)
from clinic.reminders.unsubscribe import unsubscribe_token

log = logging.getLogger(__name__)

DISPATCH_EVERY_SECONDS = 30
ZONE_CHECK_SECONDS = 300
NIGHTLY_LOCK = 7_141_001  # pg_try_advisory_xact_lock key of the nightly jobs


def worker_name() -> str:
    return f"{socket.gethostname()}:{threading.get_native_id()}"


def delivery_for(app: Flask) -> Delivery:
    """Transports from the settings: SMTP (or .eml files in development) and SMS."""
    config = app.config
    sender = str(config["MAIL_FROM"])
    mail_domain = sender.rsplit("@", 1)[-1] or "clinic.local"
    if config.get("MAIL_BACKEND") == "file":
        folder = Path(app.instance_path) / "mail"

        def email() -> Transport:
            return FileTransport(folder, sender)
    else:
        settings = SmtpSettings(
            host=str(config["MAIL_SERVER"]),
            port=int(config["MAIL_PORT"]),
            use_tls=bool(config["MAIL_USE_TLS"]),
            username=config.get("MAIL_USERNAME"),
            password=config.get("MAIL_PASSWORD"),
            sender=sender,
        )

        def email() -> Transport:
            return SmtpTransport(settings)

    def sms() -> Transport:
        if config.get("SMS_BASE_URL"):
            return HttpSmsTransport(
                base_url=str(config["SMS_BASE_URL"]),
                account=str(config["SMS_ACCOUNT"]),
                token=str(config["SMS_TOKEN"]),
                sender=str(config["SMS_FROM"]),
            )
        return LogSmsTransport()

    base_url = str(config["CLINIC_BASE_URL"]).rstrip("/")
    secret = str(config["SECRET_KEY"])
    return Delivery(
        email=email,
        sms=sms,
        mail_domain=mail_domain,
        unsubscribe_url=lambda patient_id: (
            f"{base_url}/unsubscribe/{unsubscribe_token(secret, patient_id)}"
        ),
        base_url=base_url,
    )


def dispatch_once(
    app: Flask,
    now: datetime | None = None,
    *,
    worker: str | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    batch_size: int = 200,
) -> DispatchResult:
    """Send everything due at `now` (default: the real now), batch after batch, until a
    batch finds nothing left to claim."""
    total = DispatchResult()
    with app.app_context():
        clinic = find_clinic()
        if clinic is None:
            return total
        delivery, policy = delivery_for(app), message_policy(clinic)
        _tell_visits_going_ahead(clinic, now or utcnow())
        while not should_stop():
            result = dispatch_due(
                now=now or utcnow(),
                clinic_id=clinic.id,
                worker=worker or worker_name(),
                delivery=delivery,
                policy=policy,
                should_stop=should_stop,
                batch_size=batch_size,
                clock=None if now else utcnow,
            )
            total.add(result)
            if result.claimed == 0:
                break
    return total


def _tell_visits_going_ahead(clinic: Clinic, now: datetime) -> None:
    """Before each pass: patients asked to choose a new time for a visit the setup allows
    again are told it goes ahead, and this pass sends it. Two workers may plan the same
    notice at once; its dedupe key lets one commit, and the other leaves it."""
    try:
        tell_visits_going_ahead(clinic, now)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()


def run_nightly(app: Flask, now: datetime | None = None) -> bool:
    """Plan maintenance and housekeeping, by one worker only. Returns False when another
    worker holds the nightly lock (PostgreSQL); on SQLite there is one worker."""
    from clinic.nightly import run_maintenance

    with app.app_context():
        if db.session.get_bind().dialect.name == "postgresql":
            taken = db.session.scalar(
                text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": NIGHTLY_LOCK}
            )
            if not taken:
                db.session.rollback()
                log.info("nightly jobs: another worker has them")
                return False
        run_maintenance(now or utcnow())
        db.session.commit()  # also releases the advisory lock
        return True


def nightly_trigger(zone: str) -> CronTrigger:
    """02:30 in the clinic's zone, every night (once on DST nights too)."""
    return CronTrigger(hour=2, minute=30, timezone=zone)


def follow_clinic_zone(scheduler: BaseScheduler, app: Flask) -> bool:
    """Keep the nightly jobs at 02:30 in the clinic's zone when an admin changes it on the
    settings page (the worker reads it at start); returns whether they moved."""
    with app.app_context():
        clinic = find_clinic()
        db.session.remove()
    job = scheduler.get_job("nightly")
    if clinic is None or job is None or str(job.trigger.timezone) == clinic.timezone:
        return False
    scheduler.reschedule_job("nightly", trigger=nightly_trigger(clinic.timezone))
    log.info("nightly jobs now at 02:30 %s", clinic.timezone)
    return True


def run_worker(app: Flask) -> None:
    stopping = threading.Event()
    scheduler = BlockingScheduler(timezone="UTC")
    with app.app_context():
        clinic = find_clinic()
        zone = clinic.timezone if clinic else str(app.config["CLINIC_TIMEZONE"])
    scheduler.add_job(
        lambda: dispatch_once(app, should_stop=stopping.is_set),
        "interval",
        seconds=DISPATCH_EVERY_SECONDS,
        next_run_time=utcnow(),
        id="dispatch",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        lambda: run_nightly(app),
        nightly_trigger(zone),
        id="nightly",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        lambda: follow_clinic_zone(scheduler, app),
        "interval",
        seconds=ZONE_CHECK_SECONDS,
        id="zone",
        max_instances=1,
        coalesce=True,
    )

    def stop(signum: int, _frame: Any) -> None:
        log.info("worker: signal %s, finishing the message in hand", signum)
        stopping.set()
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info(
        "worker started: dispatch every %ss, nightly jobs at 02:30 %s", DISPATCH_EVERY_SECONDS, zone
    )
    scheduler.start()
    log.info("worker stopped")
