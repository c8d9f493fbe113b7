"""Token revocations, told to every process on the store at once.

A process keeps the token rows it has read in a cache (``services/accounts.py``). When a
token is revoked — a logout, a disabled account, from any process including the command
line — every process must stop trusting its cached copy before it answers the next
request. The store itself carries the signal, so it needs no bus and reaches every
process that shares the store:

- **SQLite** (processes on one machine, one file): ``<database file>-revoked`` holds a
  64-bit counter; the revoking process adds one to it (under an exclusive ``flock``) after
  its commit, before it returns. Every process maps the file into memory (``mmap``,
  shared), so checking a cached token reads eight bytes of memory: no system call. A
  ``stat`` per request (the first way) released the GIL on the event loop's hottest
  path, and each time the group writer could take it over for its switch interval
  (issue 10: SQLite ingest had become slower than before). The file must live as long
  as the database file: a process keeps reading the file it mapped, so deleting or
  replacing it while processes run hides later revocations from them (as deleting
  ``-wal`` would break SQLite).
- **PostgreSQL**: the revoking transaction sends ``NOTIFY marchwarden_revoked``, which
  PostgreSQL delivers to every listening session when it commits; each API process keeps
  one listening connection (``start_listening``, from the app's lifespan). While that
  connection is down the version moves on every reconnect attempt, so nothing cached
  is trusted across a gap.

``version()`` changes whenever tokens may have been revoked; the cache drops everything
when it sees a new version.
"""

from __future__ import annotations

import fcntl
import itertools
import logging
import mmap
import os
import threading
from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

log = logging.getLogger("marchwarden.db")

CHANNEL = "marchwarden_revoked"


class Revocations:
    def __init__(self, engine: Engine) -> None:
        self.is_postgres = engine.dialect.name == "postgresql"
        database = engine.url.database
        self.stamp_path: str | None = None
        self._stamp: StampCounter | None = None
        if engine.dialect.name == "sqlite" and database and database != ":memory:":
            self.stamp_path = os.path.abspath(database) + "-revoked"
            self._stamp = StampCounter(self.stamp_path)
        self._dsn = (
            engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            if self.is_postgres
            else None
        )
        self._local = itertools.count(1)
        self._local_version = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.listening = threading.Event()

    # -- the revoking side ---------------------------------------------------------------
    def signal_in(self, conn: sa.Connection) -> None:
        """Inside the revoking transaction: PostgreSQL delivers it with the commit."""
        if self.is_postgres:
            conn.execute(sa.text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})

    def after_commit(self) -> None:
        """After the revoking commit, before the command returns."""
        self._local_version = next(self._local)
        if self._stamp is not None:
            self._stamp.bump()

    # -- the trusting side ---------------------------------------------------------------
    def version(self) -> tuple[int, int, int]:
        """Changes whenever tokens may have been revoked (by any process)."""
        if self._stamp is not None:
            return (self._local_version, self._stamp.read(), 0)
        return (self._local_version, 0, 0)

    def start_listening(self) -> None:
        """PostgreSQL: keep a connection listening for revocations (one thread). SQLite:
        map the counter file now rather than on the first request."""
        if self._stamp is not None:
            self._stamp.read()
        if not self.is_postgres or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._listen, name="revocations", daemon=True)
        self._thread.start()
        self.listening.wait(timeout=10)

    def stop_listening(self) -> None:
        if self._stamp is not None:
            self._stamp.close()
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            thread.join(timeout=5)

    def _bump(self) -> None:
        self._local_version = next(self._local)

    def _listen(self) -> None:
        import psycopg

        assert self._dsn is not None
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._dsn, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._bump()  # anything may have happened while not listening
                    self.listening.set()
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=0.5, stop_after=1):
                            self._bump()
            except psycopg.Error:
                self._bump()
                log.warning("revocation listener lost its connection; reconnecting")
                self._stop.wait(1.0)


class StampCounter:
    """The SQLite signal: a 64-bit counter (little-endian) in the first eight bytes of a
    file, added to under an exclusive ``flock`` and read through a shared memory map.

    A reader that sees any change drops its cache; a torn read while a writer writes is
    a change too, never the old value (the writer writes only after its commit). A file
    written by the first way (``.`` appended per revocation) reads as some count and goes
    on from there."""

    SIZE = 8

    def __init__(self, path: str) -> None:
        self.path = path
        self._map: mmap.mmap | None = None
        self._lock = threading.Lock()

    def read(self) -> int:
        """The counter now: eight bytes read from memory once mapped."""
        view = self._map
        if view is not None:
            try:
                return int.from_bytes(view[: self.SIZE], "little")
            except ValueError:  # closed meanwhile (shutdown): map it again
                pass
        return int.from_bytes(self._mapped()[: self.SIZE], "little")

    def bump(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            count = int.from_bytes(os.pread(fd, self.SIZE, 0).ljust(self.SIZE, b"\0"), "little")
            os.pwrite(fd, ((count + 1) % 2**64).to_bytes(self.SIZE, "little"), 0)
        finally:
            os.close(fd)  # releases the lock

    def close(self) -> None:
        with self._lock:
            view, self._map = self._map, None
        if view is not None:
            view.close()

    def _mapped(self) -> mmap.mmap:
        with self._lock:
            if self._map is None or self._map.closed:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX)  # not while a writer grows the file
                    if os.fstat(fd).st_size < self.SIZE:
                        os.ftruncate(fd, self.SIZE)
                    self._map = mmap.mmap(fd, self.SIZE, mmap.MAP_SHARED, mmap.PROT_READ)
                finally:
                    # the map holds a duplicate of the descriptor, which shares the lock
                    fcntl.flock(fd, fcntl.LOCK_UN)
                    os.close(fd)
            return self._map
