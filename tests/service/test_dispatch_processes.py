"""Several dispatcher processes on one PostgreSQL database deliver each message once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from clinic.extensions import db
from clinic.reminders.models import Message
from clinic.reminders.rules import MessageStatus
from tests.service.conftest import World
from tests.service.outbox import due_confirmations
from tests.smtp import smtp_env, smtp_server

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 150


def test_three_dispatcher_processes_deliver_each_message_once(
    world: World, database_url: str, is_postgres: bool
) -> None:
    if not is_postgres:
        pytest.skip("several workers need PostgreSQL (FOR UPDATE SKIP LOCKED); SQLite has one")
    due_confirmations(world, MESSAGES)
    with smtp_server() as (inbox, port):
        env = smtp_env(database_url, port)
        command = [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "wsgi",
            "messages",
            "dispatch",
            "--now",
            world.now.isoformat(),
            "--batch-size",
            "7",
        ]
        workers = [
            subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        outputs = [worker.communicate(timeout=120) for worker in workers]
    assert all(worker.returncode == 0 for worker in workers), outputs
    ids = inbox.ids()
    assert len(ids) == MESSAGES
    assert len(set(ids)) == MESSAGES  # none twice
    sent_by = [int(out.split(" sent")[0].split()[-1]) for out, _ in outputs]
    assert sum(sent_by) == MESSAGES
    assert sum(1 for count in sent_by if count) >= 2, sent_by  # the work was shared
    db.session.expire_all()
    statuses = db.session.scalars(sa.select(Message.status)).all()
    assert set(statuses) == {MessageStatus.SENT}
