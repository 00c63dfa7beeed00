"""`python -m bench`: generate a clinic in a throwaway database, measure, report.

By default the 100,000-visit clinic on SQLite and then on PostgreSQL; `--million` adds the
1,000,000-visit clinic (40 providers, ten years) on each database, and the same clinic with
100,000 visits (a shorter past), and compares the million with both.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from bench.database import (
    DEFAULT_POSTGRES_URL,
    postgres_reachable,
)
from bench.generate import MILLION, MILLION_BASE, STANDARD, Shape
from bench.report import RunSet, summary, write
from bench.runner import run_one


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
        help="also run 1,000,000 visits over 40 providers and ten years, and compare with "
        "100,000 in the standard clinic and in the million's own clinic with a shorter "
        "past (takes several minutes per database)",
    )
    parser.add_argument(
        "--only-million",
        action="store_true",
        help="run the 1,000,000-visit clinic and its 100,000-visit base, without the "
        "standard clinic",
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


def run_apart(kind: str, shape: Shape, args: argparse.Namespace, began: float) -> RunSet:
    """`run_one` in its own process, as a web worker would be: a run made after another in
    the same interpreter (after writing a million visits, say) measured up to 40% slower."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(run_one, kind, shape, args, began).result()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    began = time.perf_counter()
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
        shapes += [MILLION_BASE, MILLION]
    runs: list[RunSet] = []
    for kind in kinds:
        for shape in shapes:
            runs.append(run_apart(kind, shape, args, began))
    print()
    print(summary(runs))
    path = write(runs, "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]))
    print(f"\nFigures written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
