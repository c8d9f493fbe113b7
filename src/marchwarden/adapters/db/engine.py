"""Engines for SQLite (WAL, foreign keys, writers serialised with BEGIN IMMEDIATE) and
PostgreSQL (psycopg 3)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, cast

import orjson
import sqlalchemy as sa
from sqlalchemy import event

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

WRITE_OPTION = "marchwarden_write"


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


#: what orjson writes as the standard library's ``json.dumps`` would, or refuses as it does
_JSON_OPTIONS = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)


def _refuse(value: object) -> object:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def json_text(value: object) -> str:
    """A JSON column's value as the text sent to the store, written by orjson rather than
    ``json.dumps``, which stood out in a profile of the ingest benchmark (a report writes a
    correlation, a reply, an audit change set and an event body). The same JSON values as
    ``json.dumps`` for what it accepts (non-string keys become strings), and a
    ``TypeError`` for what it refuses — a date or a dataclass is never silently written in
    a second format."""
    try:
        return orjson.dumps(value, option=_JSON_OPTIONS, default=_refuse).decode()
    except orjson.JSONEncodeError as exc:  # a TypeError; the one ``_refuse`` raised says more
        raise (exc.__cause__ if isinstance(exc.__cause__, TypeError) else exc) from None


def create_engine(url: str, *, sqlite_synchronous: str = "FULL", pool_size: int = 20) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url, sqlite_synchronous)
    engine = sa.create_engine(
        url,
        pool_size=pool_size,
        max_overflow=20,
        pool_recycle=3600,
        json_serializer=json_text,
    )
    _ping_when_idle(engine)
    return engine


#: a pooled connection returned longer ago than this is pinged before it is handed out
PING_AFTER_IDLE_SECONDS = 1.0


def _ping_when_idle(engine: Engine) -> None:
    """SQLAlchemy's ``pool_pre_ping``, but only for a connection that sat idle in the pool.

    Every checkout used to cost a ``SELECT 1`` round trip first: on PostgreSQL that was
    one of the ~13 round trips of a group-commit batch, and one of every request's few.
    A connection used within the last second is taken to be alive; if it is not (the
    server restarted just now), the statement fails as a disconnect, SQLAlchemy
    invalidates the pool, and the request gets 503 — as a request does that meets the
    outage itself. An idle connection is pinged as before, and a failed ping replaces the
    pool's connections before the request uses one (``InvalidatePoolError``)."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if getattr(dbapi_connection, "broken", False):  # psycopg saw it fail (by psycopg)
            raise sa.exc.InvalidatePoolError()
        returned = record.info.get("returned_at")
        if returned is None or time.monotonic() - returned <= PING_AFTER_IDLE_SECONDS:
            return  # fresh from connect, or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            if engine.dialect.is_disconnect(cast("Any", exc), dbapi_connection, None):
                raise sa.exc.InvalidatePoolError() from exc
            raise


def _sqlite_engine(url: str, synchronous: str) -> Engine:
    if synchronous not in ("FULL", "NORMAL"):
        raise ValueError("sqlite synchronous must be FULL or NORMAL")
    engine = sa.create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=40,
        max_overflow=0,
        json_serializer=json_text,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # let SQLAlchemy's "begin" hook below emit BEGIN itself
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        # A writer takes the write lock up front: a deferred transaction that reads and
        # then writes would fail with SQLITE_BUSY when another writer got in between.
        if conn.get_execution_options().get(WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine
