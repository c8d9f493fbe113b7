"""The layering of architecture.md: core imports no I/O library, nor any outer layer."""

from __future__ import annotations

import ast
from pathlib import Path

import marchwarden

CORE = Path(marchwarden.__file__).parent / "core"
FORBIDDEN = {
    "sqlalchemy",
    "alembic",
    "fastapi",
    "starlette",
    "uvicorn",
    "asyncio",
    "httpx",
    "nats",
    "socket",
    "ssl",
    "subprocess",
    "psycopg",
    "sqlite3",
    "requests",
    "websockets",
    "pathlib",
    "io",
    "shutil",
    "threading",
    "lxml",
    "typer",
    "rich",
    "importlib",
    "marchwarden.adapters",
    "marchwarden.services",
    "marchwarden.entrypoints",
    "marchwarden.bootstrap",
    "marchwarden.settings",
    "marchwarden.geodata",
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_imports_no_io_library() -> None:
    files = sorted(CORE.rglob("*.py"))
    assert len(files) > 10
    offences = []
    for path in files:
        for name in imported_modules(path):
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN):
                offences.append(f"{path.relative_to(CORE)} imports {name}")
    assert offences == []


def test_core_calls_no_open() -> None:
    offences = []
    for path in sorted(CORE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"open", "print", "input"}
            ):
                offences.append(f"{path.relative_to(CORE)}:{node.lineno} calls {node.func.id}")
    assert offences == []


SERVICES = Path(marchwarden.__file__).parent / "services"
SERVICES_FORBIDDEN = {
    "marchwarden.adapters",
    "marchwarden.entrypoints",
    "marchwarden.bootstrap",
}


def test_services_import_no_adapter() -> None:
    """Handlers reach the store through the ports (services/ports.py), never an adapter,
    not even for a type: a fake unit of work can stand in for the store."""
    files = sorted(SERVICES.rglob("*.py"))
    assert len(files) > 5
    offences = []
    for path in files:
        for name in imported_modules(path):
            if any(name == f or name.startswith(f + ".") for f in SERVICES_FORBIDDEN):
                offences.append(f"services/{path.relative_to(SERVICES)} imports {name}")
    assert offences == []
