"""Group commit: one writer thread commits the commands waiting at that moment in one
transaction, so that a burst of them (field reports) costs one fsync instead of one each.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from marchwarden.adapters.db.pipelined import BatchRefused
from marchwarden.services.ports import RetryJob

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from marchwarden.adapters.db.uow import Database, SqlUnitOfWork
    from marchwarden.services.ports import DuplicateQuery

log = logging.getLogger("marchwarden.db")

_T = TypeVar("_T")


@dataclass(eq=False, slots=True)
class _Job:
    """A queued command and where its outcome goes: a ``concurrent.futures.Future``
    (``submit``), or an asyncio future of a running event loop (``submit_async``)."""

    fn: Callable[[SqlUnitOfWork], Any]
    future: Future[Any] | None
    #: (user id, operation, key) the job will look up first; looked up for the batch at once
    idempotency: tuple[int, str, str] | None = None
    waiter: asyncio.Future[Any] | None = None
    #: the duplicate check the job will make; read for the batch at once (PostgreSQL)
    duplicates: DuplicateQuery | None = None
    #: the unit whose position the job stores; the batch's units are read at once
    position_of: int | None = None
    settled: bool = False

    def start(self) -> bool:
        """False if the caller gave up waiting before the job ran: then it is not run."""
        if self.future is not None:
            return self.future.set_running_or_notify_cancel()
        return self.waiter is not None and not self.waiter.cancelled()


def _settle(outcomes: Iterable[tuple[_Job, Any, BaseException | None]]) -> None:
    """Hand each job its outcome: thread futures at once; the asyncio futures of each
    event loop in one call into that loop (one wake-up of the loop per batch, not one per
    job, which cost ~5 % of the event loop's time under a report burst)."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any, Any]]] = {}
    for job, value, error in outcomes:
        if job.settled:
            continue
        job.settled = True
        if job.future is not None:
            if job.future.done():  # cancelled before it ran
                continue
            if error is None:
                job.future.set_result(value)
            else:
                job.future.set_exception(error)
        elif job.waiter is not None:
            by_loop.setdefault(job.waiter.get_loop(), []).append((job.waiter, value, error))
    for loop, items in by_loop.items():
        try:
            loop.call_soon_threadsafe(_settle_waiters, items)
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            log.warning("group commit: %d replies for a closed event loop", len(items))


def _settle_waiters(items: list[tuple[asyncio.Future[Any], Any, Any]]) -> None:
    for waiter, value, error in items:
        if waiter.done():  # cancelled meanwhile (the client went away)
            continue
        if error is None:
            waiter.set_result(value)
        else:
            waiter.set_exception(error)


class GroupCommit:
    """Group commit: one writer thread commits the commands waiting at that moment in one
    transaction, so that a burst of them costs one fsync instead of one each.

    ``submit(fn)`` queues ``fn(uow)`` and returns a future. The writer takes every job
    waiting (up to ``max_batch``), opens one write unit of work and runs each job in a
    savepoint of its own: a job that raises is rolled back to its savepoint (its audit
    head and events forgotten with it) and gets its exception; its neighbours go on.
    Then one commit, and only after it each future gets its result — so a reply built on
    it is still sent only after the command is durable. If the commit fails, every job of
    the batch gets that error (none was acknowledged). A job sees the effects of the jobs
    before it in the batch (same transaction); each still writes its own audit record and
    events, in order. Jobs must not open a write unit of work of their own (the writer
    holds the write lock). The thread exits after ``idle_seconds`` without work and starts
    again on the next job.
    """

    def __init__(self, db: Database, *, max_batch: int = 256, idle_seconds: float = 2.0) -> None:
        self.db = db
        self.max_batch = max_batch
        self.idle_seconds = idle_seconds
        self._queue: deque[_Job] = deque()
        self._cond = threading.Condition()
        self._running = False
        self._closed = False
        #: sizes of the batches committed (newest last; for tests and the benchmark)
        self.batch_sizes: deque[int] = deque(maxlen=10_000)

    def submit(
        self,
        fn: Callable[[SqlUnitOfWork], _T],
        *,
        idempotency: tuple[int, str, str] | None = None,
        duplicates: DuplicateQuery | None = None,
        position_of: int | None = None,
    ) -> Future[_T]:
        """Queue ``fn``; ``idempotency``: the (user id, operation, key) it looks up first,
        read for the whole batch in one query (``IdempotencyRepository.preload``);
        ``duplicates``: the report duplicate check it makes, likewise on PostgreSQL
        (``ReportRepository.candidates_read``); ``position_of``: see ``submit_async``."""
        future: Future[_T] = Future()
        job = _Job(fn, future, idempotency, duplicates=duplicates, position_of=position_of)
        self._enqueue(job)
        return future

    def submit_async(
        self,
        fn: Callable[[SqlUnitOfWork], _T],
        *,
        idempotency: tuple[int, str, str] | None = None,
        duplicates: DuplicateQuery | None = None,
        position_of: int | None = None,
    ) -> asyncio.Future[_T]:
        """``submit`` for the running event loop: an asyncio future, settled together
        with the rest of its batch by one call into the loop. ``position_of``: the job
        stores a position of this unit (on PostgreSQL the batch's units are read in one
        statement, and its positions written in a few: ``ForcesRepository.batch``)."""
        waiter: asyncio.Future[_T] = asyncio.get_running_loop().create_future()
        job = _Job(fn, None, idempotency, waiter, duplicates=duplicates, position_of=position_of)
        self._enqueue(job)
        return waiter

    def _enqueue(self, job: _Job) -> None:
        with self._cond:
            if self._closed:
                raise RuntimeError("the store is closed")
            self._queue.append(job)
            if not self._running:
                self._running = True
                threading.Thread(target=self._run, name="group-commit", daemon=True).start()
            self._cond.notify()

    def run(
        self,
        fn: Callable[[SqlUnitOfWork], _T],
        *,
        idempotency: tuple[int, str, str] | None = None,
        duplicates: DuplicateQuery | None = None,
    ) -> _T:
        """Submit and wait for the result (from any thread but the writer's)."""
        return self.submit(fn, idempotency=idempotency, duplicates=duplicates).result()

    def close(self, timeout: float = 30.0) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            deadline = time.monotonic() + timeout
            while self._running and time.monotonic() < deadline:
                self._cond.wait(0.05)

    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._queue and not self._closed:
                    self._cond.wait(self.idle_seconds)
                if not self._queue:
                    self._running = False
                    self._cond.notify_all()
                    return
                n = min(len(self._queue), self.max_batch)
                batch = [self._queue.popleft() for _ in range(n)]
            try:
                self._commit(batch)
            except BaseException as exc:  # never leave a caller waiting
                _settle((job, None, exc) for job in batch)
                log.exception("group commit failed")

    def _commit(self, batch: list[_Job]) -> None:
        jobs = []
        for job in batch:
            if job.start():
                jobs.append(job)
            else:
                job.settled = True  # its caller gave up before it ran
        if not jobs:
            return
        try:
            outcomes = self._transaction(jobs, careful=False)
        except _JobFailed:
            outcomes = None
        except Exception as exc:  # noqa: BLE001 - handed to every caller of the batch
            _settle((job, None, exc) for job in jobs)
            return
        if outcomes is None:
            # a job failed without savepoints around it: run the batch again, each job in
            # a savepoint, so that only the failing one fails
            try:
                outcomes = self._transaction(jobs, careful=True)
            except Exception as exc:  # noqa: BLE001 - handed to every caller of the batch
                _settle((job, None, exc) for job in jobs)
                return
        self.batch_sizes.append(len(jobs))
        _settle(outcomes)

    def _transaction(
        self, jobs: list[_Job], *, careful: bool
    ) -> list[tuple[_Job, Any, BaseException | None]]:
        """One transaction over the jobs. Not careful (the common case): no savepoints,
        and the first job that raises aborts the transaction (``_JobFailed``). Careful:
        each job in a savepoint; a job that raises ``RetryJob`` runs once more."""
        outcomes: list[tuple[_Job, Any, BaseException | None]] = []
        with self.db.unit_of_work() as uow:
            uow.defer_journal = True
            if careful:
                uow.lock_journal()  # outside the savepoints: a rolled-back job keeps it
            else:
                # the journal lock, then one read for the batch's keys instead of one per
                # job (with the write lock held (SQLite) none can appear meanwhile, and on
                # PostgreSQL a key stored meanwhile by another process makes ``add`` refuse
                # it: ``RetryJob``, and the careful run (no preload) replays it), the
                # batch's reports and keys kept for one statement each at the end
                # (PostgreSQL; a key taken meanwhile: careful run), and every job's
                # duplicate check in one read (with the journal lock held no other
                # writer's report can commit before this transaction does); on PostgreSQL
                # all of that in one round trip (``begin_batch``)
                uow.begin_batch(
                    [j.idempotency for j in jobs if j.idempotency],
                    [j.duplicates for j in jobs if j.duplicates],
                )
                # PostgreSQL: the units whose positions the batch stores, in one read
                uow.forces.preload_units([j.position_of for j in jobs if j.position_of])
            for job in jobs:
                if not careful:
                    try:
                        value = job.fn(uow)
                    except Exception as exc:
                        raise _JobFailed from exc
                    outcomes.append((job, value, None))
                    continue
                for attempt in (1, 2):
                    state = uow.journal_state()
                    savepoint = uow.conn.begin_nested()
                    try:
                        value = job.fn(uow)
                    except Exception as exc:  # noqa: BLE001 - it is the job's caller's
                        savepoint.rollback()
                        uow.restore_journal_state(state)
                        if isinstance(exc, RetryJob) and attempt == 1:
                            continue
                        outcomes.append((job, None, exc))
                    else:
                        savepoint.commit()
                        outcomes.append((job, value, None))
                    break
            if careful:
                uow.commit()
                return outcomes
            try:
                # PostgreSQL: the batch's rows and the COMMIT in one round trip
                uow.commit_batch()
            except BatchRefused as exc:
                raise _JobFailed from exc  # whose row it was, the careful run finds
        return outcomes


class _JobFailed(Exception):
    pass
