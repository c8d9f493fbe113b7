"""Shared fixtures: the store under test (SQLite and PostgreSQL), services, an app client.

Every store-backed test runs twice, on SQLite and on PostgreSQL. PostgreSQL tests are
skipped with a printed reason only when no server is reachable, and never when
``CI`` is set (there, an unreachable PostgreSQL fails the run).
"""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from marchwarden.adapters.db.engine import create_engine
from marchwarden.adapters.db.migrate import upgrade
from marchwarden.bootstrap import build_services
from marchwarden.core.clock import FixedClock
from marchwarden.entrypoints.api.app import create_app
from marchwarden.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from marchwarden.services.context import Services

PG_ADMIN_DSN = os.environ.get("MARCHWARDEN_TEST_PG", "postgresql://root@127.0.0.1:5432/test")
IN_CI = bool(os.environ.get("CI"))

_pg_template: str | None = None
_pg_error: str | None = None


def _pg_connect() -> psycopg.Connection[Any]:
    return psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=3)


def _pg_url(dbname: str) -> str:
    base, _, _ = PG_ADMIN_DSN.rpartition("/")
    return f"{base}/{dbname}".replace("postgresql://", "postgresql+psycopg://", 1)


def _ensure_pg_template() -> str:
    """A migrated template database, made once per test session."""
    global _pg_template, _pg_error
    if _pg_template is not None:
        return _pg_template
    if _pg_error is not None:
        raise RuntimeError(_pg_error)
    name = f"mw_tmpl_{uuid.uuid4().hex[:10]}"
    try:
        with _pg_connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        _pg_error = f"PostgreSQL not reachable at {PG_ADMIN_DSN}: {exc}".strip()
        raise RuntimeError(_pg_error) from exc
    engine = create_engine(_pg_url(name))
    upgrade(engine)
    engine.dispose()
    _pg_template = name
    return name


def pg_database() -> str:
    """A fresh, migrated PostgreSQL database (copied from the template)."""
    try:
        template = _ensure_pg_template()
    except RuntimeError as exc:
        if IN_CI:
            pytest.fail(f"{exc} (CI must run the PostgreSQL tests)")
        pytest.skip(f"{exc} — PostgreSQL tests skipped")
    name = f"mw_test_{uuid.uuid4().hex[:10]}"
    with _pg_connect() as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return name


def drop_pg_database(name: str) -> None:
    with _pg_connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _pg_template is not None:
        drop_pg_database(_pg_template)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'marchwarden.db'}"
        engine = create_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    name = pg_database()
    yield _pg_url(name)
    drop_pg_database(name)


def make_settings(database_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": database_url,
        "audit_anchor_path": str(tmp_path / "audit.anchor"),
        "argon2_time_cost": 1,
        "argon2_memory_kib": 1024,
        "secret_key": "test-secret-" + "x" * 32,  # the same as the e2e servers use
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def services(settings: Settings, clock: FixedClock) -> Iterator[Services]:
    svc = build_services(settings, clock=clock)
    yield svc
    svc.db.engine.dispose()


@pytest.fixture
def client(settings: Settings, clock: FixedClock) -> Iterator[TestClient]:
    app = create_app(settings, clock=clock)
    with TestClient(app) as test_client:
        yield test_client
