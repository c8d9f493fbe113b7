"""Token revocations, told to every process on the store at once.

A process keeps the token rows it has read in a cache (``services/accounts.py``). When a
token is revoked — a logout, a disabled account, from any process including the command
line — every process must stop trusting its cached copy before it answers the next
request. The store itself carries the signal, so it needs no bus and reaches every
process that shares the store:

- **SQLite** (processes on one machine, one file): the revoking process appends one byte
  to ``<database file>-revoked`` after its commit, before it returns; every cached token
  is checked against that file's size and time (one ``stat``, about a microsecond).
- **PostgreSQL**: the revoking transaction sends ``NOTIFY marchwarden_revoked``, which
  PostgreSQL delivers to every listening session when it commits; each API process keeps
  one listening connection (``start_listening``, from the app's lifespan). While that
  connection is down the version moves on every reconnect attempt, so nothing cached
  is trusted across a gap.

``version()`` changes whenever tokens may have been revoked; the cache drops everything
when it sees a new version.
"""

from __future__ import annotations

import itertools
import logging
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
        if engine.dialect.name == "sqlite" and database and database != ":memory:":
            self.stamp_path = os.path.abspath(database) + "-revoked"
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
        if self.stamp_path is not None:
            with open(self.stamp_path, "ab") as stamp:
                stamp.write(b".")

    # -- the trusting side ---------------------------------------------------------------
    def version(self) -> tuple[int, int, int]:
        """Changes whenever tokens may have been revoked (by any process)."""
        if self.stamp_path is not None:
            try:
                st = os.stat(self.stamp_path)
            except FileNotFoundError:
                return (self._local_version, 0, 0)
            return (self._local_version, st.st_size, st.st_mtime_ns)
        return (self._local_version, 0, 0)

    def start_listening(self) -> None:
        """PostgreSQL: keep a connection listening for revocations (one thread)."""
        if not self.is_postgres or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._listen, name="revocations", daemon=True)
        self._thread.start()
        self.listening.wait(timeout=10)

    def stop_listening(self) -> None:
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
