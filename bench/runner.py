"""One generated clinic measured on one database: what each benchmark process runs."""

from __future__ import annotations

import argparse
import gc
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from bench.database import analyse, dispose, make_app, temporary_database
from bench.generate import Shape, generate
from bench.measure import Session
from bench.report import RunSet


def _progress(began: float) -> Callable[[str], None]:
    def say(message: str) -> None:
        print(f"[{time.perf_counter() - began:7.1f} s] {message}", flush=True)

    return say


def run_one(kind: str, shape: Shape, args: argparse.Namespace, began: float) -> RunSet:
    """One clinic on one database, in a fresh interpreter (see `run_apart`)."""
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("clinic").setLevel(logging.WARNING)  # a log line per booking is noise here
    say = _progress(began)
    say(f"{kind}: creating a database and migrating it")
    with temporary_database(kind, args.postgres_url) as url:
        app = make_app(url)
        try:
            say(
                f"{kind}: writing {shape.visits:,} visits ({shape.providers} providers, "
                f"{shape.rooms} rooms, {shape.patients:,} patients)"
            )
            with app.app_context():
                generated = generate(shape, now=datetime.now(UTC), progress=say)
            say(f"{kind}: written in {generated.seconds:.1f} s; analysing")
            analyse(app)
            gc.collect()
            gc.freeze()  # as wsgi.py does once the app is loaded (see there)
            say(f"{kind}: measuring ({args.runs} runs each, {args.warmup} warm-up)")
            session = Session(app, generated, args.runs, args.warmup, say)
            figures = session.all()
            plans = session.explain()
        finally:
            dispose(app)
    return RunSet(
        kind,
        shape.name,
        generated.visits,
        generated.holding_visits,
        generated.seconds,
        figures,
        plans,
    )
