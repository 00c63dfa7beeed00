"""`python -m bench`: generate a clinic in a throwaway database, measure, report.

By default the 100,000-visit clinic on SQLite and then on PostgreSQL; `--million` adds the
1,000,000-visit clinic (40 providers, ten years) on each database and compares the two.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import logging
import sys
import time
from datetime import UTC, datetime

from bench.database import (
    DEFAULT_POSTGRES_URL,
    analyse,
    dispose,
    make_app,
    postgres_reachable,
    temporary_database,
)
from bench.generate import MILLION, STANDARD, Shape, generate
from bench.measure import Session
from bench.report import RunSet, summary, write


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmarks of issue 3: availability, booking, day view, against their "
        "raw-SQL floors and a trivial endpoint, on a generated clinic (10 providers, 10 rooms, "
        "20,000 patients, 100,000 visits). Figures go to bench/results/latest.json.",
    )
    parser.add_argument(
        "--db",
        choices=("sqlite", "postgres", "both"),
        default="both",
        help="which database(s) to run on (default: both)",
    )
    parser.add_argument(
        "--million",
        action="store_true",
        help="also run 1,000,000 visits over 40 providers and ten years, "
        "and compare with 100,000 (takes several minutes per database)",
    )
    parser.add_argument(
        "--only-million",
        action="store_true",
        help="run the 1,000,000-visit clinic without the 100,000 one",
    )
    parser.add_argument("--runs", type=int, default=50, help="timed runs per figure (default 50)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed runs first (default 5)")
    parser.add_argument(
        "--visits",
        type=int,
        default=None,
        help="a custom visit count for the standard clinic (a quick try)",
    )
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help=f"a PostgreSQL server to create the throwaway database on "
        f"(default {DEFAULT_POSTGRES_URL})",
    )
    return parser


def _progress(began: float) -> object:
    def say(message: str) -> None:
        print(f"[{time.perf_counter() - began:7.1f} s] {message}", flush=True)

    return say


def run_one(kind: str, shape: Shape, args: argparse.Namespace, say) -> RunSet:  # type: ignore[no-untyped-def]
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
            gc.unfreeze()  # the next clinic's run starts from a clean slate
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


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("clinic").setLevel(logging.WARNING)  # a log line per booking is noise here
    say = _progress(time.perf_counter())
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    if "postgres" in kinds and not postgres_reachable(args.postgres_url):
        print(f"PostgreSQL is not reachable at {args.postgres_url}; use --db sqlite", flush=True)
        if args.db == "postgres":
            return 1
        kinds.remove("postgres")
    standard = STANDARD
    if args.visits:
        standard = dataclasses.replace(STANDARD, name=f"custom {args.visits:,}", visits=args.visits)
    shapes = [] if args.only_million else [standard]
    if args.million or args.only_million:
        shapes.append(MILLION)
    runs: list[RunSet] = []
    for kind in kinds:
        for shape in shapes:
            runs.append(run_one(kind, shape, args, say))
    print()
    print(summary(runs))
    path = write(runs, "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]))
    print(f"\nFigures written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
