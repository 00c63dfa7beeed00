"""`python -m bench.dispatch`: 10,000 due messages dispatched to an SMTP server on loopback.

Reported as messages per second and as a ratio to the floor: a bare smtplib loop sending
the same mail over one connection to the same server. Issue 5's goal: at least half the
floor's rate. The dispatcher does more per message than the floor (claim with a lease,
re-check consent and sense, render the template, commit the row as sent), which is what
the ratio shows.
"""

from __future__ import annotations

import argparse
import contextlib
import smtplib
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as wall_time

import sqlalchemy as sa

from bench.database import DEFAULT_POSTGRES_URL, dispose, make_app, temporary_database
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.practice.models import Clinic, OpeningHours
from clinic.reminders.models import Message
from clinic.reminders.rules import Channel, MessageKind, MessageStatus
from clinic.reminders.transports import Outgoing, email_message
from clinic.worker import dispatch_once

NOW = datetime(2027, 3, 10, 18, 0, tzinfo=UTC)  # 10:00 in Los Angeles: not quiet hours


class _Counter:
    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.received += 1
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Figures:
    database: str
    messages: int
    dispatch_seconds: float
    floor_seconds: float

    @property
    def rate(self) -> float:
        return self.messages / self.dispatch_seconds

    @property
    def floor_rate(self) -> float:
        return self.messages / self.floor_seconds


def _fill(app: object, count: int) -> None:
    with app.app_context():  # type: ignore[attr-defined]
        clinic = Clinic(name="Bench Clinic", phone="+14155550100", timezone="America/Los_Angeles")
        for weekday in range(7):
            clinic.opening_hours.append(
                OpeningHours(weekday=weekday, opens_at=wall_time(8), closes_at=wall_time(20))
            )
        patient = Patient(
            first_name="Bench",
            last_name="Patient",
            date_of_birth=date(1990, 1, 1),
            email="bench@example.com",
            phone=None,
            email_consent=True,
            sms_consent=False,
            notes="",
            created_at=NOW,
            updated_at=NOW,
            search_name="bench patient",
            search_last="patient",
            email_key="bench@example.com",
        )
        db.session.add_all([clinic, patient])
        db.session.flush()
        rows = [
            {
                "dedupe_key": f"bench:{n}",
                "patient_id": patient.id,
                "kind": MessageKind.CONFIRMATION.value,
                "channel": Channel.EMAIL.value,
                "recipient": "bench@example.com",
                "send_at": NOW,
                "status": MessageStatus.SCHEDULED.value,
                "attempts": 0,
                "message_id": f"bench.{n}",
                "created_at": NOW,
            }
            for n in range(count)
        ]
        db.session.execute(sa.insert(Message), rows)
        db.session.commit()


def _floor(port: int, count: int) -> float:
    mail = email_message(
        Outgoing(
            "<floor@bench.example>",
            "bench@example.com",
            "Your visit is booked",
            "Hello Bench,\n\nYour visit is booked.\n" * 12,
        ),
        "clinic@bench.example",
    )
    began = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as connection:
        for _ in range(count):
            connection.send_message(mail)
    return time.perf_counter() - began


def _smtp_server(port: int) -> subprocess.Popen[bytes]:
    """aiosmtpd in its own process (a sink), so the server does not share this process's
    interpreter with the dispatcher or the floor's loop."""
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Sink",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return server
        time.sleep(0.05)
    server.kill()
    raise SystemExit("the loopback SMTP server did not start")


def run(kind: str, count: int, postgres_url: str) -> Figures:
    port = _free_port()
    server = _smtp_server(port)
    try:
        with temporary_database(kind, postgres_url) as url:
            app = make_app(url)
            app.config.update(
                MAIL_SERVER="127.0.0.1",
                MAIL_PORT=port,
                MAIL_BACKEND="smtp",
                MAIL_FROM="clinic@bench.example",
            )
            print(f"{kind}: writing {count:,} due messages", flush=True)
            _fill(app, count)
            print(f"{kind}: dispatching", flush=True)
            began = time.perf_counter()
            result = dispatch_once(app, NOW, worker="bench")
            seconds = time.perf_counter() - began
            dispose(app)
        if result.sent != count:
            raise SystemExit(f"sent {result.sent} of {count}")
        print(f"{kind}: the floor (a bare smtplib loop, one connection)", flush=True)
        floor = _floor(port, count)
    finally:
        server.terminate()
        server.wait(timeout=10)
    return Figures(kind, count, seconds, floor)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.dispatch", description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    figures = [run(kind, args.messages, args.postgres_url) for kind in kinds]
    print(f"\n{'database':<10} {'messages':>9} {'msg/s':>8} {'floor msg/s':>12} {'ratio':>6}")
    for f in figures:
        print(
            f"{f.database:<10} {f.messages:>9,} {f.rate:>8.0f} {f.floor_rate:>12.0f} "
            f"{f.rate / f.floor_rate:>6.2f}"
        )


if __name__ == "__main__":
    main()
