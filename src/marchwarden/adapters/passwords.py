"""argon2id password hashing, a bounded number at a time.

Each check or hash holds ``memory_cost`` KiB (64 MiB by default) for its duration, so
how many run at once is bounded (``concurrency`` slots); up to ``queue`` more callers
wait up to ``wait_seconds`` for a slot, and any beyond that are refused at once with
``Unavailable`` (503 with Retry-After at the API). A flood of logins therefore neither
exhausts memory nor holds every worker thread.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from marchwarden.core.errors import Unavailable

if TYPE_CHECKING:
    from collections.abc import Iterator


class Argon2Passwords:
    """argon2id with the library's RFC 9106 low-memory profile (64 MiB, 3 passes)."""

    def __init__(
        self,
        *,
        time_cost: int = 3,
        memory_cost: int = 65536,
        concurrency: int = 2,
        queue: int = 8,
        wait_seconds: float = 2.0,
    ) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)
        self.concurrency = concurrency
        self.queue = queue
        self.wait_seconds = wait_seconds
        self._slots = threading.BoundedSemaphore(concurrency)
        self._lock = threading.Lock()
        self._waiting = 0
        #: observed figures: checks and hashes now running, the most ever at once, and
        #: how many were made in all
        self.running = 0
        self.peak = 0
        self.checks = 0
        # verified when a username is unknown, so that timing does not reveal accounts
        self._dummy = self._hasher.hash("marchwarden-dummy-password")

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the ``concurrency`` slots (waiting as the class docstring says)."""
        with self._lock:
            got = self._slots.acquire(blocking=False)
            if not got:
                if self._waiting >= self.queue:
                    raise _busy()
                self._waiting += 1
        if not got:
            try:
                got = self._slots.acquire(timeout=self.wait_seconds)
            finally:
                with self._lock:
                    self._waiting -= 1
            if not got:
                raise _busy()
        with self._lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        try:
            yield
        finally:
            with self._lock:
                self.running -= 1
            self._slots.release()

    def hash(self, password: str) -> str:
        with self.slot():
            return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str, *, in_slot: bool = False) -> bool:
        """Whether ``password`` matches; ``in_slot``: the caller already holds a slot."""
        if not in_slot:
            with self.slot():
                return self.verify(password_hash, password, in_slot=True)
        with self._lock:
            self.checks += 1
        try:
            return self._hasher.verify(password_hash or self._dummy, password) and (
                password_hash is not None
            )
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def _busy() -> Unavailable:
    return Unavailable(
        "too many sign-ins are being checked at once; try again shortly", retry_after_seconds=1
    )
