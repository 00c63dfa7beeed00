"""Many clients booking one time at once, through real HTTP: exactly one wins.

The app runs in real server processes (gunicorn, several workers with threads) on a
loopback port, against this test run's database; forty clients, each with its own token,
are released together by a barrier. On PostgreSQL the exclusion constraints decide the race
(API.md: the losers get a 409 naming the winner); on SQLite the booking's write lock does,
checked here with one threaded server process.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from clinic.extensions import db
from tests.conftest import ROOT
from tests.web.booking_world import DESK, NO, World, add_patient, at, build_world, weekday

CLIENTS = 40
START_TIMEOUT_SECONDS = 30
REQUEST_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Server:
    host: str
    port: int


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(server: Server, path: str) -> int:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=2)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


def _serve(database_url: str, log: Path, *, workers: int, threads: int) -> Iterator[Server]:
    """gunicorn serving wsgi:app on a free loopback port until the generator is closed."""
    server = Server("127.0.0.1", _free_port())
    env = {
        **os.environ,
        "CLINIC_ENV": "test",
        "DATABASE_URL": database_url,
        "CLINIC_TIMEZONE": "America/Los_Angeles",
    }
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "--no-control-socket",
        "-w",
        str(workers),
        "-k",
        "gthread",
        "--threads",
        str(threads),
        "-b",
        f"{server.host}:{server.port}",
        "--error-logfile",
        str(log),
        "wsgi:app",
    ]
    with log.open("ab") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"the server stopped at once:\n{log.read_text()}")
            try:
                if _get(server, "/api/v1/openapi.json") == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not answer in time:\n{log.read_text()}")
            time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


@pytest.fixture
def crowd(app: Flask, world: World, staff: dict[str, str]) -> tuple[list[int], list[str]]:
    """CLIENTS patients with eligible screenings, and a front desk token for each client."""
    from clinic.accounts.models import User
    from clinic.accounts.service import issue_token
    from clinic.practice.models import Clinic
    from clinic.scheduling.screenings import record_screening

    now = datetime.now(UTC)
    with app.app_context():
        clinic = db.session.scalars(select(Clinic)).one()
        desk = db.session.scalar(select(User).where(User.email == staff["front_desk"]))
        assert desk is not None
        patients = []
        for n in range(CLIENTS):
            patient = add_patient(f"crowd{n}", datetime(1980, 1, 1).date(), now)
            record_screening(patient, NO, clinic=clinic, actor=DESK, now=now)
            patients.append(patient.id)
        tokens = [
            issue_token(desk, now=now, lifetime=timedelta(hours=1)).token for _ in range(CLIENTS)
        ]
        db.session.commit()
    return patients, tokens


def _race(server: Server, tokens: list[str], bodies: list[dict[str, Any]]) -> list[Any]:
    """POST every body at once (one thread and connection each); (status, body) in order."""
    barrier = threading.Barrier(len(bodies), timeout=REQUEST_TIMEOUT_SECONDS)
    results: list[Any] = [None] * len(bodies)

    def client(index: int) -> None:
        connection = http.client.HTTPConnection(
            server.host, server.port, timeout=REQUEST_TIMEOUT_SECONDS
        )
        try:
            connection.connect()
            payload = json.dumps(bodies[index])
            headers = {
                "Authorization": f"Bearer {tokens[index]}",
                "Content-Type": "application/json",
            }
            barrier.wait()
            connection.request("POST", "/api/v1/appointments", body=payload, headers=headers)
            response = connection.getresponse()
            results[index] = (response.status, json.loads(response.read() or b"null"))
        except Exception as error:  # reported by the test, not lost in the thread
            results[index] = ("error", repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(REQUEST_TIMEOUT_SECONDS * 2)
    assert not any(thread.is_alive() for thread in threads), "a client hung"
    return results


def _one_winner(results: list[Any], kind: str) -> int:
    """Exactly one 201; every other answer a 409 naming the winner as `kind`."""
    statuses = [status for status, _ in results]
    assert statuses.count(201) == 1, results
    winner = next(body for status, body in results if status == 201)["id"]
    for status, body in results:
        if status == 201:
            continue
        assert status == 409, (status, body)
        assert {"kind": kind, "appointment_id": winner} in body["conflicts"], body
    return int(winner)


@pytest.fixture
def postgres_server(
    is_postgres: bool, database_url: str, tmp_path: Path, crowd: Any
) -> Iterator[Server]:
    if not is_postgres:
        pytest.skip("PostgreSQL only: run with TEST_DATABASE_URL=postgresql://...")
    yield from _serve(database_url, tmp_path / "gunicorn.log", workers=4, threads=4)


def test_one_winner_per_slot_and_provider(
    postgres_server: Server, world: World, crowd: tuple[list[int], list[str]]
) -> None:
    patients, tokens = crowd
    start = at(weekday(1), 10)
    bodies = [
        {"patient_id": p, "service_id": world.face, "start": start, "provider_id": world.ana}
        for p in patients
    ]
    _one_winner(_race(postgres_server, tokens, bodies), "provider")


def test_one_winner_per_patient(
    postgres_server: Server,
    world: World,
    crowd: tuple[list[int], list[str]],
    app: Flask,
) -> None:
    """One patient, booked with a different provider by every client at the same time (a
    results check-in: no gap rule, so the losers meet the patient's own visit)."""
    providers = _more_providers(app, CLIENTS)
    patients, tokens = crowd
    start = at(weekday(2), 11)
    bodies = [
        {"patient_id": patients[0], "service_id": world.check_in, "start": start, "provider_id": p}
        for p in providers
    ]
    _one_winner(_race(postgres_server, tokens, bodies), "patient")


def test_one_microneedling_session_per_patient_under_a_race(
    postgres_server: Server,
    world: World,
    crowd: tuple[list[int], list[str]],
    app: Flask,
) -> None:
    """Every client books the same patient's microneedling on a different day of one week:
    the gap between sessions (28 days) allows one. The patient's row lock serialises the
    checks, so exactly one wins and the others are told why (422)."""
    providers = _more_providers(app, CLIENTS)
    patients, tokens = crowd
    days = [weekday(n % 5) for n in range(CLIENTS)]
    bodies = [
        {
            "patient_id": patients[1],
            "service_id": world.face,
            "start": at(day, 10),
            "provider_id": provider,
        }
        for day, provider in zip(days, providers, strict=True)
    ]
    results = _race(postgres_server, tokens, bodies)
    statuses = [status for status, _ in results]
    assert statuses.count(201) == 1, results
    assert all(status in (201, 409, 422) for status in statuses), results
    assert any("28 days apart" in str(body) for status, body in results if status == 422)


def test_one_winner_on_sqlite(
    is_postgres: bool,
    database_url: str,
    tmp_path: Path,
    world: World,
    crowd: tuple[list[int], list[str]],
) -> None:
    """SQLite: one server process with many threads; the booking lock serialises them."""
    if is_postgres:
        pytest.skip("SQLite only (the PostgreSQL tests above race several processes)")
    patients, tokens = crowd
    bodies = [
        {
            "patient_id": p,
            "service_id": world.face,
            "start": at(weekday(1), 10),
            "provider_id": world.ana,
        }
        for p in patients
    ]
    serving = _serve(database_url, tmp_path / "gunicorn.log", workers=1, threads=16)
    server = next(serving)
    try:
        _one_winner(_race(server, tokens, bodies), "provider")
    finally:
        serving.close()


def _more_providers(app: Flask, count: int) -> list[int]:
    """`count` providers working Monday to Saturday, 09:00-18:00."""
    from datetime import time as clock

    from clinic.practice.models import Provider, WorkingHours

    with app.app_context():
        providers = [Provider(name=f"Nurse {n}", credential="RN") for n in range(count)]
        for provider in providers:
            for day in range(6):
                provider.working_hours.append(
                    WorkingHours(weekday=day, starts_at=clock(9), ends_at=clock(18))
                )
        db.session.add_all(providers)
        db.session.commit()
        return [p.id for p in providers]
