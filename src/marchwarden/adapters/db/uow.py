"""Unit of work over one SQLAlchemy connection: one transaction per command (the group
commit, which runs many commands in one transaction, is in ``group_commit.py``).

A write unit of work takes the write lock up front on SQLite (BEGIN IMMEDIATE). On both
stores, ``record`` appends the command's audit record and its events in the same
transaction as the change; on PostgreSQL it first takes a transaction-scoped advisory
lock so that audit sequence numbers and event ids are handed out in commit order (a
reader that resumes "after event N" can then never miss an event that commits late).
After the commit the audit anchor moves forward and the event bus is told.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading
import time
from typing import TYPE_CHECKING, Any, Self, TypeVar
from uuid import uuid4

import psycopg
import sqlalchemy as sa

from marchwarden.adapters.db import tables as t
from marchwarden.adapters.db.alerts_repo import AlertRepository
from marchwarden.adapters.db.engine import WRITE_OPTION
from marchwarden.adapters.db.field_repo import FieldRepository
from marchwarden.adapters.db.forces_repo import ForcesRepository
from marchwarden.adapters.db.group_commit import GroupCommit
from marchwarden.adapters.db.idempotency_repo import (
    KEYS_PRESENT_SQL,
    IdempotencyRepository,
    keys_params,
)
from marchwarden.adapters.db.incident_repo import IncidentRepository
from marchwarden.adapters.db.photos_repo import PhotoRepository
from marchwarden.adapters.db.pipelined import (
    BatchRefused,
    RowRefused,
    insert_and_commit,
    read_together,
)
from marchwarden.adapters.db.report_repo import NEXT_IDS_SQL, ReportRepository
from marchwarden.adapters.db.repositories import (
    AuditRepository,
    EventRepository,
    LoginFailureRepository,
    TokenRepository,
    UserRepository,
)
from marchwarden.adapters.db.revocations import Revocations
from marchwarden.adapters.db.shelters_repo import EvacuationRepository, ShelterRepository
from marchwarden.adapters.db.tak_repo import TakCertRepository
from marchwarden.adapters.db.task_repo import TaskRepository
from marchwarden.adapters.db.webhooks_repo import WebhookRepository
from marchwarden.core.audit.chain import GENESIS_HASH, Anchor, compute_hash, plain
from marchwarden.core.incidents.records import TimelineKind
from marchwarden.services.field_ports import PENDING_KEY, IdempotencyKeyTaken
from marchwarden.services.ports import OPEN_INCIDENTS_MEMO

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Sequence
    from datetime import datetime
    from types import TracebackType

    from sqlalchemy.engine import Engine

    from marchwarden.adapters.db.anchor import FileAnchor
    from marchwarden.core.access.model import Principal
    from marchwarden.core.events import DomainEvent
    from marchwarden.services.ports import DuplicateQuery

log = logging.getLogger("marchwarden.db")

_T = TypeVar("_T")

#: the advisory lock key that serialises appends to the journal on PostgreSQL
JOURNAL_LOCK_KEY = 0x4D415243  # "MARC"
#: ``SqlUnitOfWork._begin_locked``'s first three statements, in one psycopg pipeline
_BEGIN_LOCKED: tuple[tuple[str, None], ...] = (
    ("BEGIN", None),
    (f"SELECT pg_advisory_xact_lock({JOURNAL_LOCK_KEY})", None),
    ("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", None),
)

#: built once: a statement made anew per call costs more Python than its execution
_AUDIT_HEAD = (
    sa.select(t.audit_log.c.seq, t.audit_log.c.hash).order_by(t.audit_log.c.seq.desc()).limit(1)
)
_AUDIT_INSERT = t.audit_log.insert()
_EVENTS_INSERT_RETURNING = t.events.insert().returning(t.events.c.id, sort_by_parameter_order=True)


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
        #: commands that many clients send at once (reports) commit together through this
        self.group_commit = GroupCommit(self)
        #: token revocations told to every process on this store (see revocations.py)
        self.revocations = Revocations(engine)

    @property
    def url(self) -> str:
        """The store's address (with any password: a key, never shown)."""
        return self.engine.url.render_as_string(hide_password=False)

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

    def close(self) -> None:
        """Finish the batches queued for the group writer, then stop it (shutdown)."""
        self.group_commit.close()

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
        #: (seq, hash) of the newest audit record as this transaction sees it
        self._head: tuple[int, str] | None = None
        self.committed = False
        #: per-transaction memo for a batch of commands (see ``GroupCommit``)
        self.memo: dict[str, Any] = {}
        #: audit records and events kept in memory until ``flush_journal`` (at commit)
        self.defer_journal = False
        self._audit_rows: list[dict[str, Any]] = []
        self._event_rows: list[dict[str, Any]] = []
        self._revoked = False
        #: the psycopg connection ``_begin_locked`` put in autocommit mode (None: not)
        self._autocommit: Any = None

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
        self.alerts = AlertRepository(conn)
        self.webhooks = WebhookRepository(conn)
        self.shelters = ShelterRepository(conn)
        self.evacuations = EvacuationRepository(conn)
        self.tak_certs = TakCertRepository(conn)
        self.photos = PhotoRepository(conn)
        self.field = FieldRepository(conn)
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
            if self._autocommit is not None:  # ``_begin_locked`` set it; the transaction ended
                with contextlib.suppress(psycopg.Error):  # a broken one is discarded anyway
                    self._autocommit.autocommit = False
                self._autocommit = None
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
        pending = PENDING_KEY.get()
        if pending is not None and self.write and not pending.stored:
            stored = self.idempotency.add(
                user_id=pending.user_id,
                operation=pending.operation,
                key=pending.key,
                request_hash=pending.request_hash,
                status_code=200,
                response=pending.response,
                at=pending.at,
            )
            if stored is None:
                raise IdempotencyKeyTaken(pending.key)
            pending.stored = True
        self.flush_inserts()
        self.flush_journal()
        self.conn.commit()
        self._ended()

    def _ended(self) -> None:
        """After the commit: release the write lock, tell who listens."""
        self.committed = True
        self._release()
        if self._revoked:
            self.db.revocations.after_commit()
        self.db._after_commit(self._anchor, self._max_event_id)

    def commit_batch(self) -> None:
        """The group writer's commit of a batch that ran without savepoints.

        On PostgreSQL the kept reports, idempotency keys, audit records and events are
        inserted and committed in one round trip (``pipelined.insert_and_commit``), where
        ``commit`` spends one on each and one on the COMMIT; the batch's positions are
        written first, as ``flush_inserts`` does (their writes read). ``BatchRefused``:
        a row broke a constraint — a key another transaction stored meanwhile, say —
        or the positions' flush failed; nothing is committed, and the group writer runs
        the batch again with a savepoint per job. Elsewhere: ``commit``, its failures
        before the COMMIT likewise ``BatchRefused``."""
        if not self.db.is_postgres or PENDING_KEY.get() is not None:
            try:
                self.flush_inserts()
            except Exception as exc:
                raise BatchRefused(str(exc)) from exc
            self.commit()
            return
        try:
            self.forces.flush()
        except Exception as exc:
            raise BatchRefused(str(exc)) from exc
        writes = [
            (t.reports, self.reports.take_pending()),
            (t.idempotency_keys, self.idempotency.take_pending()),
            (t.audit_log, self._audit_rows),
        ]
        events, self._audit_rows, self._event_rows = self._event_rows, [], []
        try:
            ids = insert_and_commit(self.conn, writes, (t.events, t.events.c.id, events))
        except RowRefused as exc:
            raise BatchRefused(str(exc)) from exc
        if ids:
            self._max_event_id = max(self._max_event_id or 0, *(int(i) for i in ids))
        self.conn.commit()  # ends SQLAlchemy's transaction: the server's has ended
        self._ended()

    def batch_inserts(self, expected: int) -> None:
        """On PostgreSQL, where every statement is a round trip: from now on new reports
        and idempotency keys are kept in memory and written by ``flush_inserts``, each
        kind in one statement (``expected``: about how many reports; their ids are taken
        from the sequence that many at a time). Reads in this transaction still see them.
        No savepoint may be rolled back while rows are kept (the group commit's careful
        run does not batch). SQLite, in-process, inserts at once."""
        if self.db.is_postgres:
            self.reports.batch(expected)
            self.idempotency.batch()
            self.forces.batch()

    def flush_inserts(self) -> None:
        """Write what ``batch_inserts`` kept (``RetryJob``: a kept key was taken by
        another transaction meanwhile; this transaction must not commit as it stands)."""
        self.reports.flush()
        self.idempotency.flush()
        self.forces.flush()

    def tokens_revoked(self) -> None:
        """This transaction revokes tokens: every process learns it by the commit's end."""
        self.db.revocations.signal_in(self.conn)
        self._revoked = True

    def rollback(self) -> None:
        self.conn.rollback()

    # -- the journal: audit record + events, in this transaction ---------------------
    def journal_state(self) -> tuple[Any, ...]:
        """What ``record``/``emit`` carry in memory; restored when a savepoint rolls back."""
        return (
            self._head,
            self._anchor,
            self._max_event_id,
            len(self._audit_rows),
            len(self._event_rows),
        )

    def restore_journal_state(self, state: tuple[Any, ...]) -> None:
        self._head, self._anchor, self._max_event_id, n_audit, n_events = state
        del self._audit_rows[n_audit:]
        del self._event_rows[n_events:]

    def lock_journal(self) -> None:
        """Take the journal lock now (PostgreSQL), outside any savepoint. As the unit of
        work's first statement (the group writer's batch): begin, lock and read the audit
        head in one round trip (``_begin_locked``)."""
        if self.db.is_postgres and not self._journal_locked and self._begin_locked() is not None:
            return
        self._lock_journal()

    def _begin_locked(
        self, reads: Sequence[tuple[str, dict[str, Any] | None]] = ()
    ) -> list[list[Any]] | None:
        """PostgreSQL, before any statement of this unit of work: ``BEGIN``, the journal
        lock, the audit head and then ``reads`` as one psycopg pipeline
        (``read_together``), one round trip where psycopg would spend one on its own
        ``BEGIN``, one on the lock, one on the head and one on each read. Each statement
        starts after the one before it has finished (each has its own snapshot under READ
        COMMITTED), so the head and every read see what was committed before the lock was
        held. Returns the rows of each of ``reads``; None (nothing done) if a statement
        already ran.

        psycopg is put in autocommit mode so that it sends no ``BEGIN`` of its own; the
        explicit ``BEGIN`` opens the transaction on the server, the statements after it
        run inside it, and ``commit``/``rollback`` still end it (psycopg sends them while
        a transaction is open). ``__exit__`` puts autocommit back before the connection
        returns to the pool."""
        raw = self.conn.connection.driver_connection
        if raw is None or raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            return None
        raw.autocommit = True
        self._autocommit = raw
        results = read_together(raw, [*_BEGIN_LOCKED, *reads])
        head = results[2][0] if results[2] else None
        self._journal_locked = True
        self._head = (0, GENESIS_HASH) if head is None else (int(head.seq), str(head.hash))
        return results[len(_BEGIN_LOCKED) :]

    def begin_batch(
        self, keys: Collection[tuple[int, str, str]], queries: Sequence[DuplicateQuery]
    ) -> None:
        """The group writer's batch (not careful) begins: the journal lock and the audit
        head, then the batch's idempotency keys read ahead (``IdempotencyRepository.
        preload``), and the inserts kept for the end (``batch_inserts``).

        PostgreSQL, before any statement: all of it in one round trip
        (``_begin_locked``), and with it, when the batch has reports, their duplicate
        candidates (``ReportRepository.candidates_read``), report ids from the sequence,
        and the open incidents as correlation sees them (``memo[OPEN_INCIDENTS_MEMO]``,
        which ``services/reports.py`` reads otherwise in two or three statements at the
        first report). Elsewhere (or once a statement has run): the lock and the keys one
        after another; each report reads its duplicate candidates, and the first the
        open incidents, itself."""
        if (
            self.db.is_postgres
            and not self._journal_locked
            and self._begin_batch_at_once(keys, queries)
        ):
            return
        self.lock_journal()
        self.idempotency.preload(keys)
        self.batch_inserts(len(keys))

    def _begin_batch_at_once(
        self, keys: Collection[tuple[int, str, str]], queries: Sequence[DuplicateQuery]
    ) -> bool:
        """``begin_batch`` on PostgreSQL in one round trip. False if a statement ran."""
        reads: list[tuple[str, dict[str, Any] | None]] = []
        if keys:
            reads.append((KEYS_PRESENT_SQL, keys_params(keys)))
        candidates = self.reports.candidates_read(queries)
        if candidates is not None:  # the batch has reports: they correlate
            reads.append((candidates[0], candidates[1]))
            reads.append((NEXT_IDS_SQL, {"n": len(queries)}))
            reads.extend(self.incidents.open_summaries_reads())
        results = self._begin_locked(reads)
        if results is None:
            return False
        self.batch_inserts(len(keys))
        if keys:
            self.idempotency.preloaded(keys, results[0])
        if candidates is not None:
            found, ids, incidents, positions = results[-4:]
            self.reports.preloaded_candidates(candidates[2], found)
            self.reports.reserve(int(row[0]) for row in ids)
            self.memo[OPEN_INCIDENTS_MEMO] = self.incidents.open_summaries(incidents, positions)
        return True

    def _lock_journal(self) -> None:
        if self.db.is_postgres and not self._journal_locked:
            self.conn.execute(sa.select(sa.func.pg_advisory_xact_lock(JOURNAL_LOCK_KEY)))
            self._journal_locked = True

    def record(
        self, actor: Principal | None, events: Sequence[DomainEvent], *, at: datetime
    ) -> int | None:
        """Write what the events say: per event its audit record, its incident-timeline
        entry and the event itself (outbox), in this transaction. Returns the last audit
        seq (None: no event carried an audit record)."""
        seq: int | None = None
        actor_name = actor.username if actor else "system"
        for event in events:
            facts = event.audit()
            if facts is not None:
                seq = self._append_audit(
                    actor=actor,
                    command=facts.command,
                    target_type=facts.target_type,
                    target_id=facts.target_id,
                    changes=dict(facts.changes),
                    at=at,
                )
            note = event.timeline()
            if note is not None:
                self.incidents.add_timeline(
                    note.incident_id,
                    at=at,
                    kind=TimelineKind(note.kind),
                    actor_name=actor_name,
                    text=note.text,
                    unit_id=note.unit_id,
                    task_id=note.task_id,
                    data=dict(note.data),
                )
            if event.published():
                self.emit(event, at=at)
        return seq

    def _append_audit(
        self,
        *,
        actor: Principal | None,
        command: str,
        target_type: str,
        target_id: str | int | None,
        changes: dict[str, Any],
        at: datetime,
    ) -> int:
        """Append one audit record to the hash chain. Returns its seq."""
        if not self.write:
            raise RuntimeError("record() in a read-only unit of work")
        self._lock_journal()
        conn = self.conn
        if self._head is None:
            # read once per transaction (under the journal lock on PostgreSQL, under the
            # write lock on SQLite), then carried forward in memory: a batch of commands
            # in one transaction costs one read of the head, not one per record
            row = conn.execute(_AUDIT_HEAD).first()
            self._head = (0, GENESIS_HASH) if row is None else (int(row.seq), str(row.hash))
        seq = self._head[0] + 1
        prev_hash = self._head[1]
        actor_id = actor.user_id if actor else None
        actor_name = actor.username if actor else "system"
        tid = None if target_id is None else str(target_id)
        # the one place a record's changes are made plain JSON (or refused): hashed and
        # stored as the same JSON, on both stores
        changes = plain(changes)
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
        audit_row = {
            "seq": seq,
            "at": at,
            "actor_id": actor_id,
            "actor_name": actor_name,
            "command": command,
            "target_type": target_type,
            "target_id": tid,
            "changes": changes,
            "prev_hash": prev_hash,
            "hash": digest,
        }
        if self.defer_journal:
            self._audit_rows.append(audit_row)
        else:
            conn.execute(_AUDIT_INSERT, audit_row)
        self._head = (seq, digest)
        self._anchor = Anchor(seq=seq, hash=digest)
        return seq

    def emit(self, event: DomainEvent, *, at: datetime) -> int | None:
        """Store one event in the outbox (part of this transaction). Returns its id (None
        while the journal is deferred: the id is handed out at the flush)."""
        self._lock_journal()
        resource = event.resource()
        row: dict[str, Any] = {
            "at": at,
            "type": event.type,
            "payload": plain(event.payload()),
            "read_action": event.read_action.value,
            "resource": {
                "kind": resource.kind,
                "region": resource.region,
                "agencies": sorted(resource.agencies),
                "unit_paths": sorted(resource.unit_paths),
            },
        }
        if self.defer_journal:
            self._event_rows.append(row)
            return None
        event_id = self.events.add(**row)
        self._max_event_id = max(self._max_event_id or 0, event_id)
        return event_id

    def flush_journal(self) -> None:
        """Write the deferred audit records and events, each kind in one statement (in
        order: audit seqs and event ids still follow the order of the commands)."""
        conn = self.conn
        if self._audit_rows:
            conn.execute(_AUDIT_INSERT, self._audit_rows)
            self._audit_rows = []
        if self._event_rows:
            ids = conn.execute(_EVENTS_INSERT_RETURNING, self._event_rows).scalars().all()
            self._event_rows = []
            self._max_event_id = max(self._max_event_id or 0, *(int(i) for i in ids))


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
