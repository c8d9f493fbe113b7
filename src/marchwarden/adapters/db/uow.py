"""Unit of work over one SQLAlchemy connection: one transaction per command.

A write unit of work takes the write lock up front on SQLite (BEGIN IMMEDIATE). On both
stores, ``record`` appends the command's audit record and its events in the same
transaction as the change; on PostgreSQL it first takes a transaction-scoped advisory
lock so that audit sequence numbers and event ids are handed out in commit order (a
reader that resumes "after event N" can then never miss an event that commits late).
After the commit the audit anchor moves forward and the event bus is told.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from typing import TYPE_CHECKING, Any, Self
from uuid import uuid4

import sqlalchemy as sa

from marchwarden.adapters.db import tables as t
from marchwarden.adapters.db.command_repo import (
    IdempotencyRepository,
    IncidentRepository,
    ReportRepository,
    TaskRepository,
)
from marchwarden.adapters.db.engine import WRITE_OPTION
from marchwarden.adapters.db.forces_repo import ForcesRepository
from marchwarden.adapters.db.repositories import (
    AuditRepository,
    EventRepository,
    LoginFailureRepository,
    TokenRepository,
    UserRepository,
)
from marchwarden.core.audit.chain import GENESIS_HASH, Anchor, compute_hash

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime
    from types import TracebackType

    from sqlalchemy.engine import Engine

    from marchwarden.adapters.db.anchor import FileAnchor
    from marchwarden.core.access.model import Principal
    from marchwarden.core.events import DomainEvent

log = logging.getLogger("marchwarden.db")

#: the advisory lock key that serialises appends to the journal on PostgreSQL
JOURNAL_LOCK_KEY = 0x4D415243  # "MARC"


class Database:
    """The store: an engine, the audit anchor, and who to tell after a commit."""

    def __init__(self, engine: Engine, anchor: FileAnchor) -> None:
        self.engine = engine
        self.anchor = anchor
        self.is_postgres = engine.dialect.name == "postgresql"
        self._listeners: list[Callable[[int], None]] = []
        self._instance_id: str | None = None
        #: SQLite allows one writer at a time. Writers of this process queue here, in
        #: order, instead of in SQLite's busy handler, which sleeps in growing steps (up
        #: to 100 ms) and made latency under concurrency jump to seconds.
        self.write_lock = threading.Lock() if engine.dialect.name == "sqlite" else None
        self._anchor_writer = _AnchorWriter(anchor)

    def on_events_committed(self, listener: Callable[[int], None]) -> None:
        """``listener(max_event_id)`` runs after every commit that stored events."""
        self._listeners.append(listener)

    def unit_of_work(self, *, write: bool = True) -> SqlUnitOfWork:
        return SqlUnitOfWork(self, write=write)

    def instance_id(self) -> str:
        if self._instance_id is None:
            with self.engine.connect() as conn:
                value = conn.execute(sa.select(t.instance.c.id)).scalar_one_or_none()
            self._instance_id = value or "unknown"
        return self._instance_id

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))

    def flush_anchor(self) -> None:
        """Write the newest audit anchor now (tests, shutdown, the CLI)."""
        self._anchor_writer.flush()

    def _after_commit(self, anchor: Anchor | None, max_event_id: int | None) -> None:
        if anchor is not None:
            try:
                self._anchor_writer.offer(self.instance_id(), anchor)
            except Exception:  # an anchor problem must never undo a commit
                log.exception("could not anchor the audit chain")
        if max_event_id is not None:
            for listener in self._listeners:
                try:
                    listener(max_event_id)
                except Exception:  # a listener must never undo a commit
                    log.exception("event listener failed")


class SqlUnitOfWork:
    def __init__(self, db: Database, *, write: bool) -> None:
        self.db = db
        self.write = write
        self._conn: sa.Connection | None = None
        self._anchor: Anchor | None = None
        self._max_event_id: int | None = None
        self._journal_locked = False
        self.committed = False

    # -- lifecycle -----------------------------------------------------------------
    def __enter__(self) -> Self:
        self._locked = False
        if self.write and self.db.write_lock is not None:
            self.db.write_lock.acquire()
            self._locked = True
        try:
            return self._open()
        except BaseException:
            self._release()
            raise

    def _release(self) -> None:
        if self._locked and self.db.write_lock is not None:
            self._locked = False
            self.db.write_lock.release()

    def _open(self) -> Self:
        conn = self.db.engine.connect()
        if self.write:
            conn = conn.execution_options(**{WRITE_OPTION: True})
        conn.begin()
        self._conn = conn
        self.users = UserRepository(conn)
        self.tokens = TokenRepository(conn)
        self.login_failures = LoginFailureRepository(conn)
        self.audit = AuditRepository(conn)
        self.events = EventRepository(conn)
        self.idempotency = IdempotencyRepository(conn)
        self.reports = ReportRepository(conn)
        self.incidents = IncidentRepository(conn)
        self.tasks = TaskRepository(conn)
        self.forces = ForcesRepository(conn)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn = self._conn
        self._conn = None
        if conn is None:
            self._release()
            return
        try:
            if not self.committed:
                conn.rollback()
        finally:
            conn.close()
            self._release()

    @property
    def conn(self) -> sa.Connection:
        if self._conn is None:
            raise RuntimeError("unit of work is not open")
        return self._conn

    def unit_path(self, unit_id: int) -> str | None:
        """The materialised path of a unit (``/1/4/9/``), or None if there is none."""
        units = t.metadata.tables.get("units")
        if units is None:
            return None
        value = self.conn.execute(
            sa.select(units.c.path).where(units.c.id == unit_id)
        ).scalar_one_or_none()
        return None if value is None else str(value)

    def commit(self) -> None:
        self.conn.commit()
        self.committed = True
        self._release()
        self.db._after_commit(self._anchor, self._max_event_id)

    def rollback(self) -> None:
        self.conn.rollback()

    # -- the journal: audit record + events, in this transaction ---------------------
    def _lock_journal(self) -> None:
        if self.db.is_postgres and not self._journal_locked:
            self.conn.execute(sa.select(sa.func.pg_advisory_xact_lock(JOURNAL_LOCK_KEY)))
            self._journal_locked = True

    def record(
        self,
        *,
        actor: Principal | None,
        command: str,
        target_type: str,
        target_id: str | int | None,
        changes: dict[str, Any],
        events: Sequence[DomainEvent] = (),
        at: datetime,
    ) -> int:
        """Append one audit record (and the command's events). Returns the audit seq."""
        if not self.write:
            raise RuntimeError("record() in a read-only unit of work")
        self._lock_journal()
        conn = self.conn
        head = conn.execute(
            sa.select(t.audit_log.c.seq, t.audit_log.c.hash)
            .order_by(t.audit_log.c.seq.desc())
            .limit(1)
        ).first()
        seq = 1 if head is None else int(head.seq) + 1
        prev_hash = GENESIS_HASH if head is None else str(head.hash)
        actor_id = actor.user_id if actor else None
        actor_name = actor.username if actor else "system"
        tid = None if target_id is None else str(target_id)
        digest = compute_hash(
            seq=seq,
            at=at,
            actor_id=actor_id,
            actor_name=actor_name,
            command=command,
            target_type=target_type,
            target_id=tid,
            changes=changes,
            prev_hash=prev_hash,
        )
        conn.execute(
            t.audit_log.insert().values(
                seq=seq,
                at=at,
                actor_id=actor_id,
                actor_name=actor_name,
                command=command,
                target_type=target_type,
                target_id=tid,
                changes=changes,
                prev_hash=prev_hash,
                hash=digest,
            )
        )
        self._anchor = Anchor(seq=seq, hash=digest)
        for event in events:
            self.emit(event, at=at)
        return seq

    def emit(self, event: DomainEvent, *, at: datetime) -> int:
        """Store one event in the outbox (part of this transaction)."""
        self._lock_journal()
        resource = event.resource()
        event_id = self.events.add(
            at=at,
            type=event.type,
            payload=event.payload(),
            read_action=event.read_action.value,
            resource={
                "kind": resource.kind,
                "region": resource.region,
                "agencies": sorted(resource.agencies),
                "unit_paths": sorted(resource.unit_paths),
            },
        )
        self._max_event_id = max(self._max_event_id or 0, event_id)
        return event_id


class _AnchorWriter:
    """Moves the audit anchor forward off the request path.

    After a commit the newest head is offered; a background thread writes the newest one
    it has every ``interval`` seconds (and at exit), so a burst of commits costs one file
    write. The window this opens: records committed in the last ``interval`` before a
    crash are not yet anchored (see docs/security.md)."""

    def __init__(self, anchor: FileAnchor, interval: float = 0.05) -> None:
        self._anchor = anchor
        self._interval = interval
        self._pending: tuple[str, Anchor] | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def offer(self, instance: str, anchor: Anchor) -> None:
        """``instance`` is resolved by the caller (with the store at hand): the thread
        never touches the database, which may be gone by the time it writes."""
        with self._lock:
            if self._pending is None or anchor.seq > self._pending[1].seq:
                self._pending = (instance, anchor)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="audit-anchor", daemon=True)
                self._thread.start()
                atexit.register(self.flush)
        self._wake.set()

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, None
        if pending is None:
            return
        try:
            self._anchor.advance(*pending)
        except OSError:
            log.exception("could not write the audit anchor %s", self._anchor.path)

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # the writer must outlive any single failure
                log.exception("audit anchor writer failed")
            time.sleep(self._interval)


def new_instance_id() -> str:
    return str(uuid4())
