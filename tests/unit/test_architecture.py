"""The shape STYLE.md promises: capabilities depend one way, rules stay pure, and only
clinic/clock.py reads the clock."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "clinic"
# Lower layers first: a capability may import only itself and those before it.
CAPABILITIES = ["audit", "accounts", "practice", "patients", "scheduling", "plans", "reminders"]
FACES = {
    "api",
    "portal",
    "operations",
    "worker",
    "nightly",
    "cli",
    "web",
    "display",
    "demo",
    "demo_visits",
}
PURE_ALLOWED = {
    "decimal",
    "__future__",
    "bisect",
    "collections",
    "dataclasses",
    "datetime",
    "enum",
    "functools",
    "itertools",
    "math",
    "re",
    "typing",
    "zoneinfo",
    "dateutil",
    "phonenumbers",
    "email_validator",
    "hashlib",
    "secrets",
    "unicodedata",
}


def imports_of(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def capability_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "clinic" or len(parts) < 2:
        return None
    return parts[1]


@pytest.mark.parametrize("capability", CAPABILITIES)
def test_capabilities_depend_one_way_and_never_on_a_face(capability: str) -> None:
    allowed = set(CAPABILITIES[: CAPABILITIES.index(capability) + 1])
    allowed |= {"db", "extensions", "errors", "clock", "models"}
    wrong = []
    for path in (PACKAGE / capability).glob("*.py"):
        is_face_module = "views" in path.stem or path.stem in {"forms", "blueprint"}
        for module in imports_of(path):
            target = capability_of(module)
            if target is None or target in allowed:
                continue
            if is_face_module and target in {*CAPABILITIES, "operations", "web", "display"}:
                continue  # a capability's pages may show what higher capabilities know
            wrong.append(f"{path.name} imports {module}")
    assert not wrong, wrong


def test_rules_modules_are_pure() -> None:
    pure = [*PACKAGE.glob("*/rules.py"), PACKAGE / "audit" / "reasons.py"] + [
        PACKAGE / "scheduling" / name
        for name in (
            "slots.py",
            "schedule.py",
            "board.py",
            "hours.py",
            "intervals.py",
            "screening.py",
            "status.py",
            "preparation.py",
        )
    ]
    wrong = []
    for path in pure:
        for module in imports_of(path):
            top = module.split(".")[0]
            if top == "clinic":
                if not (
                    module.endswith(".rules")
                    or module
                    in {
                        "clinic.clock",
                        "clinic.scheduling.hours",
                        "clinic.scheduling.intervals",
                        "clinic.scheduling.slots",
                        "clinic.scheduling.schedule",
                        "clinic.scheduling.board",
                        "clinic.scheduling.screening",
                        "clinic.scheduling.status",
                        "clinic.practice.rules",
                        "clinic.patients.rules",
                    }
                ):
                    wrong.append(f"{path.relative_to(PACKAGE)} imports {module}")
            elif top not in PURE_ALLOWED:
                wrong.append(f"{path.relative_to(PACKAGE)} imports {module}")
    assert not wrong, wrong


def test_only_clock_reads_the_clock() -> None:
    readers = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "clock.py":
            continue
        text = path.read_text()
        for call in ("datetime.now(", "datetime.utcnow(", "date.today(", "time.time("):
            if call in text:
                readers.append(f"{path.relative_to(PACKAGE)}: {call}")
    assert not readers, readers
