"""The shape of a command handler (docs/architecture.md): load, authorise, decide, save,
record, commit — short. Parsed from services/ with ``ast``: no function over 60 lines,
and the median command handler (a function that records events) under 25 lines."""

from __future__ import annotations

import ast
import statistics
from pathlib import Path

import marchwarden

SERVICES = Path(marchwarden.__file__).parent / "services"
LONGEST = 60
MEDIAN_HANDLER = 25


def functions() -> list[tuple[str, int, bool]]:
    """(file:name, lines, records events) of every function in services/."""
    out = []
    for path in sorted(SERVICES.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                lines = node.end_lineno - node.lineno + 1
                records = any(
                    isinstance(n, ast.Call)
                    and isinstance(n.func, ast.Attribute)
                    and n.func.attr == "record"
                    for n in ast.walk(node)
                )
                out.append((f"{path.name}:{node.name}", lines, records))
    return out


def test_no_function_in_services_is_over_60_lines() -> None:
    found = functions()
    assert len(found) > 100
    long = [(name, n) for name, n, _ in found if n > LONGEST]
    assert long == []


def test_the_median_command_handler_is_short() -> None:
    handlers = [n for _, n, records in functions() if records]
    assert len(handlers) > 20
    assert statistics.median(handlers) < MEDIAN_HANDLER


def test_no_handler_writes_the_audit_trail_or_the_timeline_by_hand() -> None:
    """Audit records, timeline entries and outbox rows come from the events
    (``uow.record``); only an incident's free-text log entry is stored as itself."""
    offences = []
    for path in sorted(SERVICES.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        for needle in ("record_audit(", "_append_audit(", ".emit("):
            if needle in text:
                offences.append(f"{path.name}: {needle}")
        if path.name not in {"incidents.py", "ports.py"} and "add_timeline(" in text:
            offences.append(f"{path.name}: add_timeline(")
    assert offences == []
