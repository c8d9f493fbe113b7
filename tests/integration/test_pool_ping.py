"""The PostgreSQL pool pings a connection only when it sat idle (``engine.py:
_ping_when_idle``): a busy server's checkouts cost no ``SELECT 1`` round trip, and a
connection that died while idle is replaced before anyone uses it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa

from marchwarden.adapters.db import engine as engine_module
from marchwarden.adapters.db.engine import create_engine
from tests.conftest import _pg_connect, _pg_url, drop_pg_database, pg_database

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine() -> Iterator[sa.Engine]:
    name = pg_database()
    made = create_engine(_pg_url(name))
    try:
        yield made
    finally:
        made.dispose()
        drop_pg_database(name)


def pings_of(engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    pings: list[Any] = []
    real = engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings.append(dbapi_connection)
        return real(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return pings


def backend_pid(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_used_a_moment_ago_is_not_pinged(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings = pings_of(engine, monkeypatch)
    first = backend_pid(engine)  # a fresh connection: no ping
    assert [backend_pid(engine) for _ in range(5)] == [first] * 5
    assert pings == []


def test_an_idle_connection_is_pinged_and_a_dead_one_replaced_before_use(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings = pings_of(engine, monkeypatch)
    first = backend_pid(engine)
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_SECONDS", 0.0)
    assert backend_pid(engine) == first  # pinged, alive, kept
    assert len(pings) == 1
    with _pg_connect() as admin:  # the server ends it while it sits in the pool
        admin.execute("SELECT pg_terminate_backend(%s)", (first,))
    again = backend_pid(engine)  # the ping fails: a new connection, no error
    assert again != first
    assert len(pings) == 2


def test_a_busy_connection_that_died_fails_once_then_the_pool_recovers(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not pinged (used a moment ago): the statement meets the dead connection as a
    disconnect, which invalidates the pool; the next checkout is a new connection."""
    pings = pings_of(engine, monkeypatch)
    first = backend_pid(engine)
    with _pg_connect() as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (first,))
    with pytest.raises(sa.exc.OperationalError) as failed:
        backend_pid(engine)
    assert failed.value.connection_invalidated
    assert backend_pid(engine) != first
    assert pings == []
