"""The worker process: it sends due messages on its own, with links to the clinic's public
address, and SIGTERM stops it cleanly."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from flask import Flask

from clinic.extensions import db
from clinic.reminders.models import Message
from clinic.reminders.rules import Channel, MessageKind, MessageStatus
from tests.service.conftest import World
from tests.smtp import smtp_env, smtp_server

ROOT = Path(__file__).resolve().parents[2]


def test_worker_sends_then_stops_on_sigterm(world: World, database_url: str) -> None:
    from clinic.clock import utcnow

    now = utcnow()
    db.session.add(
        Message(
            dedupe_key="worker:1",
            patient_id=world.maya.id,
            kind=MessageKind.CONFIRMATION,
            channel=Channel.EMAIL,
            recipient="maya@example.com",
            send_at=now,
            status=MessageStatus.SCHEDULED,
            message_id="worker.1",
            created_at=now,
        )
    )
    world.clinic.quiet_hours_start = world.clinic.quiet_hours_end  # never quiet, for the test
    db.session.commit()
    with smtp_server() as (inbox, port):
        env = {**smtp_env(database_url, port), "CLINIC_BASE_URL": "https://book.lumen.example"}
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            deadline = time.monotonic() + 30
            while not inbox.messages and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            worker.send_signal(signal.SIGTERM)
            output, _ = worker.communicate(timeout=30)
    assert len(inbox.messages) == 1, output
    # Its links lead to the clinic's public address, not to a path on no host.
    assert "https://book.lumen.example/portal/\r\n" in inbox.messages[0].get_content()
    assert worker.returncode == 0, output
    assert "worker stopped" in output


def test_the_nightly_jobs_follow_a_change_of_the_clinics_zone(app: Flask, world: World) -> None:
    """The worker reads the zone at start; an admin who corrects it on the settings page
    moves the nightly jobs to 02:30 in the new zone without a restart."""
    from apscheduler.schedulers.background import BackgroundScheduler

    from clinic.worker import follow_clinic_zone, nightly_trigger

    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(print, nightly_trigger(world.clinic.timezone), id="nightly")
    assert follow_clinic_zone(scheduler, app) is False  # unchanged

    world.clinic.timezone = "Europe/London"
    db.session.commit()

    assert follow_clinic_zone(scheduler, app) is True
    trigger = scheduler.get_job("nightly").trigger
    assert str(trigger.timezone) == "Europe/London"
    assert follow_clinic_zone(scheduler, app) is False
