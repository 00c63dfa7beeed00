"""The table on the terminal, the goals of issue 3, and bench/results/latest.json."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.explain import uses_index
from bench.measure import Figure

RESULTS = Path(__file__).resolve().parent / "results"

# Issue 3, "Speed": on PostgreSQL with 100,000 visits.
AVAILABILITY_MS = 25.0
AVAILABILITY_FLOOR_RATIO = 5.0
BOOKING_MS = 15.0
DAY_VIEW_MS = 40.0
MILLION_RATIO = 1.5
PEER_PROVIDER_DAY_MS = 9.0  # django-appointment 3.12.0, Django's test client, SQLite
PEER_FACTOR = 20.0

# The generated clinics (bench/generate.py), by shape name.
CLINICS = {
    "100k": "100k: 10 providers, 10 rooms, eight past years",
    "1M-base": "1M-base: 40 providers, 60 rooms, 244 past days",
    "1M": "1M: 40 providers, 60 rooms, nine past years",
}
# The 100,000-visit clinics the million is compared with.
BASES = {
    "100k": "the standard 100k clinic (10 providers)",
    "1M-base": "100k in the same clinic (40 providers, a shorter past)",
}


@dataclass
class RunSet:
    """The figures of one clinic on one database."""

    database: str
    shape: str
    visits: int
    holding_visits: int
    generation_seconds: float
    figures: dict[str, Figure] = field(default_factory=dict)
    plans: dict[str, list[str]] = field(default_factory=dict)  # bench/explain.py

    def p50(self, name: str) -> float | None:
        figure = self.figures.get(name)
        return figure.p50 if figure else None

    def as_dict(self) -> dict[str, Any]:
        trivial = self.p50("trivial")
        figures = {}
        for name, figure in self.figures.items():
            body = figure.as_dict()
            body["ratio_to_floor"] = _ratio(figure.p50, figure.floor_p50)
            body["ratio_to_trivial"] = _ratio(figure.p50, trivial)
            figures[name] = body
        return {
            "database": self.database,
            "shape": self.shape,
            "visits": self.visits,
            "holding_visits": self.holding_visits,
            "generation_seconds": round(self.generation_seconds, 1),
            "figures": figures,
            "query_plans": self.plans,
        }


def _ratio(value: float | None, base: float | None) -> float | None:
    if value is None or not base:
        return None
    return round(value / base, 2)


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _x(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}x"


def table(run: RunSet) -> str:
    trivial = run.p50("trivial")
    head = (
        f"{'measurement':<52} {'p50 ms':>8} {'p95 ms':>8} {'floor':>8} "
        f"{'/floor':>7} {'/trivial':>8}"
    )
    clinic = CLINICS.get(run.shape, run.shape)
    lines = [f"== {run.database}, {run.visits:,} visits ({clinic}) ==", head, "-" * len(head)]
    for figure in run.figures.values():
        lines.append(
            f"{figure.label:<52} {_ms(figure.p50):>8} {_ms(figure.p95):>8} "
            f"{_ms(figure.floor_p50):>8} {_x(_ratio(figure.p50, figure.floor_p50)):>7} "
            f"{_x(_ratio(figure.p50, trivial)):>8}"
        )
        if figure.note:
            lines.append(f"    {figure.note}")
    for name, found in run.plans.items():
        lines.append(f"plan of {name}: {'; '.join(found) or 'no read of appointments'}")
    return "\n".join(lines)


@dataclass
class Goal:
    text: str
    measured: str
    met: bool | None  # None: not measured in this run

    def as_dict(self) -> dict[str, Any]:
        return {"goal": self.text, "measured": self.measured, "met": self.met}


def _first(run: RunSet, *names: str) -> tuple[str, Figure] | None:
    for name in names:
        figure = run.figures.get(name)
        if figure is not None and figure.p50 is not None:
            return name, figure
    return None


def goals(runs: list[RunSet]) -> list[Goal]:
    found: list[Goal] = []
    pg = next((r for r in runs if r.database == "postgres" and r.shape == "100k"), None)
    if pg is None:
        found.append(
            Goal("the goals are judged on PostgreSQL with 100,000 visits", "not run", None)
        )
        return found + _million_goals(runs)

    def judge(text: str, names: tuple[str, ...], limit: float, floor: bool = False) -> None:
        hit = _first(pg, *names)
        if hit is None:
            found.append(Goal(text, "not measured (endpoint missing or failing)", None))
            return
        name, figure = hit
        assert figure.p50 is not None  # _first returns measured figures only
        if floor and not figure.floor_p50:
            found.append(Goal(text, f"not measured (no floor for {name})", None))
            return
        value = figure.p50 / figure.floor_p50 if floor and figure.floor_p50 else figure.p50
        unit = "x its floor" if floor else "ms p50"
        found.append(Goal(text, f"{value:.2f} {unit} ({name})", value < limit))

    judge(
        "availability p50 under 25 ms",
        ("availability_http", "availability_service"),
        AVAILABILITY_MS,
    )
    judge(
        "availability within 5x its floor",
        ("availability_http", "availability_service"),
        AVAILABILITY_FLOOR_RATIO,
        floor=True,
    )
    judge("booking p50 under 15 ms", ("booking_http",), BOOKING_MS)
    judge("day view under 40 ms", ("day_view",), DAY_VIEW_MS)
    # The peer's 9 ms is its cost per provider-day (it loops day by day); judged two ways:
    judge(
        "a search's cost per provider-day at least 20x under django-appointment's 9 ms",
        ("per_provider_day_http",),
        PEER_PROVIDER_DAY_MS / PEER_FACTOR,
    )
    judge(
        "a lone one-provider, one-day request at least 20x under it (0.45 ms)",
        ("provider_day_http",),
        PEER_PROVIDER_DAY_MS / PEER_FACTOR,
    )
    return found + _million_goals(runs)


def _million_goals(runs: list[RunSet]) -> list[Goal]:
    found: list[Goal] = []
    million = next((r for r in runs if r.database == "postgres" and r.shape == "1M"), None)
    if million is None:
        found.append(
            Goal("availability at 1M visits within 1.5x of 100k", "not run (--million)", None)
        )
        return found
    found.append(
        Goal(
            "at 1M visits, the reads of appointments use an index (no full scan)",
            "; ".join(line for lines in million.plans.values() for line in lines),
            uses_index(million.plans),
        )
    )
    for base in (r for r in runs if r.database == "postgres" and r.shape in BASES):
        for name in (
            "availability_service",
            "availability_http",
            "provider_day_service",
            "provider_day_http",
            "per_provider_day_http",
        ):
            small, large = base.p50(name), million.p50(name)
            if small and large:
                found.append(
                    Goal(
                        f"{name} at 1M visits within 1.5x of {BASES[base.shape]}",
                        f"{large / small:.2f}x",
                        large / small <= MILLION_RATIO,
                    )
                )
    return found


def comparisons(runs: list[RunSet]) -> list[dict[str, Any]]:
    """1M against each 100,000-visit clinic, per database and figure (with --million)."""
    found = []
    for large in (r for r in runs if r.shape == "1M"):
        for small in (r for r in runs if r.database == large.database and r.shape in BASES):
            for name, figure in large.figures.items():
                base = small.figures.get(name)
                if not (base and base.p50 and figure.p50):
                    continue
                found.append(
                    {
                        "database": large.database,
                        "against": small.shape,
                        "figure": name,
                        "p50_100k_ms": round(base.p50, 3),
                        "p50_1m_ms": round(figure.p50, 3),
                        "ratio": round(figure.p50 / base.p50, 2),
                        "floor_ratio": _ratio(figure.floor_p50, base.floor_p50),
                    }
                )
    return found


def write(runs: list[RunSet], command: str, path: Path | None = None) -> Path:
    path = path or RESULTS / "latest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command,
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "processor": platform.processor() or platform.machine(),
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "runs": [r.as_dict() for r in runs],
        "million_vs_100k": comparisons(runs),
        "goals": [g.as_dict() for g in goals(runs)],
    }
    path.write_text(json.dumps(body, indent=2) + "\n")
    return path


def summary(runs: list[RunSet]) -> str:
    sections = [table(r) for r in runs]
    found = comparisons(runs)
    if found:
        sections.append(
            "\n".join(
                ["== 1M visits against 100k (p50) =="]
                + [
                    f"  {c['database']:<9} {c['against']:<8} {c['figure']:<24} "
                    f"{c['p50_100k_ms']:>8.2f} -> "
                    f"{c['p50_1m_ms']:>8.2f} ms  ({c['ratio']:.2f}x; floor {c['floor_ratio']}x)"
                    for c in found
                ]
            )
        )
    lines = ["== goals (issue 3, PostgreSQL, 100,000 visits) =="]
    for goal in goals(runs):
        verdict = {True: "met", False: "MISSED", None: "not measured"}[goal.met]
        lines.append(f"  [{verdict:^12}] {goal.text}: {goal.measured}")
    sections.append("\n".join(lines))
    return "\n\n".join(sections)
